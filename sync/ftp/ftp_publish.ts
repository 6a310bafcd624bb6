/**
 * An uploaded temporary file published under its final name in two round trips instead of about
 * four (SIZE, MDTM, RNFR+RNTO, MFMT, MDTM one after the other):
 *
 * 1. `SIZE final`, `MDTM final`, `MFMT temp` (or vsftpd's `MDTM stamp temp`), `RNFR temp`;
 * 2. once the caller's check accepted what SIZE and MDTM said: `RNTO final`, `MDTM final`.
 *
 * FTP has no conditional rename, so the RNTO waits for the check's replies; RNFR only marks the
 * source and goes with them. The mtime is set on the temporary name, before the RNFR (RNTO must
 * follow RNFR directly): a refused RNTO then never sets the time of the file the final name still
 * holds, and a rename keeps the mtime. Where the server does not tolerate pipelining, the
 * connection sends the same commands one at a time (`ftp_connection.ts`).
 * @module
 */
import { FtpError, toFtpError } from "./errors.ts";
import type { FtpReply } from "./ftp_reply.ts";
import type { FtpSession } from "./ftp_session.ts";
import { mdtmToUtc, mtimeSetOf, writeMtime } from "./ftp_times.ts";
import type { Published, PublishOptions, PublishTarget } from "./remote_fs.ts";
import type { SetMtimeTrust } from "./set_mtime_trust.ts";

/** What `publishUpload` needs of its connection. */
export interface PublishDeps {
  session: FtpSession;
  trust: SetMtimeTrust;
  /**
   * The error to reject with for a refused RNFR or RNTO, classified as `RemoteFs.rename` does
   * (a server that refuses renames is learned once: meaning `unsupported`).
   */
  renameFailure(error: FtpError, src: string, dst: string): Promise<FtpError>;
}

/** A number a reply gives, `absent` for "no such file", `unread` for anything else. */
function valueOf(
  reply: FtpReply | FtpError | undefined,
  parse: (text: string) => number | undefined,
): number | "absent" | "unread" {
  if (reply === undefined) return "unread";
  if (reply instanceof FtpError) return reply.meaning === "notFound" ? "absent" : "unread";
  return parse(reply.message.slice(4).trim()) ?? "unread";
}

/** What SIZE and MDTM said of the final name (as `statRemoteNow` reads them). */
function targetOf(
  session: FtpSession,
  size: FtpReply | FtpError | undefined,
  mdtm: FtpReply | FtpError | undefined,
): PublishTarget {
  const bytes = valueOf(size, (text) => {
    const n = Number(text);
    return Number.isSafeInteger(n) && n >= 0 && text !== "" ? n : undefined;
  });
  if (bytes === "absent" && mdtm === undefined) return { state: "absent" }; // MDTM not asked
  const mtimeMs = valueOf(mdtm, (text) => mdtmToUtc(session, text));
  // A refusal other than "no such file" (or a server that lacks the command, learned by the
  // check's own reads) leaves the reading to the check.
  if (bytes === "unread" || mtimeMs === "unread") return { state: "unread" };
  if (bytes === "absent" || mtimeMs === "absent") return { state: "absent" };
  return { state: "present", size: bytes, mtimeMs };
}

/** See the module doc; `src` and `dst` are server paths. */
export async function publishUpload(
  deps: PublishDeps,
  src: string,
  dst: string,
  options: PublishOptions,
): Promise<Published> {
  const { session, trust } = deps;
  const caps = session.profile.capabilities();
  const command = `RNFR ${src} / RNTO ${dst}`;
  const sendAll = (lines: string[]) =>
    session.sendAll(lines).catch((error) => {
      throw toFtpError(error, command);
    });
  trust.clear();
  let mtimeError: Error | undefined;
  let set = mtimeSetOf(session, src, options.mtimeMs);
  if (set !== "never" && set.untried) {
    // Whether vsftpd's MDTM sets times is learned once per server, alone (a 550 needs a look).
    await writeMtime(session, src, options.mtimeMs, trust).catch((error) => {
      mtimeError = error as Error;
    });
    trust.clear(); // the time was set on the temporary name: read back under the final one
    set = "never";
  }
  const reads = caps.size && caps.mdtm;
  // One command at a time (no pipelining), MDTM is asked only of a name SIZE found, as
  // `statRemoteNow` does: a round trip saved for each new file.
  const together = session.profile.quirk("pipelining") === true;
  let size: FtpReply | FtpError | undefined;
  if (reads && !together) [size] = await sendAll([`SIZE ${dst}`]);
  const askMdtm = reads && !(size instanceof FtpError && size.meaning === "notFound");
  const first = [
    ...(reads && together ? [`SIZE ${dst}`] : []),
    ...(askMdtm ? [`MDTM ${dst}`] : []),
    ...(set === "never" ? [] : [set.command]),
    ...(reads ? [`RNFR ${src}`] : []),
  ];
  const replies = first.length === 0 ? [] : await sendAll(first);
  let at = 0;
  if (reads && together) size = replies[at++];
  const mdtm = askMdtm ? replies[at++] : undefined;
  const now: PublishTarget = reads ? targetOf(session, size, mdtm) : { state: "unread" };
  let stated: { utc: number; ms: number | undefined } | undefined;
  if (set !== "never") {
    const reply = replies[at];
    if (reply instanceof FtpError) mtimeError = reply;
    else if (reply !== undefined) stated = { utc: set.utc, ms: set.stated(reply.message) };
  }
  const rnfr = reads ? replies[replies.length - 1] : undefined;
  // After an accepted RNFR, proftpd refuses every command but RNTO, NOOP and STAT ("501 Bad
  // sequence of commands", a new RNFR included) until an RNTO comes: an RNFR that is not followed
  // through is ended by renaming the temporary file onto itself (a no-op for rename(2); seen to
  // answer 250 on vsftpd, proftpd and pure-ftpd), before the check's own reads or anything else.
  const settle = async () => {
    if (rnfr !== undefined && !(rnfr instanceof FtpError)) await sendAll([`RNTO ${src}`]);
  };
  if (now.state === "unread") await settle();
  try {
    await options.check(now);
  } catch (error) {
    if (now.state !== "unread") await settle().catch(() => {});
    throw error;
  }
  // After the check's own commands the RNFR is no longer the command before RNTO: sent again.
  const rnfrSent = reads && now.state !== "unread";
  if (rnfrSent && rnfr instanceof FtpError) throw await deps.renameFailure(rnfr, src, dst);
  if (stated !== undefined) trust.recordSet(dst, stated.utc, stated.ms);
  const known = trust.stored(dst);
  const readBack = known === undefined && caps.mdtm;
  const second = [
    ...(rnfrSent ? [] : [`RNFR ${src}`]),
    `RNTO ${dst}`,
    ...(readBack ? [`MDTM ${dst}`] : []),
  ];
  const done = await sendAll(second);
  const refused = done.slice(0, rnfrSent ? 1 : 2).find((reply) => reply instanceof FtpError);
  if (refused !== undefined) {
    trust.clear();
    throw await deps.renameFailure(refused as FtpError, src, dst);
  }
  let mtimeMs = known;
  if (readBack) {
    const read = valueOf(done[done.length - 1], (text) => mdtmToUtc(session, text));
    if (typeof read === "number") {
      trust.readBack(dst, read);
      mtimeMs = read;
    }
  }
  return { mtimeMs, ...(mtimeError === undefined ? {} : { mtimeError }) };
}
