/**
 * Reading and setting one file's mtime, in UTC for the engine and in the server's frames on the
 * wire (`server_time.ts`): MDTM's offset is taken out of what MDTM reports; a time set with MFMT
 * or vsftpd's two-argument MDTM is written in the server's `set` frame (use_localtime servers
 * read it as local time).
 * @module
 */
import { replyOf, toFtpError } from "./errors.ts";
import { type FtpSession, notImplemented, unsupported } from "./ftp_session.ts";
import { formatFtpTimestamp, parseFtpTimestamp } from "./ftp_time.ts";
import { FtpError } from "./errors.ts";
import { type SetMtimeTrust, statedModify } from "./set_mtime_trust.ts";

const MINUTE_MS = 60_000;

/** A time-val MDTM reported, in UTC (its offset taken out); undefined when unreadable. */
export function mdtmToUtc(session: FtpSession, timeVal: string): number | undefined {
  const ms = parseFtpTimestamp(timeVal);
  return ms === undefined ? undefined : ms - session.offsets().mdtm * MINUTE_MS;
}

/** MDTM of a server path: its mtime in ms, UTC, whole seconds. */
export async function readMtime(
  session: FtpSession,
  server: string,
  trust: SetMtimeTrust,
): Promise<number> {
  const [time] = await readMtimes(session, [server], trust);
  if (time instanceof FtpError) throw time;
  return time!;
}

/** MDTMs per write: bounds what the server and the engine buffer for one batch. */
const MDTM_PER_WRITE = 100;

/**
 * MDTMs of many server paths, sent together (one write per 100 where the server tolerates
 * pipelining): each mtime (ms, UTC, whole seconds) or its refusal as an `FtpError`, in order.
 * A server found without MDTM (not in FEAT, then refused as unknown) is learned once and the
 * rest get meaning `unsupported` without a command. Rejects only when the connection fails.
 */
export async function readMtimes(
  session: FtpSession,
  servers: readonly string[],
  trust: SetMtimeTrust,
): Promise<Array<number | FtpError>> {
  const out: Array<number | FtpError> = [];
  for (let i = 0; i < servers.length; i += MDTM_PER_WRITE) {
    const chunk = servers.slice(i, i + MDTM_PER_WRITE);
    if (!session.profile.capabilities().mdtm) {
      for (const server of chunk) {
        out.push(unsupported(`read the time of "${server}"`, `MDTM ${server}`));
      }
      continue;
    }
    const commands = chunk.map((server) => `MDTM ${server}`);
    const replies = await session.run(commands[0]!, () => session.sendAll(commands));
    replies.forEach((reply, j) => out.push(mtimeOf(session, chunk[j]!, reply, trust)));
  }
  return out;
}

/** What one MDTM reply says: the time (UTC ms), or the refusal. */
function mtimeOf(
  session: FtpSession,
  server: string,
  reply: { message: string } | FtpError,
  trust: SetMtimeTrust,
): number | FtpError {
  const command = `MDTM ${server}`;
  if (reply instanceof FtpError) {
    if (notImplemented(reply) && session.profile.features?.mdtm !== true) {
      session.profile.learn("mdtm", false, replyOf(reply));
    }
    return session.profile.capabilities().mdtm
      ? reply
      : unsupported(`read the time of "${server}"`, command);
  }
  const ms = mdtmToUtc(session, reply.message.slice(4));
  if (ms === undefined) {
    return new FtpError(
      `FTP command "${command}" failed: cannot read the time in "${reply.message}"`,
      { command, transient: false },
    );
  }
  trust.readBack(server, ms);
  return ms;
}

/**
 * Set a server path's mtime (UTC ms): MFMT, else vsftpd's two-argument MDTM (tried once per
 * server, remembered in its profile), else false.
 */
export async function writeMtime(
  session: FtpSession,
  server: string,
  mtimeMs: number,
  trust: SetMtimeTrust,
): Promise<boolean> {
  trust.clear();
  const profile = session.profile;
  const offsets = session.offsets();
  const utc = Math.floor(mtimeMs / 1000) * 1000;
  const stamp = formatFtpTimestamp(utc + offsets.set * MINUTE_MS);
  const record = (reply: string) => {
    const stated = statedModify(reply);
    const statedMs = stated === undefined ? undefined : parseFtpTimestamp(stated);
    trust.recordSet(
      server,
      utc,
      statedMs === undefined ? undefined : statedMs - offsets.mdtm * MINUTE_MS,
    );
  };
  if (profile.capabilities().mfmt) {
    const reply = await session.send(`MFMT ${stamp} ${server}`);
    record(reply.message);
    return true;
  }
  const known = profile.quirk("mdtmWrite");
  if (known === false) return false;
  const command = `MDTM ${stamp} ${server}`;
  try {
    const reply = await session.client.command(command);
    record(reply.message);
  } catch (err) {
    const e = toFtpError(err, command);
    if (known === true || typeof e.code !== "number") throw e;
    // Not known yet whether the server can: 500/501/502/504 say no; a 550 may mean a missing
    // file, so check that the file is readable with a plain MDTM.
    if (e.code === 550) {
      try {
        await session.client.command(`MDTM ${server}`);
      } catch {
        throw e;
      }
    }
    profile.learn("mdtmWrite", false, replyOf(e));
    return false;
  }
  profile.learn("mdtmWrite", true);
  return true;
}
