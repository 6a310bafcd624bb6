/**
 * One file uploaded safely: to a temporary name beside its target, checked again (the local file
 * and the remote name) just before the rename that publishes it, mtime set, resumed where a large
 * one stopped. Used by `execute.ts`; throws on failure, the caller turns that into a result.
 * @module
 */
import type { RemoteFs } from "./ftp/mod.ts";
import { DAY_MS } from "./diff.ts";
import { resumableTempPath, uploadTempName } from "./exclude.ts";
import {
  ChangedDuringPassError,
  checkRemotePath,
  type ExecuteDeps,
  localAbs,
  meaningOf,
  onRemote,
  remoteAbs,
} from "./execute_ops.ts";
import { localChangedSince } from "./local_fs.ts";
import { uploadResuming } from "./transfer_resume.ts";
import type { Entry } from "./types.ts";
/** Options of {@linkcode uploadFile}. */
export interface UploadFileOptions {
  /** The local file as listed. */
  local: Entry;
  /** Relative local path to read (defaults to `local.path`). */
  from?: string;
  /** Relative remote path to write. */
  to: string;
  /** Whether a remote file was listed at `to` (allows delete-then-rename). */
  overwrite: boolean;
  /**
   * The remote file listed at `to` when planned (with `overwrite`): just before the rename it is
   * checked again, and a version written on the server since the listing is never replaced.
   */
  plannedRemote?: Entry | undefined;
  onBytes?: (bytes: number) => void;
}

/** The server does not implement the command. */
function isUnsupported(error: unknown): boolean {
  return meaningOf(error) === "unsupported";
}

/**
 * What the server reports for a file it just stored: the mtime it is known to keep since
 * `setMtime` (no round trip), else MDTM, else its LIST entry.
 */
async function statRemoteFile(
  fs: RemoteFs,
  abs: string,
  relPath: string,
  size: number,
): Promise<Entry> {
  const stored = fs.storedMtime?.(abs);
  if (stored !== undefined) {
    return {
      path: relPath,
      kind: "file",
      size,
      mtimeMs: stored,
      mtimePrecisionMs: 1000,
      rawTime: "",
    };
  }
  try {
    const mtimeMs = await fs.mtime(abs);
    return { path: relPath, kind: "file", size, mtimeMs, mtimePrecisionMs: 1000, rawTime: "" };
  } catch (error) {
    if (!isUnsupported(error)) throw error;
  }
  const name = abs.slice(abs.lastIndexOf("/") + 1);
  const parent = abs.slice(0, abs.lastIndexOf("/")) || "/";
  const listed = (await fs.list(parent)).find((entry) => entry.name === name);
  if (listed === undefined) throw new Error(`"${abs}" is missing right after its upload`);
  return {
    path: relPath,
    kind: "file",
    size: listed.size,
    mtimeMs: listed.mtimeMs ?? 0,
    mtimePrecisionMs: listed.mtimeMs === undefined ? 86_400_000 : listed.mtimePrecisionMs,
    rawTime: listed.rawTime,
  };
}

/**
 * Uploads a local file to a temporary dot-name in the target remote directory, renames it onto
 * the final name (where the server refuses to replace an existing file: delete, then rename),
 * sets the remote mtime to the local one where the server allows, and returns what the server
 * then reports.
 */
