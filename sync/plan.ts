/**
 * The planner (pure): both listings, the baseline and each side's changes in, the actions of a
 * pass out. Implements the decision table of DESIGN.md §3, then Direction, then the directory
 * rules (made before their content, deleted only when nothing stays in them).
 * @module
 */
import { conflictName, isConflictName } from "./conflict_name.ts";
import { DAY_MS, diffSide, sameMtime } from "./diff.ts";
import type { ExcludeFn } from "./exclude.ts";
import { checkRelativePath } from "./names.ts";
import type { Action, Baseline, Change, Changes, Entry, Listing, Plan, Side } from "./types.ts";

/** Which way changes flow (the same values as the config's `Direction`). */
export type Direction = "both" | "upload" | "download";

/** Both sides' listings of one pass. */
export interface Listings {
  local: Listing;
  remote: Listing;
}

/** Options of {@linkcode plan}. */
export interface PlanOptions {
  /** `upload` never writes the local side, `download` never the remote one. */
  direction: Direction;
  /** The time of the pass (read once): it names conflict copies. */
  now: Date;
  /** The local side's changes since the baseline. @default {diffSide(local listing)} */
  localChanges?: Changes;
  /** The remote side's changes since the baseline. @default {diffSide(remote listing)} */
  remoteChanges?: Changes;
  /** The section's Exclude, applied to baseline rows when the changes are computed here. */
  isExcluded?: ExcludeFn;
}

/** A side's state for one path: absent (never synced, not there), unchanged, changed, deleted. */
type SideState = "absent" | "unchanged" | "changed" | "deleted";

const OTHER: Record<Side, Side> = { local: "remote", remote: "local" };

function stateOf(change: Change | undefined, entry: Entry | undefined): SideState {
  if (change === undefined) return entry === undefined ? "absent" : "unchanged";
  return change.kind === "deleted" ? "deleted" : "changed";
}

function depth(path: string): number {
  let n = 0;
  for (const c of path) if (c === "/") n++;
  return n;
}

