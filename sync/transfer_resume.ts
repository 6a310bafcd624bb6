/**
 * Resumed transfers of large files: a download appended (REST) to the part a cut try left in its
 * temporary file, an upload appended (APPE) to its remote temporary file, each falling back to a
 * whole transfer when the server refuses to resume. The temporary names that make a part findable
 * again come from `resumableTempPath` (`exclude.ts`).
 * @module
 */
import type { Logger } from "@logtape/logtape";
import { FtpError, type RemoteFs, type TransferOptions } from "./ftp/mod.ts";

/**
 * The length of a partial download at `temp` worth resuming: 0 when there is none, or when it
 * is not shorter than the file (`size` bytes) and so cannot be a prefix of it.
 */
export function partialLength(temp: string, size: number): number {
  try {
    const info = Deno.lstatSync(temp);
    return info.isFile && info.size < size ? info.size : 0;
  } catch {
    return 0;
  }
}

/** The server refused the resumed transfer (REST, APPE) itself: not a connection problem. */
function isResumeRefusal(error: unknown): boolean {
  return error instanceof FtpError && error.answered;
}

/**
 * Downloads `abs` to `temp`, appending from `startAt` (REST) when it is above 0. When the server
 * refuses the resumed transfer before sending a byte, downloads the whole file instead.
 */
export async function downloadResuming(
  fs: RemoteFs,
  abs: string,
  temp: string,
  options: {
    /** Bytes already in `temp` (0: download it whole). */
    startAt: number;
    /** The file's size as listed. */
    expectedSize: number;
    signal: AbortSignal | undefined;
    log: Logger;
    /** Also read the file's mtime (see `TransferOptions.onMtime`). */
    onMtime?: (mtimeMs: number) => void;
  },
): Promise<void> {
  const transfer = {
    expectedSize: options.expectedSize,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onMtime === undefined ? {} : { onMtime: options.onMtime }),
  };
  // Without REST STREAM in FEAT the server cannot resume: the whole file, at once.
  if (options.startAt > 0 && fs.capabilities.restStream) {
    options.log.info("Resuming the download of {path} at byte {offset}", {
      path: abs,
      offset: options.startAt,
    });
    try {
      await fs.downloadToFile(abs, temp, { ...transfer, startAt: options.startAt });
      return;
    } catch (error) {
      // Bytes arrived: the resume works and the transfer was cut; the next try resumes further.
      if (!isResumeRefusal(error) || partialLength(temp, Infinity) !== options.startAt) {
        throw error;
      }
      options.log.warn("The server refused to resume {path} ({error}): downloading it whole", {
        path: abs,
        error: (error as Error).message,
      });
    }
  }
  await fs.downloadToFile(abs, temp, transfer);
}

/**
 * Uploads `source` (`size` bytes) to `temp`, appending (APPE) to the part a cut try left there
 * when the server reports its SIZE; a refused append restarts it whole. Then checks that `temp`
 * holds exactly `size` bytes, when the server can tell.
 */
export async function uploadResuming(
  fs: RemoteFs,
  source: string,
  temp: string,
  options: { size: number; transfer: TransferOptions; log: Logger },
): Promise<void> {
  const startAt = await remoteSizeOrZero(fs, temp);
  let resumed = false;
  if (startAt > 0 && startAt < options.size) {
    options.log.info("Resuming the upload to {path} at byte {offset}", {
      path: temp,
      offset: startAt,
    });
    try {
      await fs.uploadFromFile(source, temp, { ...options.transfer, startAt });
      resumed = true;
    } catch (error) {
      if (!isResumeRefusal(error)) throw error;
      options.log.warn("The server refused to resume {path} ({error}): uploading it whole", {
        path: temp,
        error: (error as Error).message,
      });
    }
  }
  if (!resumed) await fs.uploadFromFile(source, temp, options.transfer);
  const stored = await remoteSizeOrZero(fs, temp);
  if (stored !== options.size && (resumed || stored !== 0)) {
    await fs.remove(temp).catch(() => {});
    throw new FtpError(
      `The upload to "${temp}" stored ${stored} bytes instead of ${options.size}; it will be ` +
        "sent again whole",
      { command: `APPE ${temp}`, transient: true },
    );
  }
}

/** The SIZE of a remote file, or 0 when it is absent or the server cannot tell. */
async function remoteSizeOrZero(fs: RemoteFs, abs: string): Promise<number> {
  try {
    return await fs.size(abs);
  } catch (error) {
    if ((error as { transient?: unknown }).transient === true && !isResumeRefusal(error)) {
      throw error;
    }
    return 0;
  }
}
