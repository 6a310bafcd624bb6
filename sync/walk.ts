/**
 * A pass's view of the two trees, directory by directory (issue 16): for each directory, its
 * entries on both sides and its baseline rows are read and compared, and only what the planner
 * needs is kept (the sparse inputs below). Memory is then the directories in flight plus the
 * kept entries, not the size of the trees: the remote listings run in parallel over the pool's
 * connections (`concurrency` directories at once), the local ones with the synchronous fs calls,
 * the baseline through an indexed query per directory.
 * @module
 */
import { isConflictName } from "./conflict_name.ts";
import { entryChanged } from "./diff.ts";
import type { ExcludeFn } from "./exclude.ts";
import { parentOf } from "./baseline_schema.ts";
import type { BaselineSource, LocalIdentity, StoredRow } from "./baseline_source.ts";
import type { BaselineRow, Change, Entry, Side } from "./types.ts";

/** How the walk reads each side, one directory at a time ("" is the root). */
export interface WalkSides {
  /** A local directory's entries; throws when it cannot be read. */
  local(dir: string): Entry[];
  /**
   * A remote directory's entries, given the baseline's rows of that directory (by path) for the
   * time rules; `"unlistable"` skips the directory: its subtree counts as unknown (see
   * {@linkcode WalkResult.unknown}). Throws when the directory cannot be listed otherwise.
   */
  remote(dir: string, rows: ReadonlyMap<string, StoredRow>): Promise<Entry[] | "unlistable">;
  baseline: BaselineSource;
}

/** Options of {@linkcode walkTrees}. */
export interface WalkOptions {
  /** Baseline rows under an excluded path are not deletions (the section's Exclude). */
  isExcluded: ExcludeFn;
  /** Local_dir's name folding (`local_names.ts`): names equal under it collide. */
  foldLocalName?: (name: string) => string;
  /** Directories read at once (the pool's connections). */
  concurrency: number;
  /** Refused local paths (bad names) are unknown too: their baseline rows are never deletions. */
  unknownLocal?: ReadonlySet<string>;
  /**
   * Told about each unchanged local entry whose row lacks its device and inode (or, for a file,
   * holds others), so that the baseline can keep them: they tell a later move.
   */
  onLocalIdentity?: (identity: LocalIdentity) => void;
  signal?: AbortSignal;
}

/**
 * The planner's inputs, restricted to what it needs (sparse), and what the walk saw.
 *
 * THE SPARSE RULE. `plan()` over these inputs gives the same actions as over the full listings
 * and baseline (`walk_test.ts` proves it on random trees), because every rule of the planner only
 * looks at: (a) directories, of both sides and of the baseline (to descend, to keep a directory
 * that is not empty, to make parents); (b) changed paths, with both sides' entries and the
 * baseline row (the decision table, kind clashes, moves); (c) conflict copies (`isConflictName`),
 * on both sides and in the baseline (free conflict names); (d) names that collide, under
 * Local_dir's name folding, with another name of the same directory on either side. A new rule of
 * the planner must keep to these (or this set must grow with it): an unchanged file whose name is
 * not a conflict copy and collides with nothing is never seen by the planner.
 */
export interface WalkResult {
  local: Map<string, Entry>;
  remote: Map<string, Entry>;
  baseline: Map<string, BaselineRow>;
  localChanges: Map<string, Change>;
  remoteChanges: Map<string, Change>;
  /** When each kept row's remote half was last observed (ms, our clock): tells moves. */
  remoteSeenMs: Map<string, number>;
  /** Remote directories that could not be listed: nothing at or under them was kept. */
  unknown: string[];
  /** Whether each root listed no entry at all (the MaxDelete guard). */
  localEmpty: boolean;
  remoteEmpty: boolean;
  /** Entries seen on each side (directories included), and directories walked. */
  counts: { local: number; remote: number; directories: number };
}

interface DirTask {
  dir: string;
  local: boolean;
  remote: boolean;
}

/** Yield to the event loop after this much uninterrupted work (ms). */
const YIELD_EVERY_MS = 10;

function isUnder(path: string, roots: ReadonlySet<string>): boolean {
  for (let p = path; p !== ""; p = parentOf(p)) if (roots.has(p)) return true;
  return false;
}

