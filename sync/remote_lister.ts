/**
 * Lists Remote_dir with a parallel breadth-first walk over the pool's connections (MLSD or LIST,
 * as the FTP layer chooses). Refused names, symlinks and special entries are skipped with a
 * warning; ftp-clone's temporary files are invisible; Exclude applies.
 *
 * Timestamps on LIST-only servers (vsftpd). A LIST time has minute precision (`Nov 25 10:05`,
 * recent files) or day precision (`Nov 25 2025`, older than about six months), in the server's
 * unknown time zone. The lister asks MDTM (UTC, 1 s) only where LIST is ambiguous, so that an
 * unchanged tree costs no MDTM at all in steady state:
 * - a file whose size and LIST time text are those stored in the baseline is unchanged, and the
 *   baseline's entry is returned as is, UNLESS the baseline's remote half was observed before the
 *   end of the file's mtime minute (+ {@linkcode SKEW_MARGIN_MS} for clock skew): only then could
 *   a rewrite within that same minute, with the same size, hide behind the same text, so MDTM;
 * - a file whose LIST time switched from the minute form to the year form (it aged), with the
 *   same size and a date within two days of the baseline's, is unchanged (no MDTM);
 * - after our own upload the baseline has MDTM's exact time and no text: a LIST minute equal to
 *   that time's minute (LIST read as UTC) counts as the same text (the text is then stored);
 * - a new file, or one whose size or minute-form text changed, gets MDTM when its listed
 *   minute is within the last day (+ margin; a LIST time zone is at most 14 h off UTC): it is
 *   about to be transferred anyway, and its exact time lets the rule above catch a rewrite in
 *   the same minute later; older minute-form and year-form times are taken as listed (any
 *   rewrite from now on shows another time).
 * When MDTM shows an ambiguous file unchanged, `onRefresh` reports it so that the caller can
 * store the new "seen" time and text, and the next pass needs no MDTM for it.
 * @module
 */
import { meaningOf, type RemoteEntry, type RemoteFsPool } from "./ftp/mod.ts";
import type { ExcludeFn } from "./exclude.ts";
import { isTemporaryName } from "./exclude.ts";
import { checkRemoteName } from "./names.ts";
import type { RemoteRefresh } from "./baseline_store.ts";
import type { Baseline, Entry, Listing } from "./types.ts";

/** Margin for the server's clock being behind ours (ms). */
export const SKEW_MARGIN_MS = 10 * 60_000;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** MDTMs asked in one task (one connection, sequentially). */
const MDTM_BATCH = 32;

/** Options of {@linkcode listRemote}. */
export interface ListRemoteOptions {
  exclude: ExcludeFn;
  onWarning: (message: string) => void;
  /** Told about each of our temporary files found, with its listed mtime (ms, undefined if none). */
  onTemporary?: (path: string, mtimeMs: number | undefined) => void;
  /** The baseline, to avoid MDTM on unchanged LIST entries. */
  baseline?: Baseline;
  /** The time of the pass (read once). */
  now: Date;
  /** Per path: when its baseline remote half was last observed (ms since epoch, our clock). */
  remoteSeenMs?: ReadonlyMap<string, number>;
  /** Told about unchanged entries whose seen time and text should be refreshed. */
  onRefresh?: (refresh: RemoteRefresh) => void;
  signal?: AbortSignal;
}

/** What to do with a listed remote file, before any MDTM. */
export type TimeDecision = "keepBaseline" | "refreshBaseline" | "mdtm" | "asListed";

/**
 * Decides how to read a listed file's time (pure; see the module doc). `seenMs` is when the
 * baseline's remote half was observed; `nowMs` is the time of the pass.
 */
