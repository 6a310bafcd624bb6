/**
 * The moves each side shows (pure; issue 16): pairs of a path that vanished and a path that
 * appeared on the same side as the same file or tree, by the rules `plan_moves.ts` states (an
 * inode locally; size, exact time and `unique` on the server; a directory by its files), each
 * pair unambiguous. Reads only the changes, the directories and the baseline rows of directories
 * (the walk's sparse rule).
 * @module
 */
import { ancestors } from "./plan_order.ts";
import type { Rekeying } from "./plan_rekey.ts";
import type { Entry, Side } from "./types.ts";

/** A move seen on one side: `from` vanished there and `to` appeared there as the same thing. */
export interface Move {
  side: Side;
  from: string;
  to: string;
  kind: "file" | "dir";
}

/** An exact time: MLSD's or MDTM's whole seconds. */
const EXACT_MS = 1000;
/** Remote files of one size, time and name considered for a directory's evidence, at most. */
const MAX_NAMESAKES = 64;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function lastName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** A local entry's device and inode, or undefined when the listing had none. */
function identity(entry: Entry): string | undefined {
  return entry.dev === undefined || entry.ino === undefined
    ? undefined
    : `${entry.dev}:${entry.ino}`;
}

function isExact(entry: Entry): boolean {
  return entry.kind === "file" && entry.mtimePrecisionMs <= EXACT_MS;
}

/** Whether two remote files may be the same by MLSD's `unique` fact (when both have it). */
function sameUnique(a: Entry, b: Entry): boolean {
  return a.unique === undefined || b.unique === undefined || a.unique === b.unique;
}

/** Whether both remote files carry the same `unique` fact (the server says they are one). */
function uniqueTells(a: Entry, b: Entry): boolean {
  return a.unique !== undefined && a.unique === b.unique;
}

/**
 * Whether a vanished remote file's exact time can identify it: `true` when it was observed after
 * its second had ended (`settledAt`). Otherwise a file written just after, in the same second,
 * with the same size, could be taken for it.
 */
export type RemoteSettled = (path: string, before: Entry) => boolean;

/**
 * The parent pairs that a file moved from `from` to `to` is evidence for: while the last names
 * agree, the directories above them (`A/s/f` -> `B/s/f`: `A/s` -> `B/s`, then `A` -> `B`).
 */
function parentPairs(from: string, to: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let a = from;
  let b = to;
  for (;;) {
    const i = a.lastIndexOf("/");
    const j = b.lastIndexOf("/");
    if (i < 0 || j < 0 || a.slice(i) !== b.slice(j)) return pairs;
    a = a.slice(0, i);
    b = b.slice(0, j);
    pairs.push([a, b]);
  }
}

/** The pairs in which each source and each target appears once. */
function oneToOne(pairs: ReadonlyArray<[string, string]>): Array<[string, string]> {
  const sources = new Map<string, number>();
  const targets = new Map<string, number>();
  for (const [s, t] of pairs) {
    sources.set(s, (sources.get(s) ?? 0) + 1);
    targets.set(t, (targets.get(t) ?? 0) + 1);
  }
  return pairs.filter(([s, t]) => sources.get(s) === 1 && targets.get(t) === 1);
}

/** Local moves: the same device and inode (see `plan_moves.ts`). */
export function localMoves(state: Rekeying): Move[] {
  const changes = state.localChanges;
  const targets = new Map<string, string[]>();
  let dirTargets = false;
  for (const [path, change] of changes) {
    if (change.kind !== "created") continue;
    const id = identity(change.after);
    if (id === undefined) continue;
    push(targets, id, path);
    if (change.after.kind === "dir") dirTargets = true;
  }
  if (targets.size === 0) return [];
  const sources = new Map<string, string[]>();
  /** Directories under which a local file vanished (a directory move then needs a witness). */
  const filesGoneUnder = new Set<string>();
  const consider = (path: string, before: Entry): void => {
    const id = identity(before);
    if (id === undefined || !targets.has(id)) return;
    const now = state.local.get(path);
    if (now !== undefined && identity(now) === id) return; // still there (edited in place)
    push(sources, id, path);
  };
  for (const [path, change] of changes) {
    if (change.kind === "created") continue;
    if (change.before.kind === "file") { for (const a of ancestors(path)) filesGoneUnder.add(a); }
    consider(path, change.before);
  }
  if (dirTargets) {
    // A directory moved away and another made under its name: directories are never
    // "modified", so its row is no change; its inode tells.
    for (const [path, row] of state.baseline) {
      if (row.local.kind === "dir" && !changes.has(path) && state.local.get(path)?.kind === "dir") {
        consider(path, row.local);
      }
    }
  }
  const pairs: Array<[string, string]> = [];
  for (const [id, froms] of sources) {
    const tos = targets.get(id)!;
    if (froms.length === 1 && tos.length === 1) pairs.push([froms[0]!, tos[0]!]);
  }
  const witnessed = new Set<string>();
  for (const [from, to] of pairs) {
    for (const [a, b] of parentPairs(from, to)) witnessed.add(`${a}\0${b}`);
  }
  const moves: Move[] = [];
  for (const [from, to] of pairs) {
    const before = state.baseline.get(from)!.local;
    const after = state.local.get(to)!;
    if (before.kind !== after.kind) continue;
    if (
      after.kind === "file"
        ? before.size !== after.size || before.mtimeMs !== after.mtimeMs
        : filesGoneUnder.has(from) && !witnessed.has(`${from}\0${to}`)
    ) {
      continue;
    }
    moves.push({ side: "local", from, to, kind: after.kind });
  }
  return moves;
}