/** Every proper ancestor of a relative path, shallowest first (`a/b/c` -> `a`, `a/b`). */
function ancestors(path: string): string[] {
  const parts = path.split("/");
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

/** Where an action leaves an entry: the paths it creates on each side. */
function createdPaths(action: Action): Array<[Side, string]> {
  switch (action.type) {
    case "upload":
    case "mkdirRemote":
      return [["remote", action.path]];
    case "download":
    case "mkdirLocal":
      return [["local", action.path]];
    case "keepBoth": {
      const sides: Side[] = action.onlySide === undefined ? ["local", "remote"] : [action.onlySide];
      return sides.flatMap((side) => [[side, action.path], [side, action.loserPath]]);
    }
    default:
      return [];
  }
}

/** The side an action writes, for the Direction filter ("both" for keepBoth). */
function writtenSide(action: Action): Side | "both" | "none" {
  switch (action.type) {
    case "upload":
    case "mkdirRemote":
    case "deleteRemote":
      return "remote";
    case "download":
    case "mkdirLocal":
    case "deleteLocal":
      return "local";
    case "keepBoth":
      return "both";
    default:
      return "none";
  }
}

const PHASE: Record<Action["type"], number> = {
  mkdirLocal: 0,
  mkdirRemote: 0,
  upload: 1,
  download: 1,
  keepBoth: 1,
  adopt: 1,
  forget: 1,
  deleteLocal: 2,
  deleteRemote: 2,
};

/** Mkdirs shallow first, then transfers and baseline-only actions, then deletions deepest first. */
function compareActions(a: Action, b: Action): number {
  const phase = PHASE[a.type] - PHASE[b.type];
  if (phase !== 0) return phase;
  if (PHASE[a.type] === 0) return depth(a.path) - depth(b.path) || cmp(a.path, b.path);
  if (PHASE[a.type] === 2) return depth(b.path) - depth(a.path) || cmp(a.path, b.path);
  return cmp(a.path, b.path);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Plans one pass (pure). Decisions the design left open, settled here:
 * - Conflict winner: the newer mtime; equal mtimes: local wins.
 * - A conflict copy (see `isConflictName`) changed on both sides is not put in conflict again:
 *   the remote version keeps the name and the local one goes to the trash (a download), so
 *   nothing is lost and no copy of a copy appears. With Direction=upload it is left alone.
 * - A kind clash (a file on one side, a directory on the other): the directory wins, the file
 *   becomes a conflict copy on both sides; what is inside the directory waits for the next pass.
 * - Direction=upload: downloads, local mkdirs and local deletions are skipped; a conflict keeps
 *   the local version under the name and the remote one as a conflict copy on the remote only
 *   (`onlySide`). Direction=download is the mirror image.
 * - A directory is deleted on a side only when nothing stays in it there; otherwise the
 *   deletion is dropped and, where a file is copied into it, it is made on the other side.
 * - A path that cannot be written on the server (control characters...) is skipped for the
 *   remote side with a reason.
 */
export function plan(listings: Listings, baseline: Baseline, options: PlanOptions): Plan {
  const { local, remote } = listings;
  const { direction, now } = options;
  const exclude = options.isExcluded === undefined ? {} : { isExcluded: options.isExcluded };
  const localChanges = options.localChanges ??
    diffSide(local, baseline, { side: "local", ...exclude });
  const remoteChanges = options.remoteChanges ??
    diffSide(remote, baseline, { side: "remote", ...exclude });
  const listing: Record<Side, Listing> = { local, remote };

  const actions: Action[] = [];
  const skipped: Array<{ path: string; reason: string }> = [];
  const takenNames = new Set<string>();

  const withEntries = (path: string): { path: string; local?: Entry; remote?: Entry } => {
    const out: { path: string; local?: Entry; remote?: Entry } = { path };
    const l = local.get(path);
    const r = remote.get(path);
    if (l !== undefined) out.local = l;
    if (r !== undefined) out.remote = r;
    return out;
  };

  const freeConflictName = (path: string, side: Side): string => {
    for (let counter = 1;; counter++) {
      const candidate = conflictName(path, side, { now, counter });
      if (
        !local.has(candidate) && !remote.has(candidate) && !baseline.has(candidate) &&
        !takenNames.has(candidate)
      ) {
        takenNames.add(candidate);
        return candidate;
      }
    }
  };

  // Kind clashes first: their paths are resolved alone, their content waits for the next pass.
  const clashes: string[] = [];
  for (const [path, l] of local) {
    const r = remote.get(path);
    if (r === undefined || r.kind === l.kind) continue;
    if (options.isExcluded?.(path, l.kind) || options.isExcluded?.(path, r.kind)) continue;
    clashes.push(path);
  }
  const clashSet = new Set(clashes);
  const underClash = (path: string): string | undefined =>
    ancestors(path).find((a) => clashSet.has(a));

  for (const path of clashes) {
    const l = local.get(path)!;
    const winner: Side = l.kind === "dir" ? "local" : "remote";
    const loser = OTHER[winner];
    actions.push({
      type: "keepBoth",
      ...withEntries(path),
      winner,
      loserPath: freeConflictName(path, loser),
      reason: `a file on the ${loser} side and a directory on the ${winner} side: ` +
        `the directory keeps the name, the file becomes a conflict copy`,
    });
  }

  const paths = new Set<string>([...localChanges.keys(), ...remoteChanges.keys()]);
  for (const path of [...paths].sort()) {
    if (clashSet.has(path)) continue;
    const clash = underClash(path);
    if (clash !== undefined) {
      skipped.push({ path, reason: `waits for the kind clash at "${clash}" to be resolved` });
      continue;
    }
    const action = decide(path);
    if (action !== undefined) actions.push(action);
  }

  function decide(path: string): Action | undefined {
    const l = local.get(path);
    const r = remote.get(path);
    const ls = stateOf(localChanges.get(path), l);
    const rs = stateOf(remoteChanges.get(path), r);
    const entries = withEntries(path);
    const lChanged = ls === "changed";
    const rChanged = rs === "changed";

    if (ls === "deleted" && rs === "deleted") {
      return { type: "forget", ...entries, reason: "deleted on both sides" };
    }
    if (lChanged && rChanged) return bothChanged(path, l!, r!);
    if (rChanged) {
      // local: unchanged, absent or deleted; a change beats a delete.
      const why = ls === "deleted"
        ? "changed on the remote side, deleted locally: a change beats a delete"
        : ls === "absent"
        ? "only on the remote side"
        : "changed on the remote side only";
      if (r!.kind === "dir") {
        return l === undefined
          ? { type: "mkdirLocal", ...entries, reason: `directory ${why}` }
          : { type: "adopt", ...entries, reason: "directory on both sides" };
      }
      return { type: "download", ...entries, reason: why };
    }
    if (lChanged) {
      const why = rs === "deleted"
        ? "changed locally, deleted on the remote side: a change beats a delete"
        : rs === "absent"
        ? "only on the local side"
        : "changed locally only";
      if (l!.kind === "dir") {
        return r === undefined
          ? { type: "mkdirRemote", ...entries, reason: `directory ${why}` }
          : { type: "adopt", ...entries, reason: "directory on both sides" };
      }
      return { type: "upload", ...entries, reason: why };
    }
    if (rs === "deleted" && l !== undefined) {
      return {
        type: "deleteLocal",
        kind: l.kind,
        ...entries,
        reason: "deleted on the remote side, unchanged locally (to the trash)",
      };
    }
    if (ls === "deleted" && r !== undefined) {
      return {
        type: "deleteRemote",
        kind: r.kind,
        ...entries,
        reason: "deleted locally, unchanged on the remote side",
      };
    }
    return undefined;
  }

  function bothChanged(path: string, l: Entry, r: Entry): Action {
    const entries = withEntries(path);
    if (l.kind === "dir") return { type: "adopt", ...entries, reason: "directory on both sides" };
    // Comparing local with remote times is allowed here only as an equality test: our uploads
    // set the remote mtime to the local one. No day tolerance across sides (a false "equal"
    // could later lose a version; a false conflict only keeps one more copy).
    const timesKnown = Math.max(l.mtimePrecisionMs, r.mtimePrecisionMs) <= DAY_MS;
    if (l.size === r.size && timesKnown && sameMtime(l, r, { tolerance: false })) {
      return {
        type: "adopt",
        ...entries,
        reason: "changed on both sides to the same size and time: known equal",
      };
    }
    if (isConflictName(path)) {
      return {
        type: "download",
        ...entries,
        reason: "a conflict copy changed on both sides: the remote version keeps the name, " +
          "the local one goes to the trash (a conflict copy is never put in conflict again)",
      };
    }
    const winner: Side = r.mtimeMs > l.mtimeMs ? "remote" : "local";
    const loser = OTHER[winner];
    return {
      type: "keepBoth",
      ...entries,
      winner,
      loserPath: freeConflictName(path, loser),
      reason: `changed on both sides and different: the ${winner} version is newer and keeps ` +
        `the name, the ${loser} one becomes a conflict copy`,
    };
  }

  const directed = applyDirection(actions, { direction, skipped });
  const named = refuseBadRemoteNames(directed, skipped);
  const final = fixDirectories(named, { listing, skipped });
  final.sort(compareActions);

  const deletes: Record<Side, number> = { local: 0, remote: 0 };
  let conflicts = 0;
  for (const action of final) {
    if (action.type === "deleteLocal" && action.kind === "file") deletes.local++;
    if (action.type === "deleteRemote" && action.kind === "file") deletes.remote++;
    if (action.type === "keepBoth") conflicts++;
  }
  skipped.sort((a, b) => cmp(a.path, b.path));
  return { actions: final, deletes, conflicts, skipped };
}

/** Drops what Direction forbids and turns conflicts into one-sided ones. */
function applyDirection(
  actions: Action[],
  options: { direction: Direction; skipped: Array<{ path: string; reason: string }> },
): Action[] {
  const { direction, skipped } = options;
  if (direction === "both") return actions;
  const writable: Side = direction === "upload" ? "remote" : "local";
  const out: Action[] = [];
  for (const action of actions) {
    const side = writtenSide(action);
    if (side === "none" || side === writable) {
      out.push(action);
    } else if (action.type === "keepBoth") {
      const fileSide = action.local?.kind === "file" ? "local" : "remote";
      const kindClash = action.local?.kind !== action.remote?.kind;
      if (kindClash && fileSide !== writable) {
        skipped.push({
          path: action.path,
          reason: `Direction=${direction}: a kind clash whose directory is on the ${writable} ` +
            `side is left alone`,
        });
        continue;
      }
      // The writable side takes the other side's version; its own one becomes a conflict copy.
      const winner = kindClash ? OTHER[fileSide] : OTHER[writable];
      out.push({
        ...action,
        winner,
        onlySide: writable,
        reason: `Direction=${direction}: ${
          kindClash ? "the directory" : `the ${winner} version`
        } keeps the name, the ${writable} one becomes a conflict copy on the ${writable} side`,
      });
    } else {
      skipped.push({
        path: action.path,
        reason: `Direction=${direction}: the ${side} side is not written (${action.reason})`,
      });
    }
  }
  return out;
}

/** Skips actions that would write a name the server must not receive (see `names.ts`). */
function refuseBadRemoteNames(
  actions: Action[],
  skipped: Array<{ path: string; reason: string }>,
): Action[] {
  return actions.filter((action) => {
    if (writtenSide(action) === "local" || writtenSide(action) === "none") return true;
    const reason = checkRelativePath(action.path);
    if (reason === undefined) return true;
    skipped.push({ path: action.path, reason: `not written on the server: ${reason}` });
    return false;
  });
}

/**
 * Keeps a directory on a side while anything stays in it there, and makes the directories
 * that transfers need (on the side they write).
 */
function fixDirectories(
  actions: Action[],
  options: { listing: Record<Side, Listing>; skipped: Array<{ path: string; reason: string }> },
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
