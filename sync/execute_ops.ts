/**
 * The executor's primitives: one file downloaded or uploaded safely (temporary name, then
 * rename), renames and mkdirs on either side, with retries on a fresh connection. Used by
 * `execute.ts`; every function throws on failure and the caller turns that into a result.
 * @module
 */
import { basename, dirname, join } from "node:path";
import type { Logger } from "@logtape/logtape";
import type { RemoteFs, RemoteFsPool } from "./ftp/mod.ts";
import { downloadTempName, resumableTempPath, uploadTempName } from "./exclude.ts";
import { conflictName } from "./conflict_name.ts";
import { checkRemoteName } from "./names.ts";
import { DAY_MS } from "./diff.ts";
import { remotePath } from "./remote_lister.ts";
import { downloadResuming, partialLength, uploadResuming } from "./transfer_resume.ts";
import { moveToTrash, type TrashReason } from "./trash.ts";
import {
  applyOwnership,
  hasOwnership,
  localChangedSince,
  makeLocalDirs,
  type OwnershipOptions,
  removeQuietly,
  statLocal,
} from "./local_fs.ts";
import type { Entry } from "./types.ts";

/** What the executor needs from the outside world. */
export interface ExecuteDeps extends OwnershipOptions {
  pool: RemoteFsPool;
  /** Local_dir (absolute, no trailing slash). */
  localRoot: string;
  /** Remote_dir (absolute from the login root). */
  remoteRoot: string;
  stateDir: string;
  identifier: string;
  /** The time of the pass (conflict names, trash times). */
  now: Date;
  log: Logger;
  signal?: AbortSignal | undefined;
  /** Delays between tries of a transiently failed action (ms). @default {[500, 2000]} */
  retryDelaysMs?: readonly number[];
  /** A conflict found during execution (the local file changed since the listing). */
  onConflict?: (path: string, conflictPath: string) => void;
}

/** An error that is worth trying again (a lost connection, a 4xx reply). */
export class TransientError extends Error {
  readonly transient = true;
  constructor(message: string) {
    super(message);
    this.name = "TransientError";
  }
}

/**
 * A file changed under our feet during the pass (a local file rewritten during its upload, a
 * remote file rewritten after the listing). Trying again within the pass would decide on stale
 * facts: the next pass lists both sides afresh and plans it (a conflict keeps both versions).
 */
export class ChangedDuringPassError extends TransientError {
  readonly retryInPass = false;
  constructor(message: string) {
    super(message);
    this.name = "ChangedDuringPassError";
  }
}

