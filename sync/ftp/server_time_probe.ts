/**
 * The time probe (`server_time.ts` has the model): a tiny file stored in a directory the user
 * may write, under a temporary name that both listings hide
 * (`.ftp-clone.up.<12 hex>.clock-probe.part`), read back from every source of times, its time set
 * and read back, then deleted.
 *
 * Round trips on plain FTP: STOR (EPSV, STOR) 2; MDTM + MLST together 1; LIST of the one file
 * (EPSV, LIST) 2; set + read back + DELE together 1: 6 in all, plus a CWD when the STOR is
 * refused (to tell a read-only account from a missing directory).
 * @module
 */
import { FTPError } from "basic-ftp";
import { FtpError, meaningOf, toFtpError } from "./errors.ts";
import type { FtpSession } from "./ftp_session.ts";
import { formatFtpTimestamp } from "./ftp_time.ts";
import { uploadBytes } from "./ftp_transfers.ts";
import { listingLines, parseListLine } from "./parse_list.ts";
import { parseFacts } from "./parse_mlsd.ts";
import { deriveServerTime, type ProbeObservation } from "./server_time.ts";
import type { ProbeResult } from "./server_time_state.ts";

const PROBE_BYTES = new TextEncoder().encode("ftp-clone clock probe\n");
const DAY_MS = 86_400_000;

/** The probe file's name: a temporary upload name (`sync/exclude.ts` `isTemporaryName`). */
export function probeName(
  random: () => Uint8Array = () => crypto.getRandomValues(new Uint8Array(6)),
): string {
  const hex = Array.from(random(), (b) => b.toString(16).padStart(2, "0")).join("");
  return `.ftp-clone.up.${hex}.clock-probe.part`;
}

/** The reply's text, or undefined for a refusal or a missing reply. */
function replyText(reply: { message: string } | FTPError | undefined): string | undefined {
  return reply === undefined || reply instanceof FTPError ? undefined : reply.message;
}

/** MLST's `modify` fact from its reply (`250-...`, ` facts; name`, `250 End`). */
function mlstModify(reply: string | undefined): string | undefined {
  const line = reply?.split(/\r?\n/).find((l) => l.startsWith(" "));
  return line === undefined ? undefined : parseFacts(line.slice(1))?.facts.get("modify");
}

/**
 * Runs the probe in `dir` (a path of the contract). Never rejects. `clock` is our real clock
 * (not the engine's injectable one: the server stamps the file with its real clock).
 */
export async function probeServerTime(
  session: FtpSession,
  dir: string,
  clock: () => number = Date.now,
): Promise<ProbeResult> {
  const client = session.client;
  const profile = session.profile;
  const name = probeName();
  const path = dir.endsWith("/") ? dir + name : `${dir}/${name}`;
  const server = session.path(path);
  const started = performance.now();
  let roundTrips = 0;
  const seen: Partial<ProbeObservation> = {};
  seen.beforeMs = clock();
  try {
    await uploadBytes(session, PROBE_BYTES, server);
  } catch (error) {
    return await storeRefused(session, dir, error);
  } finally {
    roundTrips += 2;
  }
  seen.afterMs = clock();
  let deleted = false;
  try {
    const caps = profile.capabilities();
    const reads = [
      ...(caps.mdtm ? [`MDTM ${server}`] : []),
      ...(caps.mlsd ? [`MLST ${server}`] : []),
    ];
    if (reads.length > 0) {
      const replies = await client.sendAll(reads);
      roundTrips++;
      const mdtm = caps.mdtm ? replyText(replies[0]) : undefined;
      if (mdtm !== undefined) seen.mdtm = mdtm.slice(4).trim();
      const mlst = mlstModify(replyText(replies[caps.mdtm ? 1 : 0]));
      if (mlst !== undefined) seen.mlst = mlst;
    }
    const listed = await client.listRaw(`LIST ${server}`).catch(() => "");
    roundTrips += 2;
    // pure-ftpd names the file as it was asked (`/dir/.ftp-clone...`): no name rules here.
    const entry = listingLines(listed)
      .map((line) => parseListLine(line, seen.afterMs!))
      .find((e) => typeof e === "object" && (e.name === name || e.name.endsWith(`/${name}`)));
    if (typeof entry === "object" && entry.mtimeMs !== undefined) {
      seen.list = {
        mtimeMs: entry.mtimeMs,
        precisionMs: entry.mtimePrecisionMs,
        rawTime: entry.rawTime,
      };
    }
    // Set a known time (a day back) in the frame the reads showed, read it back, delete.
    const readVia = seen.mdtm !== undefined ? "mdtm" : seen.mlst !== undefined ? "mlsd" : undefined;
    const setVerb = caps.mfmt
      ? "MFMT"
      : caps.mdtm && profile.quirk("mdtmWrite") !== false
      ? "MDTM"
      : undefined;
    const batch: string[] = [];
    const sent = formatFtpTimestamp(seen.afterMs - DAY_MS);
    if (setVerb !== undefined && readVia !== undefined) {
      batch.push(
        `${setVerb} ${sent} ${server}`,
        readVia === "mdtm" ? `MDTM ${server}` : `MLST ${server}`,
      );
    }
    batch.push(`DELE ${server}`);
    const replies = await client.sendAll(batch);
    roundTrips++;
    deleted = !(replies[replies.length - 1] instanceof FTPError);
    if (batch.length === 3) {
      const set = replies[0];
      if (setVerb === "MDTM" && set !== undefined) {
        if (set instanceof FTPError) profile.learn("mdtmWrite", false, set.message);
        else profile.learn("mdtmWrite", true);
      }
      const back = readVia === "mdtm"
        ? replyText(replies[1])?.slice(4).trim()
        : mlstModify(replyText(replies[1]));
      if (set !== undefined && !(set instanceof FTPError) && back !== undefined) {
        seen.set = { sent, readBack: back, via: readVia! };
      }
    }
  } catch (error) {
    return { ok: false, kind: "failed", reason: toFtpError(error, "time probe").message };
  } finally {
    if (!deleted && !client.closed) {
      await client.send(`DELE ${server}`).catch(() => {});
    }
  }
  const derived = deriveServerTime(seen as ProbeObservation);
  if (!derived.ok) return { ok: false, kind: "unusable", reason: derived.reason };
  return {
    ok: true,
    record: {
      ...derived.record,
      probe: { roundTrips, ms: Math.round(performance.now() - started) },
    },
  };
}

/** Why the probe file could not be stored: a read-only account, a missing directory, a failure. */
async function storeRefused(
  session: FtpSession,
  dir: string,
  error: unknown,
): Promise<ProbeResult> {
  const e = error instanceof FtpError ? error : toFtpError(error, "STOR (time probe)");
  const reason = `storing a probe file in "${dir}" failed: ${e.message}`;
  const meaning = meaningOf(e);
  if (!e.answered || meaning === "transient" || meaning === "tooManyConnections") {
    return { ok: false, kind: "failed", reason };
  }
  // vsftpd answers 553 both for a missing directory and a refused one: CWD tells.
  try {
    await session.send(`CWD ${session.path(dir)}`);
  } catch {
    return { ok: false, kind: "missing", reason };
  }
  return { ok: false, kind: "readOnly", reason };
}