/** Walks both trees and the baseline (see the module doc). */
export async function walkTrees(sides: WalkSides, options: WalkOptions): Promise<WalkResult> {
  const { isExcluded } = options;
  const fold = options.foldLocalName;
  const result: WalkResult = {
    local: new Map(),
    remote: new Map(),
    baseline: new Map(),
    localChanges: new Map(),
    remoteChanges: new Map(),
    remoteSeenMs: new Map(),
    unknown: [],
    localEmpty: true,
    remoteEmpty: true,
    counts: { local: 0, remote: 0, directories: 0 },
  };
  // The baseline's directories, by parent: a directory deleted on both sides (or never listed)
  // is still walked, so that its rows become deletions.
  const allBaselineDirs = sides.baseline.directories();
  const baselineDirs = new Map<string, string[]>();
  for (const dir of allBaselineDirs) {
    const parent = parentOf(dir);
    const list = baselineDirs.get(parent);
    if (list === undefined) baselineDirs.set(parent, [dir]);
    else list.push(dir);
  }
  const unknown = new Set<string>();

  const compare = (
    dir: string,
    localEntries: readonly Entry[],
    remoteEntries: readonly Entry[],
    rows: ReadonlyMap<string, StoredRow>,
  ): DirTask[] => {
    const byPath = new Map<string, { l?: Entry; r?: Entry; row?: StoredRow }>();
    const slot = (path: string) => {
      let s = byPath.get(path);
      if (s === undefined) byPath.set(path, s = {});
      return s;
    };
    for (const e of localEntries) slot(e.path).l = e;
    for (const e of remoteEntries) slot(e.path).r = e;
    for (const [path, stored] of rows) slot(path).row = stored;
    for (const path of baselineDirs.get(dir) ?? []) slot(path);
    // (d) Names that fold alike in this directory, on either side.
    let collides: Set<string> | undefined;
    if (fold !== undefined) {
      const seen = new Map<string, string>();
      for (const [path, s] of byPath) {
        if (s.l === undefined && s.r === undefined) continue;
        const key = fold(path.slice(path.lastIndexOf("/") + 1));
        const other = seen.get(key);
        if (other === undefined) {
          seen.set(key, path);
        } else {
          collides ??= new Set();
          collides.add(other).add(path);
        }
      }
    }
    const next: DirTask[] = [];
    for (const [path, { l, r, row: stored }] of byPath) {
      const row = stored?.row;
      const lc = sideChange("local", path, l, row, isExcluded);
      const rc = sideChange("remote", path, r, row, isExcluded);
      if (lc === undefined && l !== undefined && row !== undefined && identityToKeep(l, row)) {
        options.onLocalIdentity?.({ path, dev: l.dev!, ino: l.ino! });
      }
      const isDir = l?.kind === "dir" || r?.kind === "dir" || row?.kind === "dir";
      const keep = lc !== undefined || rc !== undefined || isDir || isConflictName(path) ||
        (collides?.has(path) ?? false);
      if (keep) {
        if (l !== undefined) result.local.set(path, l);
        if (r !== undefined) result.remote.set(path, r);
        if (stored !== undefined) {
          result.baseline.set(path, stored.row);
          result.remoteSeenMs.set(path, stored.seenMs);
        }
        if (lc !== undefined) result.localChanges.set(path, lc);
        if (rc !== undefined) result.remoteChanges.set(path, rc);
      }
      const walkLocal = l?.kind === "dir";
      const walkRemote = r?.kind === "dir";
      const inBaseline = allBaselineDirs.has(path);
      // An excluded directory that neither side lists holds only excluded rows: no deletions.
      if (walkLocal || walkRemote || (inBaseline && !isExcluded(path, "dir"))) {
        next.push({ dir: path, local: walkLocal, remote: walkRemote });
      }
    }
    return next;
  };

  const queue: DirTask[] = [{ dir: "", local: true, remote: true }];
  let active = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  let lastYield = performance.now();
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const visit = async (task: DirTask): Promise<void> => {
    const rows = new Map<string, StoredRow>();
    for (const stored of sides.baseline.children(task.dir)) rows.set(stored.row.path, stored);
    const localEntries = task.local ? sides.local(task.dir) : [];
    let remoteEntries: Entry[] = [];
    if (task.remote) {
      const listed = await sides.remote(task.dir, rows);
      if (listed === "unlistable") {
        unknown.add(task.dir);
      } else {
        remoteEntries = listed;
      }
    } else if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      lastYield = performance.now();
    }
    if (task.dir === "") {
      result.localEmpty = localEntries.length === 0;
      result.remoteEmpty = remoteEntries.length === 0;
    }
    result.counts.local += localEntries.length;
    result.counts.remote += remoteEntries.length;
    result.counts.directories++;
    queue.push(...compare(task.dir, localEntries, remoteEntries, rows));
  };

  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      options.signal?.throwIfAborted();
      const task = queue.shift();
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
        await visit(task);
      } catch (error) {
        failure ??= error;
      } finally {
        active--;
        notify();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, () => worker()));
  if (failure !== undefined) throw failure;
  options.signal?.throwIfAborted();

  // An unknown subtree is treated like an excluded path: nothing at or under it is planned.
  for (const path of options.unknownLocal ?? []) unknown.add(path);
  if (unknown.size > 0) {
    for (
      const map of [
        result.local,
        result.remote,
        result.baseline,
        result.localChanges,
        result.remoteChanges,
        result.remoteSeenMs,
      ]
    ) {
      for (const path of [...map.keys()]) if (isUnder(path, unknown)) map.delete(path);
    }
  }
  result.unknown = [...unknown].sort();
  return result;
}

/**
 * Whether an unchanged local entry's device and inode should be stored in its row: the row has
 * none, or (a file) others. A directory's row keeps its old ones: a directory moved away and
 * another made under its name is told by them (`plan_move_pairs.ts`).
 */
function identityToKeep(entry: Entry, row: BaselineRow): boolean {
  if (entry.dev === undefined || entry.ino === undefined) return false;
  if (row.local.dev === undefined || row.local.ino === undefined) return true;
  return entry.kind === "file" && (row.local.dev !== entry.dev || row.local.ino !== entry.ino);
}

/** How one side of a path changed since its baseline row (as `diffSide`), or undefined. */
function sideChange(
  side: Side,
  path: string,
  entry: Entry | undefined,
  row: BaselineRow | undefined,
  isExcluded: ExcludeFn,
): Change | undefined {
  if (entry !== undefined) {
    if (isExcluded(path, entry.kind)) return undefined;
    if (row === undefined) return { kind: "created", after: entry };
    return entryChanged(row[side], entry)
      ? { kind: "modified", before: row[side], after: entry }
      : undefined;
  }
  if (row === undefined || isExcluded(path, row[side].kind)) return undefined;
  return { kind: "deleted", before: row[side] };
}
