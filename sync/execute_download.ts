/**
 * One file downloaded safely: to a temporary file beside its target, mtime, owner and modes set,
 * then renamed onto the target (the old version to the trash first), resumed where a large one
 * stopped. Used by `execute.ts`; throws on failure, the caller turns that into a result.
 * @module
 */
import { basename, dirname, join } from "node:path";
import { conflictName } from "./conflict_name.ts";
import { downloadTempName, resumableTempPath } from "./exclude.ts";
import {
  ChangedDuringPassError,
  checkLocalAncestors,
  type ExecuteDeps,
  localAbs,
  meaningOf,
  onRemote,
  type OwnershipBatcher,
  remoteAbs,
} from "./execute_ops.ts";
import { localChangedSince, makeLocalDirs, removeQuietly, statLocal } from "./local_fs.ts";
import { downloadResuming, partialLength } from "./transfer_resume.ts";
import { moveToTrash, type TrashReason } from "./trash.ts";
import type { Entry } from "./types.ts";
/**
 * The outcome of {@linkcode downloadFile}; `remote` is the remote entry as listed, with the
 * exact time MDTM gave where the listing's was coarse (the baseline records it).
 */
export type DownloadOutcome =
  | { placed: true; local: Entry; remote: Entry }
  /** The local file changed since the listing: the download went to `conflictPath` instead. */
  | { placed: false; conflictPath: string; local: Entry; remote: Entry };

/** Options of {@linkcode downloadFile}. */
export interface DownloadFileOptions {
  /** The remote file as listed. */
  remote: Entry;
  /** Relative path to download from (defaults to `remote.path`). */
  from?: string;
  /** Relative local path to write. */
  to: string;
  /** The local entry at `to` as listed (undefined: there was none). */
  plannedLocal: Entry | undefined;
  ownership: OwnershipBatcher;
  onBytes?: (bytes: number) => void;
}

/**
 * Downloads a remote file to a temporary file beside its target, sets its mtime, owner and
 * modes, then renames it onto the target, the old version going to the trash first. If the
 * local file changed since the listing, it is left alone and the download is kept under a
 * conflict name instead.
 */
export async function downloadFile(
  deps: ExecuteDeps,
  options: DownloadFileOptions,
): Promise<DownloadOutcome> {
  const { remote, to, plannedLocal } = options;
  const target = localAbs(deps, to);
  if (plannedLocal?.kind === "dir") {
    throw new Error(`Cannot download onto "${target}": a directory is in the way`);
  }
  checkLocalAncestors(deps, to);
  options.ownership.addDirs(makeLocalDirs(dirname(target)));
  // A large file goes to a name derived from its version, which a retry or the next pass finds
  // again and resumes (REST); a small one to a random name, restarted from scratch.
  const resumable = resumableTempPath("down", to, remote);
  const temp = join(
    dirname(target),
    resumable === undefined ? downloadTempName(basename(target)) : basename(resumable),
  );
  let keepTemp = resumable !== undefined;
  try {
    // A LIST-only server dates files to the minute (to the day after ~6 months): ask MDTM for the
    // second, so that the local copy gets the real mtime. On plain FTP it goes out with the EPSV
    // of the download (no round trip of its own); over TLS it costs one.
    const { mtimeMs, exact } = await onRemote(deps, async (fs) => {
      const abs = remoteAbs(deps, options.from ?? remote.path);
      let readMtime: number | undefined;
      await downloadResuming(fs, abs, temp, {
        startAt: resumable === undefined ? 0 : partialLength(temp, remote.size),
        expectedSize: remote.size,
        signal: deps.signal,
        log: deps.log,
        // Read in the same round trip as the transfer's set-up where the server allows.
        ...(remote.mtimePrecisionMs > 1000 ? { onMtime: (ms: number) => readMtime = ms } : {}),
      }).catch(async (error) => {
        const meaning = meaningOf(error);
        if (meaning === "notFound" || meaning === "refused") {
          // Refused: deleted or renamed on the server since the listing, or unreadable. SIZE
          // tells them apart (one round trip, on this failure only).
          const gone = await fs.size(abs).then(() => false, (e) => meaningOf(e) === "notFound");
          if (!gone) throw error;
          throw new ChangedDuringPassError(
            `The remote file is no longer on the server (it was deleted or renamed since the ` +
              `listing); the next pass will decide what to do`,
          );
        }
        // More bytes than listed arrived: the file grew since the listing (or never ends).
        if (meaning !== "tooLarge") throw error;
        throw new ChangedDuringPassError(
          `The remote file changed during the download (more than the ${remote.size} bytes ` +
            `listed arrived); the next pass will fetch it again`,
        );
      });
      if (remote.mtimePrecisionMs <= 1000 || readMtime === undefined) {
        return { mtimeMs: remote.mtimeMs, exact: remote };
      }
      return {
        mtimeMs: readMtime,
        exact: { ...remote, mtimeMs: readMtime, mtimePrecisionMs: 1000 },
      };
    });
    keepTemp = false;
    const size = Deno.lstatSync(temp).size;
    if (size !== remote.size) {
      throw new ChangedDuringPassError(
        `The remote file changed during the download (${size} bytes received, ` +
          `${remote.size} listed); the next pass will fetch it again`,
      );
    }
    options.onBytes?.(size);
    const mtime = new Date(mtimeMs);
    Deno.utimeSync(temp, mtime, mtime);
    await options.ownership.finish(temp);
    deps.signal?.throwIfAborted();
    if (localChangedSince(target, to, plannedLocal)) {
      // Someone wrote the local file since the listing: never overwrite it.
      const conflictPath = freeLocalConflictName(deps, to);
      Deno.renameSync(temp, localAbs(deps, conflictPath));
      const local = statLocal(localAbs(deps, conflictPath), conflictPath)!;
      return { placed: false, conflictPath, local, remote: exact };
    }
    if (plannedLocal !== undefined) {
      moveToTrash(deps.stateDir, deps.identifier, to, deps.localRoot, {
        now: deps.now,
        reason: "overwritten by a download" satisfies TrashReason,
      });
    }
    Deno.renameSync(temp, target);
    return { placed: true, local: statLocal(target, to)!, remote: exact };
  } catch (error) {
    // A large download cut short keeps its bytes for the next try (its name is its version's).
    if (!keepTemp || error instanceof ChangedDuringPassError) removeQuietly(temp);
    throw error;
  }
}

/** A conflict name for the remote version of `relPath` that is free locally. */
function freeLocalConflictName(deps: ExecuteDeps, relPath: string): string {
  for (let counter = 1;; counter++) {
    const candidate = conflictName(relPath, "remote", { now: deps.now, counter });
    if (statLocal(localAbs(deps, candidate), candidate) === undefined) return candidate;
  }
}
