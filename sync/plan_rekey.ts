/**
 * The planner's inputs re-keyed as if renames were already done (pure): a rename moves a tree's
 * baseline rows and, on the side that has not been renamed yet, its listed entries to the new
 * path; the changes of every path it touched are then computed again by the diff's rules, so that
 * the decision table sees one path. Shared by name folding (`plan_fold.ts`) and moves
 * (`plan_moves.ts`).
 * @module
 */
import { parentOf } from "./baseline_schema.ts";
import { entryChanged } from "./diff.ts";
import type { ExcludeFn } from "./exclude.ts";
import { cmp } from "./plan_order.ts";
import type { BaselineRow, Change, Changes, Entry, Listing, MovedRow, Side } from "./types.ts";

/** The inputs of the decision table. */
export interface PlanInput {
  local: Listing;
  remote: Listing;
  baseline: ReadonlyMap<string, BaselineRow>;
  localChanges: Changes;
  remoteChanges: Changes;
}

/** One of the three maps a rename re-keys. */
export type Where = Side | "baseline";

/** Whether `path` is `root` or lies under it. */
export function within(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

/** The change of one side at one path (the diff's rules, for the paths a rename moved). */
export function changeAt(
  entry: Entry | undefined,
  row: BaselineRow | undefined,
  side: Side,
  isExcluded: ExcludeFn | undefined,
): Change | undefined {
  if (entry === undefined) {
    if (row === undefined || isExcluded?.(row.path, row[side].kind)) return undefined;
    return { kind: "deleted", before: row[side] };
  }
  if (row === undefined) return { kind: "created", after: entry };
  return entryChanged(row[side], entry)
    ? { kind: "modified", before: row[side], after: entry }
    : undefined;
}

function addChild(index: Map<string, Set<string>>, path: string): void {
  const parent = parentOf(path);
  const children = index.get(parent);
  if (children === undefined) index.set(parent, new Set([path]));
  else children.add(path);
}

/** Options of {@linkcode Rekeying.move}. */
export interface MoveOptions {
  /** Keys left where they are (the section's Exclude: rows a listing never shows). */
  skip?: ((path: string, kind: "file" | "dir") => boolean) | undefined;
  /** Told about each key moved. */
  onMoved?: (path: string, next: string) => void;
}

/** Copies of the inputs that renames re-key; see the module doc. */
export class Rekeying {
  readonly local: Map<string, Entry>;
  readonly remote: Map<string, Entry>;
  readonly baseline: Map<string, BaselineRow>;
  readonly localChanges: Map<string, Change>;
  readonly remoteChanges: Map<string, Change>;
  readonly #isExcluded: ExcludeFn | undefined;
  #touched = new Set<string>();
  /**
   * Per map, the keys under each parent path, built when a tree is first asked of it: a tree is
   * then found in the time of its size, not the map's (many directories moved at once).
   */
  #children = new Map<Where, Map<string, Set<string>>>();

  constructor(input: PlanInput, isExcluded: ExcludeFn | undefined) {
    this.local = new Map(input.local);
    this.remote = new Map(input.remote);
    this.baseline = new Map(input.baseline);
    this.localChanges = new Map(input.localChanges);
    this.remoteChanges = new Map(input.remoteChanges);
    this.#isExcluded = isExcluded;
  }

  /** One of the maps. */
  map(where: Where): Map<string, Entry | BaselineRow> {
    return where === "baseline" ? this.baseline : this[where];
  }

  /** A side's changes. */
  changes(side: Side): Map<string, Change> {
    return side === "local" ? this.localChanges : this.remoteChanges;
  }

  /** The keys at or under `root` in one map (a file has none under it), in code-point order. */
  treeOf(where: Where, root: string): string[] {
    const map = this.map(where);
    if (map.get(root)?.kind === "file") return [root];
    const index = this.#childIndex(where);
    const tree = map.has(root) ? [root] : [];
    const pending = [root];
    for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
      for (const child of index.get(dir) ?? []) {
        tree.push(child);
        pending.push(child);
      }
    }
    return tree.sort(cmp);
  }

  #childIndex(where: Where): Map<string, Set<string>> {
    let index = this.#children.get(where);
    if (index === undefined) {
      index = new Map();
      for (const path of this.map(where).keys()) addChild(index, path);
      this.#children.set(where, index);
    }
    return index;
  }

  #set(where: Where, path: string, value: Entry | BaselineRow): void {
    this.map(where).set(path, value);
    const index = this.#children.get(where);
    if (index !== undefined) addChild(index, path);
  }

  #delete(where: Where, path: string): void {
    this.map(where).delete(path);
    this.#children.get(where)?.get(parentOf(path))?.delete(path);
  }

  /** Moves a tree from `from` to `to` in one map; returns the baseline rows moved. */
  move(where: Where, from: string, to: string, options: MoveOptions = {}): MovedRow[] {
    const map = this.map(where);
    const moved: MovedRow[] = [];
    for (const path of this.treeOf(where, from)) {
      const value = map.get(path)!;
      if (options.skip?.(path, value.kind)) continue;
      const next = to + path.slice(from.length);
      this.#delete(where, path);
      this.#touched.add(path).add(next);
      options.onMoved?.(path, next);
      if (where === "baseline") {
        const row = value as BaselineRow;
        const rekeyed: BaselineRow = {
          path: next,
          kind: row.kind,
          local: { ...row.local, path: next },
          remote: { ...row.remote, path: next },
        };
        this.#set(where, next, rekeyed);
        moved.push({ from: path, row: rekeyed });
      } else {
        this.#set(where, next, { ...(value as Entry), path: next });
      }
    }
    return moved;
  }

  /** Takes a tree out of one map: it is neither synced nor deleted there. */
  drop(where: Where, root: string, onDropped?: (path: string) => void): void {
    for (const path of this.treeOf(where, root)) {
      this.#delete(where, path);
      this.#touched.add(path);
      onDropped?.(path);
    }
  }

  /** The inputs as re-keyed so far (call {@linkcode refresh} first). */
  input(): PlanInput {
    return {
      local: this.local,
      remote: this.remote,
      baseline: this.baseline,
      localChanges: this.localChanges,
      remoteChanges: this.remoteChanges,
    };
  }

  /** Computes the changes of the paths touched since the last call again. */
  refresh(): void {
    for (const path of this.#touched) {
      for (const side of ["local", "remote"] as const) {
        const change = changeAt(
          this[side].get(path),
          this.baseline.get(path),
          side,
          this.#isExcluded,
        );
        if (change === undefined) this.changes(side).delete(path);
        else this.changes(side).set(path, change);
      }
    }
    this.#touched = new Set();
  }
}
