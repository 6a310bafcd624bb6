/**
 * A file's hash computed by the server (`HASH` with `OPTS HASH`, or an X-command), see
 * `features.ts` for which command is used and `hash_reply.ts` for the replies.
 * @module
 */
import { FtpError, toFtpError } from "./errors.ts";
import { type FtpSession, unsupported } from "./ftp_session.ts";
import { parseHashReply, parseXHashReply } from "./hash_reply.ts";
import type { HashAlgorithm } from "./remote_fs.ts";

/** The algorithm a connection's `HASH` currently computes (per session: `OPTS HASH` sets it). */
export interface HashSelection {
  selected: HashAlgorithm | undefined;
}

/** The server's hash of a server path, lower-case hex. */
export async function hashFile(
  session: FtpSession,
  server: string,
  algorithm: HashAlgorithm,
  selection: HashSelection,
): Promise<string> {
  const how = session.profile.features?.hashes.get(algorithm);
  if (how === undefined) throw unsupported(`hash "${server}" with ${algorithm}`, `HASH ${server}`);
  let reply: string;
  let command: string;
  if (how.kind === "X") {
    // The X-commands read `path [start end]`: a path with whitespace is quoted (proftpd's
    // mod_digest reads `"a b.txt"`); one that also holds a quote cannot be written.
    const spaced = /\s/.test(server);
    if (spaced && server.includes('"')) {
      throw new FtpError(
        `Cannot hash "${server}" with ${how.verb}: a path holding both a space and a quote ` +
          `cannot be written for it`,
        { command: how.verb, transient: false, meaning: "unsupported" },
      );
    }
    command = `${how.verb} ${spaced ? `"${server}"` : server}`;
    reply = (await session.send(command)).message;
  } else {
    command = `HASH ${server}`;
    if (selection.selected === algorithm) {
      reply = (await session.send(command)).message;
    } else {
      // One round trip: a refused OPTS HASH leaves the selection as it was, so the HASH reply
      // then names another algorithm and is not taken.
      const [opts, hash] = await session.run(
        command,
        () => session.client.sendAll([`OPTS HASH ${algorithm}`, command]),
      );
      if (opts !== undefined && !(opts instanceof Error)) selection.selected = algorithm;
      if (hash instanceof Error || hash === undefined) throw toFtpError(hash, command);
      reply = hash.message;
    }
  }
  const hex = how.kind === "X"
    ? parseXHashReply(reply, algorithm)
    : parseHashReply(reply, algorithm);
  if (hex === undefined) {
    throw new FtpError(
      `Cannot hash "${server}" with ${algorithm}: the server's reply "${reply}" holds no ` +
        `${algorithm} value of the whole file`,
      { command, transient: false, meaning: "unsupported" },
    );
  }
  return hex;
}
