/**
 * Lists one remote directory for the walk (`walk.ts`): MLSD or LIST as the FTP layer chooses,
 * then each file's time read as `remote_times.ts` decides, MDTMs in batches over the pool's
 * connections. Refused names, symlinks and special entries are skipped with a warning;
 * ftp-clone's temporary files are invisible; Exclude applies.
 * @module
 */
import { meaningOf, type RemoteEntry, type RemoteFsPool } from "./ftp/mod.ts";
import type { ExcludeFn } from "./exclude.ts";
import { isTemporaryName } from "./exclude.ts";
import { checkRemoteName } from "./names.ts";
import type { RemoteRefresh, StoredRow } from "./baseline_store.ts";
import {
  type BaseTimes,
  decideTime,
  type ServerClock,
  settledAt,
  UNMEASURED_SKEW_MARGIN_MS,
  withExactTime,
} from "./remote_times.ts";
import { entryChanged } from "./diff.ts";
import type { Entry } from "./types.ts";

const DAY_MS = 86_400_000;
/** MDTMs asked in one task (one connection, sequentially). */
const MDTM_BATCH = 32;

/** Options of {@linkcode RemoteDirLister}. */
export interface RemoteListerOptions {
  /** Absolute from the login root. */
  rootDir: string;
  exclude: ExcludeFn;
  onWarning: (message: string) => void;
  /** Told about each of our temporary files found, with its listed mtime (ms, undefined if none). */
  onTemporary?: (path: string, mtimeMs: number | undefined) => void;
  /** The time of the pass (read once). */
  now: Date;
  /** The server's clock (skew and its margin). @default {no skew, the unmeasured margin} */
  clock: ServerClock;
  /** The rolling verification's period (ms); undefined: none. */
  verifyEveryMs?: number;
  /** Told about unchanged entries whose seen time, text (and exact time) should be stored. */
  onRefresh?: (refresh: RemoteRefresh) => void;
  /** Told about each MDTM sent (`verify`: one of the rolling verification). */
  onMdtm?: (reason: "mdtm" | "verify") => void;
  signal?: AbortSignal;
}

/** The absolute remote path of a relative one under `rootDir`. */
export function remotePath(rootDir: string, relPath: string): string {
  if (relPath === "") return rootDir;
  return rootDir === "/" ? `/${relPath}` : `${rootDir}/${relPath}`;
}

function entryFrom(path: string, listed: RemoteEntry): Entry {
  return {
    path,
    kind: listed.kind === "dir" ? "dir" : "file",
    size: listed.kind === "dir" ? 0 : listed.size,
    mtimeMs: listed.mtimeMs ?? 0,
    mtimePrecisionMs: listed.mtimeMs === undefined ? DAY_MS : listed.mtimePrecisionMs,
    rawTime: listed.rawTime,
    ...(listed.unique === undefined ? {} : { unique: listed.unique }),
  };
}

function isTransient(error: unknown): boolean {
  return (error as { transient?: unknown }).transient === true;
}

/** A directory the server refused to list as not found: skipped, its subtree unknown. */
export const UNLISTABLE = Symbol("unlistable");

/** Lists remote directories one at a time, sharing what it learns (MDTM support) across them. */
export class RemoteDirLister {
  #pool: RemoteFsPool;
  #options: RemoteListerOptions;
  #mdtmSupported = true;

  constructor(pool: RemoteFsPool, options: RemoteListerOptions) {
    this.#pool = pool;
    this.#options = options;
  }