/** Whether an error says trying again later may work. */
export function isTransient(error: unknown): boolean {
  return (error as { transient?: unknown } | null)?.transient === true;
}

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/** Runs `fn`, trying again after each delay while it fails transiently and is not aborted. */
export async function withRetries<T>(deps: ExecuteDeps, fn: () => Promise<T>): Promise<T> {
  const delays = deps.retryDelaysMs ?? [500, 2000];
  for (let attempt = 0;; attempt++) {
    try {
      deps.signal?.throwIfAborted();
      return await fn();
    } catch (error) {
      const delay = delays[attempt];
      if (!isTransient(error) || delay === undefined || deps.signal?.aborted) throw error;
      if (error instanceof ChangedDuringPassError) throw error;
      deps.log.debug("Retrying after a transient error: {error}", { error: String(error) });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Runs `fn` on a pooled connection, with retries. */
export function onRemote<T>(deps: ExecuteDeps, fn: (remote: RemoteFs) => Promise<T>): Promise<T> {
  return withRetries(deps, () => deps.pool.use(fn, deps.signal));
}

/** Absolute local path of a relative one. */
export function localAbs(deps: ExecuteDeps, relPath: string): string {
  return relPath === "" ? deps.localRoot : `${deps.localRoot}/${relPath}`;
}

/**
 * Throws when a proper ancestor of `relPath` under Local_dir is a symbolic link or not a
 * directory: writing through it could land outside Local_dir.
 */
export function checkLocalAncestors(deps: ExecuteDeps, relPath: string): void {
  const parts = relPath.split("/");
  let current = deps.localRoot;
  for (let i = 0; i < parts.length - 1; i++) {
    current = `${current}/${parts[i]}`;
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(current);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return; // made below, as a real directory
      throw error;
    }
    if (info.isSymlink || !info.isDirectory) {
      throw new Error(
        `Cannot write under "${current}": it is not a directory (links are not followed)`,
      );
    }
  }
}

/** Absolute remote path of a relative one. */
export function remoteAbs(deps: ExecuteDeps, relPath: string): string {
  return remotePath(deps.remoteRoot, relPath);
}

/**
 * Batches Linux_chown/Linux_chmod over downloaded temporary files: `finish(path)` resolves once
 * the path's batch has been processed (64 files, or 50 ms after the first one).
 */
export class OwnershipBatcher {
  #options: OwnershipOptions;
  #batch: { path: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #dirs: string[] = [];

  constructor(options: OwnershipOptions) {
    this.#options = options;
  }

  /** Applies ownership and modes to a downloaded temporary file (batched). */
  finish(path: string): Promise<void> {
    if (!hasOwnership(this.#options)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#batch.push({ path, resolve, reject });
      if (this.#batch.length >= 64) void this.flush();
      else this.#timer ??= setTimeout(() => void this.flush(), 50);
    });
  }

  /** Queues directories the sync created, for Linux_chown (applied by `flushDirs`). */
  addDirs(dirs: readonly string[]): void {
    this.#dirs.push(...dirs);
  }

  /** Applies Linux_chown to the queued directories. */
  async flushDirs(): Promise<void> {
    const dirs = this.#dirs;
    this.#dirs = [];
    if (dirs.length === 0 || !hasOwnership(this.#options)) return;
    await applyOwnership([], dirs, { ...this.#options, linuxChmod: [] });
  }

  /** Processes the pending files now. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) return;
    try {
      await applyOwnership(batch.map((item) => item.path), [], this.#options);
      for (const item of batch) item.resolve();
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }
}

/** The outcome of {@linkcode downloadFile}. */
export type DownloadOutcome =
  | { placed: true; local: Entry }
  /** The local file changed since the listing: the download went to `conflictPath` instead. */
  | { placed: false; conflictPath: string; local: Entry };

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
    // A LIST-only server dates files older than ~6 months to the day: ask MDTM for the second,
    // so that the local copy gets the real mtime (one more round trip, for those files only).
    const mtimeMs = await onRemote(deps, async (fs) => {
      const abs = remoteAbs(deps, options.from ?? remote.path);
      await downloadResuming(fs, abs, temp, {
        startAt: resumable === undefined ? 0 : partialLength(temp, remote.size),
        expectedSize: remote.size,
        signal: deps.signal,
        log: deps.log,
      }).catch(async (error) => {
        const code = codeOf(error);
        if (code === 550 || code === 450) {
          // Refused: deleted or renamed on the server since the listing, or unreadable. SIZE
          // tells them apart (one round trip, on this failure only).
          const gone = await fs.size(abs).then(() => false, (e) => {
            const c = codeOf(e);
            return c === 550 || c === 450;
          });
          if (!gone) throw error;
          throw new ChangedDuringPassError(
            `The remote file is no longer on the server (it was deleted or renamed since the ` +
              `listing); the next pass will decide what to do`,
          );
        }
        // More bytes than listed arrived: the file grew since the listing (or never ends).
        if (code !== "EFBIG") throw error;
        throw new ChangedDuringPassError(
          `The remote file changed during the download (more than the ${remote.size} bytes ` +
            `listed arrived); the next pass will fetch it again`,
        );
      });
      if (remote.mtimePrecisionMs <= 1000) return remote.mtimeMs;
      return await fs.mtime(abs).catch(() => remote.mtimeMs);
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
      return { placed: false, conflictPath, local };
    }
    if (plannedLocal !== undefined) {
      moveToTrash(deps.stateDir, deps.identifier, to, deps.localRoot, {
        now: deps.now,
        reason: "overwritten by a download" satisfies TrashReason,
      });
    }
    Deno.renameSync(temp, target);
    return { placed: true, local: statLocal(target, to)! };
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

/** An FTP reply meaning "command not implemented". */
function isUnsupported(error: unknown): boolean {
  const code = codeOf(error);
  return code === 500 || code === 502 || code === 504;
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

/** Refuses a relative path the server must not receive. */
function checkRemotePath(relPath: string): void {
  for (const part of relPath.split("/")) {
    const refusal = checkRemoteName(part);
    if (refusal !== undefined) {
      throw new Error(`Cannot upload "${relPath}": ${refusal}`);
    }
  }
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
        const code = codeOf(error);
        if (!options.overwrite || (code !== 550 && code !== 553)) throw error;
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
    const code = codeOf(error);
    if (code === 550 || code === 450) return undefined; // absent (now): nothing to lose
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

/** Renames a remote file (RNFR/RNTO). */
export async function renameRemote(deps: ExecuteDeps, from: string, to: string): Promise<void> {
  checkRemotePath(to);
  await onRemote(deps, (fs) => fs.rename(remoteAbs(deps, from), remoteAbs(deps, to)));
}

/** Renames a local file, never onto an existing one. */
export function renameLocal(deps: ExecuteDeps, from: string, to: string): void {
  const target = localAbs(deps, to);
  checkLocalAncestors(deps, to);
  if (statLocal(target, to) !== undefined) {
    throw new Error(`Cannot rename "${localAbs(deps, from)}" onto "${target}": it exists`);
  }
  makeLocalDirs(dirname(target));
  Deno.renameSync(localAbs(deps, from), target);
}

/** Makes a remote directory (an existing one is fine); returns its entry. */
export async function mkdirRemoteAt(deps: ExecuteDeps, relPath: string): Promise<Entry> {
  checkRemotePath(relPath);
  const abs = remoteAbs(deps, relPath);
  await onRemote(deps, async (fs) => {
    try {
      await fs.mkdir(abs);
    } catch (error) {
      if (isTransient(error)) throw error;
      // It may exist already (made by someone else since the listing): listing it proves it.
      await fs.list(abs).catch(() => {
        throw error;
      });
    }
  });
  return { path: relPath, kind: "dir", size: 0, mtimeMs: 0, mtimePrecisionMs: 1000, rawTime: "" };
}

/** Makes a local directory and its missing parents; returns its entry. */
export function mkdirLocalAt(
  deps: ExecuteDeps,
  relPath: string,
  ownership: OwnershipBatcher,
): Entry {
  const abs = localAbs(deps, relPath);
  checkLocalAncestors(deps, relPath);
  ownership.addDirs(makeLocalDirs(abs));
  const entry = statLocal(abs, relPath);
  if (entry?.kind !== "dir" || entry.rawTime === "symlink") {
    throw new Error(`Cannot make the directory "${abs}": something else is in the way`);
  }
  return entry;
}
