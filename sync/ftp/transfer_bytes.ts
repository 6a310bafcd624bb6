/**
 * Byte helpers of the transfers (`ftp_transfers.ts`): small local files read at once with sync
 * calls, one-chunk streams, and a download sink that tolerates being ended twice.
 * @module
 */
import { Readable, type Writable } from "node:stream";

/**
 * `stream`, whose `end()` without arguments does nothing once it has ended. basic-ftp ends the
 * destination of every download again after the data connection's pipeline has ended it;
 * node:stream then builds an
 * ERR_STREAM_ALREADY_FINISHED error (with its stack: ~200 us under Deno, 7% of a small-file
 * download pass) only to drop it.
 */
export function onceEnded(stream: Writable): Writable {
  const end = stream.end.bind(stream) as (...args: unknown[]) => Writable;
  stream.end =
    ((...args: unknown[]) =>
      args.length === 0 && stream.writableEnded ? stream : end(...args)) as Writable["end"];
  return stream;
}

/** Files up to this size are read at once for an upload (bytes). */
export const SMALL_FILE_BYTES = 1024 * 1024;

/**
 * The whole content of a file of at most {@linkcode SMALL_FILE_BYTES}, read with sync calls;
 * undefined for a larger file. basic-ftp's path upload (an async open, fstat, a ReadStream with a
 * 64 KiB buffer) cost ~0.5 ms of CPU per small file under Deno.
 */
export function readSmallFile(path: string): Uint8Array | undefined {
  using file = Deno.openSync(path, { read: true });
  const size = file.statSync().size;
  if (size > SMALL_FILE_BYTES) return undefined;
  return readAll(file, size);
}

/**
 * The content of an open file of `size` bytes (fstat), read to its end with sync calls;
 * undefined when it grew past {@linkcode SMALL_FILE_BYTES} meanwhile.
 */
export function readAll(file: Deno.FsFile, size: number): Uint8Array | undefined {
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

/** A byte stream of one chunk (none when empty: Deno's TLS sockets refuse empty writes). */
export function oneChunk(data: Uint8Array): Readable {
  return new Readable({
    read() {
      if (data.length > 0) this.push(data);
      this.push(null);
    },
  });
}
