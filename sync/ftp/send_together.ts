/**
 * Several FTP commands sent in one write (one round trip), their replies read in order.
 *
 * FTP servers read commands one line at a time and answer each in order (RFC 959 §4.2), so
 * commands whose outcome does not decide whether the next one is sent can go out together: RNFR +
 * RNTO (a refused RNFR makes the server refuse the RNTO with 503), or MDTM + EPSV before a
 * download. Every reply is awaited before the task ends, so that none is taken for the reply to a
 * later command.
 * @module
 */
import { type FTPContext, FTPError, type FTPResponse } from "basic-ftp";
import { Buffer } from "node:buffer";

/**
 * Sends `commands` in one write on `ftp` and resolves with each one's final reply (an `FTPError`
 * for a reply >= 400), in order, once all have answered. Rejects only when the connection fails
 * (no more replies will come) or a command holds a line break or NUL (nothing is sent then).
 */
export function sendTogether(
  ftp: FTPContext,
  commands: readonly string[],
): Promise<Array<FTPResponse | FTPError>> {
  for (const command of commands) {
    if (/[\r\n\0]/.test(command)) {
      return Promise.reject(
        new Error(`Invalid command: Contains control characters. (${command.split(" ")[0]})`),
      );
    }
  }
  const replies: Array<FTPResponse | FTPError> = [];
  // An empty command: the task is set up and nothing is sent; the lines are written below.
  const task = ftp.handle("", (res, resolver) => {
    if (res instanceof Error && !(res instanceof FTPError)) {
      resolver.reject(res);
      return;
    }
    if (!(res instanceof FTPError) && res.code < 200) return; // preliminary
    replies.push(res);
    if (replies.length === commands.length) {
      resolver.resolve({ code: 0, message: "" });
    }
  });
  if (!ftp.closed) {
    ftp.socket.write(Buffer.from(commands.map((c) => `${c}\r\n`).join(""), "utf8"));
  }
  return task.then(() => replies);
}