export async function uploadFile(deps: ExecuteDeps, options: UploadFileOptions): Promise<Entry> {
  const { local, to } = options;
  const from = options.from ?? local.path;
  checkRemotePath(to);
  const source = localAbs(deps, from);
  if (localChangedSince(source, from, local)) {
    throw new ChangedDuringPassError(
      `"${source}" changed since it was listed; the next pass will upload it`,
    );
  }
  const target = remoteAbs(deps, to);
  const slash = target.lastIndexOf("/");
  // A large file goes to a name derived from its version, which a retry or the next pass finds
  // again and resumes (APPE); a small one to a random name, restarted from scratch.
  const resumable = resumableTempPath("up", to, local);
  const tempName = resumable === undefined
    ? uploadTempName(target.slice(slash + 1))
    : resumable.slice(resumable.lastIndexOf("/") + 1);
  const temp = `${target.slice(0, slash)}/${tempName}`;
  let keepTemp = resumable !== undefined;
  try {
    const entry = await onRemote(deps, async (fs) => {
      const signal = deps.signal === undefined ? {} : { signal: deps.signal };
      if (resumable === undefined) {
        await fs.uploadFromFile(source, temp, signal);
      } else {
        await uploadResuming(fs, source, temp, {
          size: local.size,
          transfer: signal,
          log: deps.log,
        });
      }
      // Just before publishing: the bytes sent must be the listed version (a file rewritten
      // during its upload could arrive torn), and the name must not hide a version written on
      // the server since the listing (RNTO replaces it without a trace).
      if (localChangedSince(source, from, local)) {
        throw new ChangedDuringPassError(
          `"${source}" changed during its upload; the next pass will upload it`,
        );
      }
      keepTemp = false;
      const changed = await remoteChangedSince(fs, target, options.plannedRemote);
      if (changed !== undefined) {
        throw new ChangedDuringPassError(
          `"${target}" ${changed} since the listing: it was not replaced; the next pass ` +
            "will keep both versions",
        );
      }
      try {
        await fs.rename(temp, target);
      } catch (error) {
        const meaning = meaningOf(error);
        const taken = meaning === "exists" || meaning === "refused" || meaning === "notFound";
        if (!options.overwrite || !taken) throw error;
        deps.log.warn(
          "The server refused to rename onto the existing {path}: deleting it, then renaming",
          { path: target },
        );
        await fs.remove(target);
        await fs.rename(temp, target);
      }
      try {
        await fs.setMtime(target, local.mtimeMs);
      } catch (error) {
        deps.log.warn("Cannot set the mtime of {path}: {error}", {
          path: target,
          error: (error as Error).message,
        });
      }
      return await statRemoteFile(fs, target, to, local.size);
    });
    options.onBytes?.(local.size);
    return entry;
  } catch (caught) {
    const error = caught instanceof ChangedDuringPassError || !changedSafely(source, from, local)
      ? caught
      // The failure came from the file itself being rewritten, deleted or renamed during the
      // upload (e.g. "No such file" on opening it): the next pass decides on fresh listings.
      : new ChangedDuringPassError(
        `"${source}" changed or disappeared during its upload; the next pass will decide`,
      );
    // Best effort: a leftover temporary name is invisible to listings and replaced next time.
    // A large upload cut short keeps its bytes for the next try (its name is its version's).
    if (!keepTemp || error instanceof ChangedDuringPassError) {
      await deps.pool.use((fs) => fs.remove(temp)).catch(() => {});
    }
    throw error;
  }
}

/** `localChangedSince`, false when it cannot tell (a failure being reported must not be lost). */
function changedSafely(source: string, relPath: string, local: Entry): boolean {
  try {
    return localChangedSince(source, relPath, local);
  } catch {
    return false;
  }
}

/**
 * How the remote file at `abs` differs from the one listed (`planned`; undefined: none was
 * listed), or undefined when it does not. Costs a SIZE, plus an MDTM when an existing file kept
 * its size.
 */
async function remoteChangedSince(
  fs: RemoteFs,
  abs: string,
  planned: Entry | undefined,
): Promise<string | undefined> {
  let size: number;
  try {
    size = await fs.size(abs);
  } catch (error) {
    if (meaningOf(error) === "notFound") return undefined; // absent (now): nothing to lose
    if (isUnsupported(error)) return undefined; // no SIZE: the check cannot be made
    throw error;
  }
  if (planned === undefined) return "appeared on the server";
  if (size !== planned.size) return "was rewritten on the server";
  if (planned.mtimePrecisionMs >= DAY_MS) return undefined; // a day-dated listing tells no more
  let mtimeMs: number;
  try {
    mtimeMs = await fs.mtime(abs);
  } catch (error) {
    if (isUnsupported(error)) return undefined;
    throw error;
  }
  const precision = Math.max(planned.mtimePrecisionMs, 1000);
  return Math.floor(mtimeMs / precision) === Math.floor(planned.mtimeMs / precision)
    ? undefined
    : "was rewritten on the server";
}