  async #withRetry<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (!isTransient(error) || this.#options.signal?.aborted) throw error;
      return await fn(); // the pool has replaced a broken connection
    }
  }

  /**
   * The entries of `dir` (relative; "" is Remote_dir) with their times read. `rows` are the
   * baseline's rows of that directory by path. Throws when the directory cannot be listed (after
   * one retry on a fresh connection for transient errors), except a directory below the root that
   * the server says does not exist (a name LIST cannot carry, such as one with a newline, or one
   * deleted since its parent was listed): {@linkcode UNLISTABLE}, with a warning.
   */
  async list(
    dir: string,
    rows: ReadonlyMap<string, StoredRow>,
  ): Promise<Entry[] | typeof UNLISTABLE> {
    const options = this.#options;
    const abs = remotePath(options.rootDir, dir);
    let listedEntries: RemoteEntry[];
    try {
      listedEntries = await this.#withRetry(() =>
        this.#pool.use(
          (remote) =>
            remote.list(abs, {
              onRefused: (name, reason) =>
                options.onWarning(
                  `Refused the remote name ${JSON.stringify(name)} in "${abs}": ${reason}; ` +
                    "nothing is written for it",
                ),
            }),
          options.signal,
        )
      );
    } catch (error) {
      if (dir !== "" && meaningOf(error) === "notFound" && !options.signal?.aborted) {
        options.onWarning(
          `Cannot list the remote directory ${JSON.stringify(abs)} (${
            (error as Error).message
          }): skipped this pass; nothing under it is deleted on either side (a name that a ` +
            "listing cannot carry, such as one with a newline, must be renamed on the server)",
        );
        return UNLISTABLE;
      }
      const what = dir === "" ? "Remote_dir" : "the remote directory";
      throw new Error(`Cannot list ${what} "${abs}": ${(error as Error).message}`, {
        cause: error,
      });
    }
    const out: Entry[] = [];
    const asked: { path: string; listed: RemoteEntry; reason: "mdtm" | "verify" }[] = [];
    const nowMs = options.now.getTime();
    for (const listed of listedEntries) {
      const path = dir === "" ? listed.name : `${dir}/${listed.name}`;
      if (isTemporaryName(listed.name)) {
        if (listed.kind === "file") options.onTemporary?.(path, listed.mtimeMs);
        continue;
      }
      const refusal = checkRemoteName(listed.name);
      if (refusal !== undefined) {
        options.onWarning(
          `Refused the remote name ${JSON.stringify(listed.name)} in "${abs}": ${refusal}; ` +
            "nothing is written for it",
        );
        continue;
      }
      if (listed.kind === "symlink") {
        options.onWarning(
          `Skipped the remote symbolic link "${remotePath(options.rootDir, path)}"`,
        );
        continue;
      }
      if (listed.kind === "other") {
        options.onWarning(
          `Skipped "${remotePath(options.rootDir, path)}": not a file or directory`,
        );
        continue;
      }
      if (options.exclude(path, listed.kind)) continue;
      if (listed.kind === "dir") {
        out.push(entryFrom(path, listed));
        continue;
      }
      const stored = rows.get(path);
      const base = stored === undefined ? undefined : {
        entry: stored.row.remote,
        seenMs: stored.seenMs,
        verifiedMs: stored.verifiedMs,
      };
      const decision = decideTime(listed, path, base, {
        nowMs,
        clock: options.clock,
        ...(options.verifyEveryMs === undefined ? {} : { verifyEveryMs: options.verifyEveryMs }),
      });
      if (decision === "keepBaseline") {
        out.push(base!.entry);
      } else if (decision === "refreshBaseline") {
        out.push(base!.entry);
        options.onRefresh?.({ path, rawTime: listed.rawTime });
      } else if ((decision === "mdtm" || decision === "verify") && this.#mdtmSupported) {
        asked.push({ path, listed, reason: decision });
      } else if (decision === "verify") {
        out.push(base!.entry); // no MDTM on this server: nothing more can be learned
      } else {
        const entry = entryFrom(path, listed);
        out.push(entry);
        if (base !== undefined) this.#refreshIfMoveEvidence(base, entry, listed.rawTime);
      }
    }
    const batches: (typeof asked)[] = [];
    for (let i = 0; i < asked.length; i += MDTM_BATCH) batches.push(asked.slice(i, i + MDTM_BATCH));
    const resolved = await Promise.all(batches.map((batch) => this.#mdtm(batch, rows)));
    for (const entries of resolved) out.push(...entries);
    return out;
  }

  /**
   * An unchanged file listed at its exact time (MLSD) whose row was observed within its own
   * second (plus the clock's margin), or lacks the `unique` fact the listing gives: the row is
   * refreshed, so that a later move of the file is recognised (`settledAt`, `plan_move_pairs.ts`).
   */
  #refreshIfMoveEvidence(base: BaseTimes, entry: Entry, rawTime: string): void {
    if (entry.mtimePrecisionMs > 1000 || entryChanged(base.entry, entry)) return;
    const unique = base.entry.unique === undefined ? entry.unique : undefined;
    if (unique === undefined && settledAt(base.seenMs, entry.mtimeMs, this.#options.clock)) return;
    this.#options.onRefresh?.({
      path: entry.path,
      rawTime,
      ...(unique === undefined ? {} : { unique }),
    });
  }

  /** Reads the exact times of a batch on one connection and resolves each file's entry. */
  async #mdtm(
    items: { path: string; listed: RemoteEntry; reason: "mdtm" | "verify" }[],
    rows: ReadonlyMap<string, StoredRow>,
  ): Promise<Entry[]> {
    const options = this.#options;
    const times = await this.#withRetry(() =>
      this.#pool.use(async (remote) => {
        if (!this.#mdtmSupported) return items.map(() => "unsupported" as const);
        for (const { reason } of items) options.onMdtm?.(reason);
        const paths = items.map(({ path }) => remotePath(options.rootDir, path));
        const read = await remote.mtimes(paths);
        return read.map((time, i): number | "missing" | "unsupported" => {
          if (typeof time === "number") return time;
          const meaning = meaningOf(time);
          if (meaning === "unsupported") {
            this.#mdtmSupported = false;
            return "unsupported";
          }
          if (meaning === "notFound") return "missing"; // deleted while listing
          // A lost connection: the whole batch is retried on a fresh one.
          if (isTransient(time)) throw time;
          // One unreadable reply (a bad date...) must not fail the section on every pass:
          // that file is taken as listed.
          options.onWarning(
            `Cannot read the modification time of "${paths[i]}" (${time.message}); using the ` +
              "listing's time",
          );
          return "unsupported";
        });
      }, options.signal)
    );
    const out: Entry[] = [];
    items.forEach(({ path, listed, reason }, i) => {
      const time = times[i];
      const base = rows.get(path)?.row.remote;
      if (time === "missing") return;
      if (time === "unsupported" || time === undefined) {
        // A verification that cannot be made leaves the file as the listing showed it.
        out.push(reason === "verify" && base !== undefined ? base : entryFrom(path, listed));
        return;
      }
      const outcome = withExactTime(path, listed, base, time);
      if (outcome.kind === "unchanged") {
        options.onRefresh?.({ path, rawTime: listed.rawTime, exactMtimeMs: outcome.exactMtimeMs });
      }
      out.push(outcome.entry);
    });
    return out;
  }
}

/** Options of {@linkcode listRemote}. */
export type ListRemoteOptions = Omit<RemoteListerOptions, "rootDir" | "clock"> & {
  clock?: ServerClock;
};

/**
 * Lists `rootDir` recursively into one map, without a baseline (tools and tests; a pass walks
 * with `walk.ts`). Directories that cannot be listed as not found are left out, with a warning.
 */
export async function listRemote(
  pool: RemoteFsPool,
  rootDir: string,
  options: ListRemoteOptions,
): Promise<Map<string, Entry>> {
  const lister = new RemoteDirLister(pool, {
    clock: { skewMs: 0, marginMs: UNMEASURED_SKEW_MARGIN_MS },
    ...options,
    rootDir,
  });
  const listing = new Map<string, Entry>();
  const pending = [""];
  while (pending.length > 0) {
    const listed = await lister.list(pending.pop()!, new Map());
    if (listed === UNLISTABLE) continue;
    for (const entry of listed) {
      listing.set(entry.path, entry);
      if (entry.kind === "dir") pending.push(entry.path);
    }
  }
  return listing;
}
