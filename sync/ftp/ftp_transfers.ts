/**
 * Downloads and uploads of one connection: one path per direction, plain or TLS, resumed or not
 * (`FtpConnection.transfer`).
 *
 * Local files are opened and written with sync calls: an async open cost 308 us of CPU per file
 * against 94 us sync (measured, 2,000 files of 4 KiB on ext4: its work goes to a thread pool and
 * back), for ~0.1 ms of the event loop. Each received chunk is written as it arrives (the data
 * connection is never paused). Uploads of small files are read at once and sent as one chunk;
 * larger ones are read in 256 KiB pieces as they are sent.
 * @module
 */
import { FtpError, toFtpError } from "./errors.ts";
import type { FtpSession } from "./ftp_session.ts";
import type { TransferOptions } from "./remote_fs.ts";

/** Files up to this size are read at once for an upload (bytes). */
const SMALL_FILE_BYTES = 1024 * 1024;

/** A download's byte limit, passed to the engine. */
interface Limit {
  maxBytes?: number;
  tooLarge?: () => FtpError;
}

/**
 * Download `server` (a server path) to a local file (created or truncated, or written from
 * `startAt`). With `options.onMtime`, the file's MDTM goes out with the data connection's EPSV
 * (no round trip of its own) on servers that have MDTM; `onMdtm` receives its time-val.
 */
export function downloadToFile(
  session: FtpSession,
  server: string,
  localPath: string,
  options: TransferOptions,
  onMdtm: (timeVal: string) => void,
): Promise<void> {
  const startAt = options.startAt ?? 0;
  const mdtm = options.onMtime !== undefined && session.profile.capabilities().mdtm;
  const command = `RETR ${server}`;
  return transfer(session, command, options, async (limit) => {
    using file = Deno.openSync(localPath, { write: true, create: true, truncate: startAt === 0 });
    if (startAt > 0) {
      file.truncateSync(startAt);
      file.seekSync(startAt, Deno.SeekMode.Start);
    }
    // A local write failure is reported after the transfer: the connection stays usable.
    let failure: unknown;
    const result = await session.client.transfer({
      command,
      data: {
        receive: (chunk) => {
          if (failure !== undefined) return;
          try {
            let done = 0;
            while (done < chunk.length) done += file.writeSync(chunk.subarray(done));
          } catch (error) {
            failure = error;
          }
        },
      },
      ...(mdtm ? { before: [`MDTM ${server}`] } : {}),
      ...(startAt > 0 ? { restAt: startAt } : {}),
      ...limit,
    });
    if (failure !== undefined) throw failure;
    const reply = result.before[0];
    if (reply !== undefined && !(reply instanceof FtpError)) onMdtm(reply.message.slice(4));
  });
}

/**
 * Upload a local file to `server` (APPE of the file's bytes from `startAt` when given). A file
 * that changed size while it was read fails the upload (transient: the next pass sends it again).
 */
export function uploadFromFile(
  session: FtpSession,
  localPath: string,
  server: string,
  options: TransferOptions,
): Promise<void> {
  const startAt = options.startAt ?? 0;
  const command = `${startAt > 0 ? "APPE" : "STOR"} ${server}`;
  return transfer(session, command, options, async () => {
    using file = Deno.openSync(localPath, { read: true });
    const size = file.statSync().size - startAt;
    if (startAt > 0) file.seekSync(startAt, Deno.SeekMode.Start);
    const changed = (what: string) =>
      new Error(
        `Local file "${localPath}" changed while it was being uploaded to "${server}": ` +
          `expected to send ${size} bytes but ${what}`,
      );
    if (size <= SMALL_FILE_BYTES) {
      // One exact-size read: a 256 KiB buffer per small file cost more in GC than it saved.
      const data = readAll(file, size);
      if (data?.length !== size) throw changed(`read ${data?.length ?? "more"}`);
      await session.client.transfer({ command, data: { send: data } });
      return;
    }
    let sent = 0;
    await session.client.transfer({
      command,
      data: {
        send: (buffer) => {
          const n = file.readSync(buffer);
          if (n !== null) sent += n;
          return n;
        },
      },
    });
    if (sent !== size) throw changed(`sent ${sent}. The remote file is incomplete.`);
  });
}

/** Upload bytes from memory to `server` (the time probe's file). */
export function uploadBytes(session: FtpSession, data: Uint8Array, server: string): Promise<void> {
  const command = `STOR ${server}`;
  return transfer(session, command, {}, async () => {
    await session.client.transfer({ command, data: { send: data } });
  });
}

/**
 * The content of an open file from its position, `size` bytes as fstat said, read to its end
 * with sync calls; undefined when it grew past SMALL_FILE_BYTES meanwhile.
 */
function readAll(file: Deno.FsFile, size: number): Uint8Array | undefined {
  // One byte more than the size: a file that grew since the fstat is read to its end.
  let data = new Uint8Array(size + 1);
  let length = 0;
  for (;;) {
    if (length === data.length) {
      if (data.length > SMALL_FILE_BYTES) return undefined;
      const bigger = new Uint8Array(data.length * 2);
      bigger.set(data);
      data = bigger;
    }
    const n = file.readSync(data.subarray(length));
    if (n === null) break;
    length += n;
  }
  return data.subarray(0, length);
}

/**
 * A transfer that an AbortSignal can cut short (the connection is closed then), with the byte
 * limit of `expectedSize`, classified.
 */
async function transfer(
  session: FtpSession,
  command: string,
  options: TransferOptions,
  fn: (limit: Limit) => Promise<void>,
): Promise<void> {
  const signal = options.signal;
  const aborted = (cause: unknown) =>
    new FtpError(`FTP command "${command}" was aborted`, {
      code: "ABORT_ERR",
      command,
      transient: false,
      cause,
    });
  if (signal?.aborted) throw aborted(signal.reason);
  const onAbort = () => session.client.destroy();
  signal?.addEventListener("abort", onAbort, { once: true });
  const expected = options.expectedSize;
  const startAt = options.startAt ?? 0;
  const limit: Limit = expected === undefined ? {} : {
    maxBytes: Math.max(0, expected - startAt),
    tooLarge: () =>
      new FtpError(
        `FTP command "${command}" failed: more than the ${expected} bytes listed arrived (from ` +
          `byte ${startAt}): the file changed or the server does not end it`,
        { code: "EFBIG", command, transient: true },
      ),
  };
  try {
    await session.run(command, () => fn(limit));
  } catch (err) {
    if (signal?.aborted) throw aborted(err);
    throw toFtpError(err, command);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
