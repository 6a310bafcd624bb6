/**
 * The executor's primitives: the dependencies, errors and retries on a fresh connection, paths,
 * ownership batches, renames and mkdirs on either side. Downloads and uploads are in
 * `execute_download.ts` and `execute_upload.ts`. Used by `execute.ts`; every function throws on
 * failure and the caller turns that into a result.
 * @module
 */
import { dirname } from "node:path";
import type { Logger } from "@logtape/logtape";
import type { RemoteFs, RemoteFsPool } from "./ftp/mod.ts";
import { checkRemoteName } from "./names.ts";
import { remotePath } from "./remote_lister.ts";
import {
  applyOwnership,
  hasOwnership,
  makeLocalDirs,
  type OwnershipOptions,
  statLocal,
} from "./local_fs.ts";
import type { BaselineUpdate, Entry } from "./types.ts";

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
  /**
   * Writes baseline updates at once, durably, before an effect that must survive a kill: a
   * direct upload records itself in flight (`in_flight.ts`). Without it nothing is recorded.
   */
  recordNow?: (updates: readonly BaselineUpdate[]) => void;
  /** Logs a warning at most once per pass under `key` (`execute()` provides it). */
  warnOnce?: (key: string, message: string) => void;
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

/**
 * The remote version that an upload would replace, or a deletion remove, is not provably the one
 * the baseline holds (it changed since the last pass, or the baseline knows it only to the minute
 * or day): it is kept. The caller forgets the path's row, so that the next pass sees a version on
 * each side and decides as on a first sync (equal contents adopted, different ones both kept).
 */
export class RemoteVersionKeptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RemoteVersionKeptError";
  }
}

/** Whether an error says trying again later may work. */
export function isTransient(error: unknown): boolean {
  return (error as { transient?: unknown } | null)?.transient === true;
}

/** What an FTP failure means (`notFound`, `refused`...); undefined for a local failure. */
export { meaningOf } from "./ftp/mod.ts";

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

/** Refuses a relative path the server must not receive. */
export function checkRemotePath(relPath: string): void {
  for (const part of relPath.split("/")) {
    const refusal = checkRemoteName(part);
    if (refusal !== undefined) {
      throw new Error(`Cannot upload "${relPath}": ${refusal}`);
    }
  }
}

/** Moves a conflict's loser aside on the server (RNFR/RNTO onto a free conflict name). */
export async function moveRemoteAside(deps: ExecuteDeps, from: string, to: string): Promise<void> {
  checkRemotePath(to);
  await onRemote(deps, (fs) => fs.rename(remoteAbs(deps, from), remoteAbs(deps, to)));
}

/** Moves a conflict's loser aside locally, never onto an existing file. */
export function moveLocalAside(deps: ExecuteDeps, from: string, to: string): void {
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
