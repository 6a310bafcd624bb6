/**
 * The walk of one pass (`walk.ts`) wired to the section: the local directory reader, the remote
 * lister with the server's clock and the rolling verification, the baseline, temporary leftovers,
 * refused names, and the remote refreshes and local inodes written in batches as the walk goes
 * (not in dry-run).
 * @module
 */
import type { ExcludeFn } from "./exclude.ts";
import type { SectionConfig } from "../config/mod.ts";
import type { RemoteFsPool } from "./ftp/mod.ts";
import type {
  BaselineSource,
  LocalIdentity,
  RemoteRefresh,
  SqliteBaselineStore,
} from "./baseline_store.ts";
import { readLocalDir } from "./local_lister.ts";
import type { LocalNames } from "./local_names.ts";
import { RemoteDirLister, UNLISTABLE } from "./remote_lister.ts";
import { type ServerClock, serverClockOf } from "./remote_times.ts";
import type { PassReport } from "./types.ts";
import { type WalkResult, walkTrees } from "./walk.ts";

/** Refreshes are written to the baseline in transactions of this many (during the walk). */
const REFRESH_BATCH = 2000;

/** The pass's options that the walk uses (see `PassOptions`). */
export interface SectionWalkOptions {
  section: SectionConfig;
  now: Date;
  pool: RemoteFsPool;
  signal?: AbortSignal;
}

/** What {@linkcode walkSection} needs besides the pass's options. */
export interface SectionWalkContext {
  exclude: ExcludeFn;
  onWarning: (message: string) => void;
  names: LocalNames;
  /** Filled with our temporary files found locally (relative paths). */
  localTemps: string[];
  /** Filled with our temporary files on the server that are over a day old. */
  remoteTemps: string[];
  /** Its `refusedNames` counts the local names refused. */
  report: PassReport;
}

/** A section's walk, and the server's clock it was read with. */
export interface SectionWalk extends WalkResult {
  clock: ServerClock;
}

/** Walks a section's trees against its baseline. `store` is undefined in a dry run. */
export async function walkSection(
  options: SectionWalkOptions,
  source: BaselineSource,
  store: SqliteBaselineStore | undefined,
  context: SectionWalkContext,
): Promise<SectionWalk> {
  const { section, now, pool } = options;
  const view = await pool.use(
    (remote) => remote.learnServerTime(section.remoteDir),
    options.signal,
  );
  const clock = serverClockOf(view);
  const refreshes: RemoteRefresh[] = [];
  const identities: LocalIdentity[] = [];
  const flush = (): void => {
    if (store !== undefined) {
      store.refreshRemote(refreshes);
      store.refreshLocalIdentity(identities);
    }
    refreshes.length = 0;
    identities.length = 0;
  };
  const refused = new Set<string>();
  const lister = new RemoteDirLister(pool, {
    rootDir: section.remoteDir,
    exclude: context.exclude,
    onWarning: context.onWarning,
    now,
    clock,
    verifyEveryMs: section.verifyEveryMs,
    onRefresh: (refresh) => {
      refreshes.push(refresh);
      if (refreshes.length >= REFRESH_BATCH) flush();
    },
    onTemporary: (path, mtimeMs) => {
      if (mtimeMs !== undefined && mtimeMs < now.getTime() - 86_400_000) {
        context.remoteTemps.push(path);
      }
    },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const localOptions = {
    exclude: context.exclude,
    onWarning: context.onWarning,
    onTemporary: (path: string) => context.localTemps.push(path),
    onRefusedName: (path: string) => refused.add(path),
  };
  try {
    const walked = await walkTrees({
      local: (dir) => readLocalDir(section.localDir, dir, localOptions),
      remote: async (dir, rows) => {
        const entries = await lister.list(dir, rows);
        return entries === UNLISTABLE ? "unlistable" : entries;
      },
      baseline: source,
    }, {
      isExcluded: context.exclude,
      foldLocalName: context.names.fold,
      concurrency: pool.size,
      unknownLocal: refused,
      onLocalIdentity: (identity) => {
        identities.push(identity);
        if (identities.length >= REFRESH_BATCH) flush();
      },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    context.report.refusedNames = refused.size;
    return { ...walked, clock };
  } finally {
    flush();
  }
}
