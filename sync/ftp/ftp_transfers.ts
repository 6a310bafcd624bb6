/**
 * Downloads and uploads of one connection: on a native data connection where the connection is
 * plain FTP (`native_transfer.ts`), else through basic-ftp (TLS, or a server that refused EPSV
 * and PASV to native connections); one path per direction.
 *
 * Downloads write each received chunk synchronously to the local file: cheaper than
 * `fs.createWriteStream` (DESIGN.md §7), and the data socket is never paused (under Deno a paused
 * TLS data socket can stall for good). Uploads of small files are read at once with sync calls
 * and sent as one chunk.
 * @module
 */
import { Writable } from "node:stream";
import { FtpError, toFtpError } from "./errors.ts";
import type { FtpSession } from "./ftp_session.ts";
import type { TransferOptions } from "./remote_fs.ts";
import { onceEnded, oneChunk, readAll, readSmallFile, SMALL_FILE_BYTES } from "./transfer_bytes.ts";

/**
 * Download `server` (a server path) to a local file (created or truncated, or written from
 * `startAt`). With `options.onMtime`, the file's MDTM goes out with the data connection's EPSV
 * (no round trip of its own) where the transfer is native; `onMdtm` receives its time-val.
 */
export async function downloadToFile(
  session: FtpSession,
  server: string,
  localPath: string,
  options: TransferOptions,
  onMdtm: (timeVal: string) => void,
): Promise<void> {
  const startAt = options.startAt ?? 0;
  const client = session.client;
  const before = options.onMtime === undefined || !session.profile.capabilities().mdtm ? {} : {
    before: `MDTM ${server}`,
    onBefore: (reply: { code: number; message: string } | Error) => {
      if (!(reply instanceof Error)) onMdtm(reply.message.slice(4));
    },
  };
  await transfer(session, `RETR ${server}`, options, async () => {
    // Async: creating a file costs ~0.25 ms in the kernel here (ext4), better spent off the
    // event loop; the writes are sync (cheap, and the data socket is never paused).
    using file = await Deno.open(localPath, { write: true, create: true, truncate: startAt === 0 });
    if (startAt > 0) {
      file.truncateSync(startAt);
      file.seekSync(startAt, Deno.SeekMode.Start);
    }
    const write = (chunk: Uint8Array): void => {
      let done = 0;
      while (done < chunk.length) done += file.writeSync(chunk.subarray(done));
    };
    if (startAt === 0) {
      let failure: unknown;
      const native = await client.nativeTransfer(`RETR ${server}`, {
        receive: (chunk) => {
          if (failure !== undefined) return;
          try {
            write(chunk);
          } catch (err) {
            failure = err;
          }
        },
      }, before);
      if (failure !== undefined) throw failure;
      if (native !== undefined) return;
    }
    const sink = onceEnded(
      new Writable({
        write(chunk: Uint8Array, _encoding, callback) {
          try {
            if (client.countReceived(chunk.length)) write(chunk);
            callback();
          } catch (err) {
            callback(err as Error);
          }
        },
      }),
    );
    await client.downloadTo(sink, server, startAt);
  });
}

/** Upload a local file to `server` (APPE from `startAt` when given). */
export function uploadFromFile(
  session: FtpSession,
  localPath: string,
  server: string,
  options: TransferOptions,
): Promise<void> {
  const startAt = options.startAt ?? 0;
  const verb = startAt > 0 ? "APPE" : "STOR";
  return transfer(session, `${verb} ${server}`, options, async () => {
    if (startAt > 0) {
      await session.client.appendFrom(localPath, server, { localStart: startAt });
      return;
    }
    if (await nativeUpload(session, localPath, server)) return;
    const small = readSmallFile(localPath);
    await session.client.uploadFrom(small === undefined ? localPath : oneChunk(small), server);
  });
}

/** Upload bytes from memory to `server` (the time probe's file). */
export function uploadBytes(session: FtpSession, data: Uint8Array, server: string): Promise<void> {
  return transfer(session, `STOR ${server}`, {}, async () => {
    const native = await session.client.nativeTransfer(`STOR ${server}`, { send: data });
    if (native === undefined) await session.client.uploadFrom(oneChunk(data), server);
  });
}

/**
 * STOR on a native data connection (plain FTP), reading the file with sync calls; false when
 * not available (nothing was sent). Like basic-ftp, a file that changed size while it was read
 * fails the upload (transient: the next pass sends it again).
 */
async function nativeUpload(
  session: FtpSession,
  localPath: string,
  server: string,
): Promise<boolean> {
  using file = Deno.openSync(localPath, { read: true });
  const size = file.statSync().size;
  if (size <= SMALL_FILE_BYTES) {
    // One exact-size read: a 256 KiB buffer per small file cost more in GC than it saved.
    const data = readAll(file, size);
    if (data?.length !== size) {
      throw new Error(
        `Local file "${localPath}" changed while it was being uploaded to "${server}": ` +
          `expected to send ${size} bytes but read ${data?.length ?? "more"}`,
      );
    }
    return await session.client.nativeTransfer(`STOR ${server}`, { send: data }) !== undefined;
  }
  let sent = 0;
  const native = await session.client.nativeTransfer(`STOR ${server}`, {
    send: (buffer) => {
      const n = file.readSync(buffer);
      if (n !== null) sent += n;
      return n;
    },
  });
  if (native === undefined) return false;
  if (sent !== size) {
    throw new Error(
      `Local file "${localPath}" changed while it was being uploaded to "${server}": ` +
        `expected to send ${size} bytes but sent ${sent}. The remote file is incomplete.`,
    );
  }
  return true;
}

/** A transfer that an AbortSignal can cut short (the connection is closed then). */
async function transfer(
  session: FtpSession,
  command: string,
  options: TransferOptions,
  fn: () => Promise<void>,
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
  const client = session.client;
  const onAbort = () => client.close();
  signal?.addEventListener("abort", onAbort, { once: true });
  let overflow: Error | undefined;
  try {
    const expected = options.expectedSize;
    if (expected === undefined) await session.run(command, fn);
    else {
      const maxBytes = Math.max(0, expected - (options.startAt ?? 0));
      await client.withByteLimit({
        maxBytes,
        error: () =>
          overflow = new Error(
            `more than the ${expected} bytes listed arrived (from byte ` +
              `${options.startAt ?? 0}): the file changed or the server does not end it`,
          ),
      }, () => session.run(command, fn));
    }
  } catch (err) {
    if (signal?.aborted) throw aborted(err);
    if (overflow !== undefined) {
      throw new FtpError(`FTP command "${command}" failed: ${overflow.message}`, {
        code: "EFBIG",
        command,
        transient: true,
        cause: err,
      });
    }
    throw toFtpError(err, command);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