export function decideTime(
  listed: RemoteEntry,
  base: Entry | undefined,
  seenMs: number | undefined,
  nowMs: number,
): TimeDecision {
  if (listed.mtimeMs === undefined) return "mdtm";
  if (listed.mtimePrecisionMs <= 1000) return "asListed";
  const yearForm = listed.mtimePrecisionMs >= DAY_MS;
  if (base !== undefined && base.kind === "file" && base.size === listed.size) {
    const sameText = listed.rawTime !== "" && base.rawTime === listed.rawTime;
    // After our own upload the baseline holds MDTM's exact time and no text: a LIST minute
    // (read as UTC) equal to that time's minute counts as the same text (else: MDTM).
    const uploadedMatch = base.rawTime === "" && !yearForm && base.mtimePrecisionMs <= 1000 &&
      Math.floor(base.mtimeMs / MINUTE_MS) * MINUTE_MS === listed.mtimeMs;
    if (sameText || uploadedMatch) {
      if (!yearForm) {
        const minuteEnd = base.mtimePrecisionMs <= 1000
          ? Math.floor(base.mtimeMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS
          : base.mtimeMs + base.mtimePrecisionMs;
        if ((seenMs ?? 0) < minuteEnd + SKEW_MARGIN_MS) return "mdtm";
      }
      return sameText ? "keepBaseline" : "refreshBaseline";
    }
    if (yearForm && Math.abs(listed.mtimeMs - base.mtimeMs) <= 2 * DAY_MS) {
      return "refreshBaseline";
    }
  }
  if (yearForm) return "asListed";
  // A minute over a day old, whatever the server's time zone (at most 14 h off UTC): any
  // rewrite from now on shows another minute, so the listed value is enough.
  if (listed.mtimeMs < nowMs - DAY_MS - SKEW_MARGIN_MS) return "asListed";
  return "mdtm";
}

function entryFrom(path: string, listed: RemoteEntry): Entry {
  return {
    path,
    kind: listed.kind === "dir" ? "dir" : "file",
    size: listed.kind === "dir" ? 0 : listed.size,
    mtimeMs: listed.mtimeMs ?? 0,
    mtimePrecisionMs: listed.mtimeMs === undefined ? DAY_MS : listed.mtimePrecisionMs,
    rawTime: listed.rawTime,
  };
}

/** The absolute remote path of a relative one under `rootDir`. */
export function remotePath(rootDir: string, relPath: string): string {
  if (relPath === "") return rootDir;
  return rootDir === "/" ? `/${relPath}` : `${rootDir}/${relPath}`;
}

type Task =
  | { type: "list"; dir: string }
  | { type: "mdtm"; items: { path: string; listed: RemoteEntry }[] };

function isTransient(error: unknown): boolean {
  return (error as { transient?: unknown }).transient === true;
}

/**
 * Lists `rootDir` (absolute from the login root) recursively. Throws when it, or a directory
 * below it, cannot be listed (after one retry on a fresh connection for transient errors).
 */
export async function listRemote(
  pool: RemoteFsPool,
  rootDir: string,
  options: ListRemoteOptions,
): Promise<Listing> {
  const listing = new Map<string, Entry>();
  const tasks: Task[] = [{ type: "list", dir: "" }];
  let active = 0;
  let failure: unknown;
  let mdtmSupported = true;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const withRetry = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (!isTransient(error) || options.signal?.aborted) throw error;
      return await fn(); // the pool has replaced a broken connection
    }
  };

  const runList = async (dir: string): Promise<void> => {
    const abs = remotePath(rootDir, dir);
    let entries: RemoteEntry[];
    try {
      entries = await withRetry(() =>
        pool.use(
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
      const what = dir === "" ? "Remote_dir" : "the remote directory";
      throw new Error(`Cannot list ${what} "${abs}": ${(error as Error).message}`, {
        cause: error,
      });
    }
    let batch: { path: string; listed: RemoteEntry }[] = [];
    for (const listed of entries) {
      if (isTemporaryName(listed.name)) {
        if (listed.kind === "file") {
          options.onTemporary?.(dir === "" ? listed.name : `${dir}/${listed.name}`, listed.mtimeMs);
        }
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
      const path = dir === "" ? listed.name : `${dir}/${listed.name}`;
      if (listed.kind === "symlink") {
        options.onWarning(`Skipped the remote symbolic link "${remotePath(rootDir, path)}"`);
        continue;
      }
      if (listed.kind === "other") {
        options.onWarning(`Skipped "${remotePath(rootDir, path)}": not a file or directory`);
        continue;
      }
      if (options.exclude(path, listed.kind)) continue;
      if (listed.kind === "dir") {
        listing.set(path, entryFrom(path, listed));
        tasks.push({ type: "list", dir: path });
        continue;
      }
      const base = options.baseline?.get(path)?.remote;
      const decision = decideTime(
        listed,
        base,
        options.remoteSeenMs?.get(path),
        options.now.getTime(),
      );
      if (decision === "keepBaseline") {
        listing.set(path, base!);
      } else if (decision === "refreshBaseline") {
        listing.set(path, base!);
        options.onRefresh?.({ path, rawTime: listed.rawTime });
      } else if (decision === "mdtm" && mdtmSupported) {
        batch.push({ path, listed });
        if (batch.length >= MDTM_BATCH) {
          tasks.push({ type: "mdtm", items: batch });
          batch = [];
        }
      } else {
        listing.set(path, entryFrom(path, listed));
      }
    }
    if (batch.length > 0) tasks.push({ type: "mdtm", items: batch });
  };

  const runMdtm = async (items: { path: string; listed: RemoteEntry }[]): Promise<void> => {
    const times = await withRetry(() =>
      pool.use(async (remote) => {
        const out: (number | "missing" | "unsupported")[] = [];
        for (const { path } of items) {
          if (!mdtmSupported) {
            out.push("unsupported");
            continue;
          }
          try {
            out.push(await remote.mtime(remotePath(rootDir, path)));
          } catch (error) {
            if (meaningOf(error) === "unsupported") {
              mdtmSupported = false;
              out.push("unsupported");
            } else if (meaningOf(error) === "notFound") {
              out.push("missing"); // deleted while listing
            } else if ((error as { transient?: unknown }).transient === true) {
              throw error; // a lost connection: the whole batch is retried on a fresh one
            } else {
              // One unreadable reply (a bad date...) must not fail the section on every pass:
              // that file is taken as listed.
              options.onWarning(
                `Cannot read the modification time of "${remotePath(rootDir, path)}" ` +
                  `(${(error as Error).message}); using the listing's time`,
              );
              out.push("unsupported");
            }
          }
        }
        return out;
      }, options.signal)
    );
    items.forEach(({ path, listed }, i) => {
      const time = times[i];
      if (time === "missing") return;
      if (time === "unsupported" || time === undefined) {
        listing.set(path, entryFrom(path, listed));
        return;
      }
      const base = options.baseline?.get(path)?.remote;
      if (
        base !== undefined && base.kind === "file" && base.size === listed.size &&
        base.mtimePrecisionMs <= 1000 && Math.abs(base.mtimeMs - time) < 1000
      ) {
        listing.set(path, base);
        options.onRefresh?.({ path, rawTime: listed.rawTime });
        return;
      }
      listing.set(path, {
        path,
        kind: "file",
        size: listed.size,
        mtimeMs: time,
        mtimePrecisionMs: 1000,
        rawTime: listed.rawTime,
      });
    });
  };

  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      const task = tasks.shift();
      if (task === undefined) {
        if (active === 0) return;
        await new Promise<void>((resolve) => {
          const previous = wake;
          wake = () => {
            previous?.();
            resolve();
          };
        });
        continue;
      }
      active++;
      try {
        if (task.type === "list") await runList(task.dir);
        else await runMdtm(task.items);
      } catch (error) {
        failure ??= error;
      } finally {
        active--;
        notify();
      }
    }
  };

  const workers = Math.max(1, pool.size);
  await Promise.all(Array.from({ length: workers }, () => worker()));
  if (failure !== undefined) throw failure;
  options.signal?.throwIfAborted();
  return listing;
}