/** Remote moves: the same size and exact time, and `unique` where given (see `plan_moves.ts`). */
export function remoteMoves(state: Rekeying, settled: RemoteSettled): Move[] {
  const changes = state.remoteChanges;
  const key = (entry: Entry): string => `${entry.size}:${entry.mtimeMs}`;
  const fileTargets = new Map<string, string[]>();
  const namesakes = new Map<string, string[]>();
  const dirTargets = new Set<string>();
  for (const [path, change] of changes) {
    if (change.kind !== "created") continue;
    if (change.after.kind === "dir") {
      dirTargets.add(path);
    } else if (isExact(change.after)) {
      push(fileTargets, key(change.after), path);
      push(namesakes, `${key(change.after)}:${lastName(path)}`, path);
    }
  }
  if (fileTargets.size === 0) return [];
  const fileSources: string[] = [];
  const dirSources = new Set<string>();
  for (const [path, change] of changes) {
    if (change.kind === "created") continue;
    const before = change.before;
    if (before.kind === "dir") {
      // A directory vanished, or a file took its name.
      if (dirTargets.size > 0 && state.remote.get(path)?.kind !== "dir") dirSources.add(path);
    } else if (isExact(before)) {
      fileSources.push(path);
    }
  }
  const before = (path: string): Entry => state.baseline.get(path)!.remote;
  const after = (path: string): Entry => state.remote.get(path)!;

  // Files: one candidate each way.
  const filePairs: Array<[string, string]> = [];
  for (const from of fileSources) {
    for (const to of fileTargets.get(key(before(from))) ?? []) {
      if (sameUnique(before(from), after(to))) filePairs.push([from, to]);
    }
  }
  // A file's time identifies it once settled; the same `unique` fact on both does at once.
  const moves: Move[] = oneToOne(filePairs)
    .filter(([from, to]) => uniqueTells(before(from), after(to)) || settled(from, before(from)))
    .map(([from, to]) => ({ side: "remote", from, to, kind: "file" }));
  if (dirSources.size === 0) return moves;

  // Directories: their files found at the same relative paths under the new name.
  const filesUnder = new Map<string, number>();
  for (const [path, change] of changes) {
    if (change.kind === "created" || change.before.kind !== "file") continue;
    for (const a of ancestors(path)) {
      if (dirSources.has(a)) filesUnder.set(a, (filesUnder.get(a) ?? 0) + 1);
    }
  }
  const found = new Map<string, number>();
  for (const from of fileSources) {
    const same = namesakes.get(`${key(before(from))}:${lastName(from)}`) ?? [];
    if (same.length > MAX_NAMESAKES) continue;
    for (const to of same) {
      if (!sameUnique(before(from), after(to))) continue;
      for (const [a, b] of parentPairs(from, to)) {
        if (dirSources.has(a) && dirTargets.has(b)) {
          const pair = `${a}\0${b}`;
          found.set(pair, (found.get(pair) ?? 0) + 1);
        }
      }
    }
  }
  const dirPairs: Array<[string, string]> = [];
  for (const [pair, count] of found) {
    const [from, to] = pair.split("\0") as [string, string];
    if (2 * count >= (filesUnder.get(from) ?? 0)) dirPairs.push([from, to]);
  }
  for (const [from, to] of oneToOne(dirPairs)) {
    moves.push({ side: "remote", from, to, kind: "dir" });
  }
  return moves;
}
