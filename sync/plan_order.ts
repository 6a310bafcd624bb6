/**
 * The shape of a plan once its decisions are made (pure): which side each action writes, the
 * directories kept while anything stays in them and made where a transfer needs them, and the
 * order of execution (renames, directories shallow first, transfers, deletions deepest first,
 * then what replaces a deleted directory).
 * @module
 */
import type { Action, Entry, Listing, RenameAction, Side } from "./types.ts";

/** A path left alone by the plan, and why. */
export interface Skip {
  path: string;
  reason: string;
}

/** Slashes in a relative path. */
export function depth(path: string): number {
  let n = 0;
  for (const c of path) if (c === "/") n++;
  return n;
}

/** Every proper ancestor of a relative path, shallowest first (`a/b/c` -> `a`, `a/b`). */
export function ancestors(path: string): string[] {
  const parts = path.split("/");
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

/** Code-point order of two strings. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Where an action leaves an entry: the paths it creates on each side. */
function createdPaths(action: Action): Array<[Side, string]> {
  switch (action.type) {
    case "upload":
    case "mkdirRemote":
    case "renameRemote":
      return [["remote", action.path]];
    case "download":
    case "mkdirLocal":
    case "renameLocal":
      return [["local", action.path]];
    case "keepBoth": {
      const sides: Side[] = action.onlySide === undefined ? ["local", "remote"] : [action.onlySide];
      return sides.flatMap((side) => [[side, action.path], [side, action.loserPath]]);
    }
    case "compare":
      return createdPaths(action.ifDifferent);
    default:
      return [];
  }
}

/** The side an action writes, for the Direction filter ("both" for keepBoth and compare). */
export function writtenSide(action: Action): Side | "both" | "none" {
  switch (action.type) {
    case "upload":
    case "mkdirRemote":
    case "deleteRemote":
    case "renameRemote":
      return "remote";
    case "download":
    case "mkdirLocal":
    case "deleteLocal":
    case "renameLocal":
      return "local";
    case "keepBoth":
    case "compare":
      return "both";
    default:
      return "none";
  }
}

/**
 * When an action runs: 0 renames (in the order they were planned, see {@linkcode renameWaves}), 1
 * directories made (shallow first), 2 transfers and baseline-only actions, 3 deletions (deepest
 * first), 4 transfers that replace a directory deleted in phase 3.
 */
export function phaseOf(action: Action): number {
  switch (action.type) {
    case "renameLocal":
    case "renameRemote":
    case "recordMove":
      return 0;
    case "mkdirLocal":
    case "mkdirRemote":
      return 1;
    case "deleteLocal":
    case "deleteRemote":
      return 3;
    case "download":
    case "upload":
      return action.afterDeletions ? 4 : 2;
    default:
      return 2;
  }
}

/**
 * The order of execution (see {@linkcode phaseOf}); renames keep the order they were planned in
 * (a stable sort), other paths are in code-point order within a phase.
 */
export function compareActions(a: Action, b: Action): number {
  const phase = phaseOf(a) - phaseOf(b);
  if (phase !== 0) return phase;
  if (phaseOf(a) === 0) return 0;
  if (phaseOf(a) === 1) return depth(a.path) - depth(b.path) || cmp(a.path, b.path);
  if (phaseOf(a) === 3) return depth(b.path) - depth(a.path) || cmp(a.path, b.path);
  return cmp(a.path, b.path);
}

/**
 * Keeps a directory on a side while anything stays in it there, and makes the directories
 * that transfers need (on the side they write).
 */
export function fixDirectories(
  actions: Action[],
  options: { listing: Record<Side, Listing>; skipped: Skip[] },
): Action[] {
  const { listing, skipped } = options;
  const deleted: Record<Side, Set<string>> = { local: new Set(), remote: new Set() };
  const created: Array<[Side, string]> = [];
  for (const action of actions) {
    if (action.type === "deleteLocal") deleted.local.add(action.path);
    if (action.type === "deleteRemote") deleted.remote.add(action.path);
    created.push(...createdPaths(action));
  }
  // A directory is occupied on a side when something stays or arrives under it there.
  const occupied: Record<Side, Set<string>> = { local: new Set(), remote: new Set() };
  for (const side of ["local", "remote"] as const) {
    for (const path of listing[side].keys()) {
      if (deleted[side].has(path)) continue;
      for (const a of ancestors(path)) occupied[side].add(a);
    }
  }
  for (const [side, path] of created) for (const a of ancestors(path)) occupied[side].add(a);

  const out: Action[] = [];
  for (const action of actions) {
    if (
      (action.type === "deleteLocal" || action.type === "deleteRemote") &&
      action.kind === "dir"
    ) {
      const side: Side = action.type === "deleteLocal" ? "local" : "remote";
      if (occupied[side].has(action.path)) {
        skipped.push({
          path: action.path,
          reason: `directory not deleted on the ${side} side: something in it stays (a change ` +
            `beats a delete)`,
        });
        continue;
      }
    }
    out.push(action);
  }

  // Parents that a creation needs and that are neither listed nor made by the plan.
  const made: Record<Side, Set<string>> = { local: new Set(), remote: new Set() };
  for (const action of out) {
    if (action.type === "mkdirLocal") made.local.add(action.path);
    if (action.type === "mkdirRemote") made.remote.add(action.path);
  }
  for (const [side, path] of created) {
    for (const a of ancestors(path)) {
      if (listing[side].get(a)?.kind === "dir" || made[side].has(a)) continue;
      made[side].add(a);
      const entry: { path: string; local?: Entry; remote?: Entry } = { path: a };
      const l = listing.local.get(a);
      const r = listing.remote.get(a);
      if (l !== undefined) entry.local = l;
      if (r !== undefined) entry.remote = r;
      out.push({
        type: side === "local" ? "mkdirLocal" : "mkdirRemote",
        ...entry,
        reason: `directory needed on the ${side} side for "${path}"`,
      });
    }
  }
  // A parent made here replaces that path's own deletion on the other side, if any.
  return out.filter((action) => {
    if (action.type === "deleteRemote" && made.local.has(action.path)) return false;
    if (action.type === "deleteLocal" && made.remote.has(action.path)) return false;
    return true;
  });
}

/** A path and its proper ancestors. */
function selfAndAncestors(path: string): string[] {
  return [...ancestors(path), path];
}

/**
 * The renames of a plan (in the order they were planned) in waves that run one after the other,
 * the renames of one wave at once. The planner decides each rename as if those planned before it
 * were done: a rename whose source or destination is at, above or under another's source or
 * destination runs after it; renames of unrelated trees share a wave.
 */
export function renameWaves(renames: readonly RenameAction[]): RenameAction[][] {
  // Per path: the renames planned so far with it as source or destination (exact), and those
  // with a source or destination under or at it.
  const at = new Map<string, number[]>();
  const under = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, key: string, i: number): void => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [i]);
    else list.push(i);
  };
  const waves: RenameAction[][] = [];
  const waveOf: number[] = [];
  renames.forEach((rename, i) => {
    let wave = 0;
    const after = (j: number): void => {
      wave = Math.max(wave, waveOf[j]! + 1);
    };
    for (const path of new Set([rename.from, rename.path])) {
      for (const a of selfAndAncestors(path)) for (const j of at.get(a) ?? []) after(j);
      for (const j of under.get(path) ?? []) after(j);
    }
    for (const path of new Set([rename.from, rename.path])) {
      add(at, path, i);
      for (const a of selfAndAncestors(path)) add(under, a, i);
    }
    waveOf.push(wave);
    (waves[wave] ??= []).push(rename);
  });
  return waves;
}
