/**
 * The planner (pure): both listings, the baseline and each side's changes in, the actions of a
 * pass out. Implements the decision table of docs/design.md: names folded by Local_dir first
 * (`plan_fold.ts`), then moves carried as renames (`plan_moves.ts`), then kind changes and
 * clashes, then one decision per changed path, then Direction (`plan_direction.ts`) and the
 * directory rules and order (`plan_order.ts`).
 *
 * Sparse inputs: the listings and the baseline may hold only the directories, the changed paths
 * (with both entries and their row), the conflict-copy names and the names that fold together;
 * no rule here reads the entry of an unchanged file that is not one of those.
 * @module
 */
import { conflictName, isConflictName } from "./conflict_name.ts";
import { diffSide, sameMtime } from "./diff.ts";
import type { ExcludeFn } from "./exclude.ts";
import { heldWhileGrowing } from "./growing_file.ts";
import { isOurUpload } from "./in_flight.ts";
import { applyDirection, type Direction, refuseBadRemoteNames } from "./plan_direction.ts";
import { type FoldInput, foldNames } from "./plan_fold.ts";
import { detectMoves } from "./plan_moves.ts";
import type { RemoteSettled } from "./plan_move_pairs.ts";
import { ancestors, cmp, compareActions, fixDirectories, type Skip } from "./plan_order.ts";
import type {
  Action,
  Baseline,
  Change,
  Changes,
  DownloadAction,
  Entry,
  KeepBothAction,
  Listing,
  Plan,
  Side,
} from "./types.ts";

export type { Direction } from "./plan_direction.ts";

/** Both sides' listings of one pass. */
export interface Listings {
  local: Listing;
  remote: Listing;
}

/** Options of {@linkcode plan}. */
export interface PlanOptions {
  /** `upload` never writes the local side, `download` never the remote one. */
  direction: Direction;
  /** The time of the pass (read once): it names conflict copies and dates growing files. */
  now: Date;
  /** The local side's changes since the baseline. @default {diffSide(local listing)} */
  localChanges?: Changes;
  /** The remote side's changes since the baseline. @default {diffSide(remote listing)} */
  remoteChanges?: Changes;
  /** The section's Exclude, applied to baseline rows when the changes are computed here. */
  isExcluded?: ExcludeFn;
  /**
   * How Local_dir folds a name: lower-casing on a case-insensitive file system, Unicode
   * normalisation on a normalising one (the probe of Local_dir tells). @default {identity}
   */
  foldLocalName?: (name: string) => string;
  /**
   * Whether a vanished remote file's exact time identifies it (observed after its second had
   * ended, `settledAt`): only then is it recognised as moved by its size and time alone.
   * @default {every file's does}
   */
  remoteSettled?: RemoteSettled;
}

/** A side's state for one path: absent (never synced, not there), unchanged, changed, deleted. */
type SideState = "absent" | "unchanged" | "changed" | "deleted";

const OTHER: Record<Side, Side> = { local: "remote", remote: "local" };

function stateOf(change: Change | undefined, entry: Entry | undefined): SideState {
  if (change === undefined) return entry === undefined ? "absent" : "unchanged";
  return change.kind === "deleted" ? "deleted" : "changed";
}

/** The directories with a change somewhere under them. */
function dirsWithChanges(changes: Changes): Set<string> {
  const dirs = new Set<string>();
  for (const path of changes.keys()) for (const a of ancestors(path)) dirs.add(a);
  return dirs;
}

/**
 * Plans one pass (pure). Decisions the design left open, settled here:
 * - Conflict winner: the newer mtime; equal mtimes: local wins.
 * - Equal bytes are never a conflict: a file on both sides with the same size, changed on both
 *   sides (or with no baseline), is adopted at once only when both times are exact (1 s) and
 *   equal; otherwise its contents are compared (`compare`), and only different ones conflict.
 * - A conflict copy (see `isConflictName`) changed on both sides is not put in conflict again:
 *   the remote version keeps the name and the local one goes to the trash (a download), so
 *   nothing is lost and no copy of a copy appears. With Direction=upload it is left alone.
 * - A change of kind (file <-> directory) on one side only wins like any one-sided change: the
 *   other side's directory goes (its files to the trash locally), or its file makes way for
 *   the directory. A kind clash changed on both sides (or with no baseline): the directory
 *   wins, the file becomes a conflict copy on both sides; what is inside the directory waits
 *   for the next pass.
 * - An upload over, or a deletion of, a remote file carries the baseline's remote version,
 *   which the executor proves the server still holds (`proveRemote`).
 * - A file whose last upload was a snapshot (it grew during its upload) waits until it settles
 *   or an hour has passed (`growing_file.ts`); a direct upload recorded in flight is sent again,
 *   whatever part of it the server holds (`in_flight.ts`).
 * - Direction=upload: downloads, local mkdirs and local deletions are skipped; a conflict keeps
 *   the local version under the name and the remote one as a conflict copy on the remote only
 *   (`onlySide`). Direction=download is the mirror image.
 * - A directory is deleted on a side only when nothing stays in it there; otherwise the
 *   deletion is dropped and, where a file is copied into it, it is made on the other side.
 * - A path that cannot be written on the server (control characters...) is skipped for the
 *   remote side with a reason.
 */
export function plan(listings: Listings, baseline: Baseline, options: PlanOptions): Plan {
  const { direction, now } = options;
  const exclude = options.isExcluded === undefined ? {} : { isExcluded: options.isExcluded };
  let input: FoldInput = {
    local: listings.local,
    remote: listings.remote,
    baseline,
    localChanges: options.localChanges ??
      diffSide(listings.local, baseline, { side: "local", ...exclude }),
    remoteChanges: options.remoteChanges ??
      diffSide(listings.remote, baseline, { side: "remote", ...exclude }),
  };
  const actions: Action[] = [];
  const skipped: Skip[] = [];
  const warnings: string[] = [];
  if (options.foldLocalName !== undefined) {
    const folded = foldNames(input, { fold: options.foldLocalName, ...exclude });
    input = folded;
    actions.push(...folded.renames);
    skipped.push(...folded.skipped);
    warnings.push(...folded.warnings);
  }
  const moved = detectMoves(input, {
    direction,
    isExcluded: options.isExcluded,
    remoteSettled: options.remoteSettled,
  });
  input = moved;
  actions.push(...moved.renames);
  const { local, remote, localChanges, remoteChanges } = input;
  const base = input.baseline;
  const listing: Record<Side, Listing> = { local, remote };
  const changes: Record<Side, Changes> = { local: localChanges, remote: remoteChanges };
  const changedUnder: Record<Side, Set<string>> = {
    local: dirsWithChanges(localChanges),
    remote: dirsWithChanges(remoteChanges),
  };
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
        !local.has(candidate) && !remote.has(candidate) && !base.has(candidate) &&
        !takenNames.has(candidate)
      ) {
        takenNames.add(candidate);
        return candidate;
      }
    }
  };

  /** The side whose kind alone changed at `path` (the other unchanged, in and under it). */
  const kindChangedOnOneSide = (path: string): Side | undefined => {
    if (!base.has(path)) return undefined;
    const still = (side: Side): boolean =>
      !changes[side].has(path) && !changedUnder[side].has(path);
    if (still("local") && !still("remote")) return "remote";
    if (still("remote") && !still("local")) return "local";
    return undefined;
  };

  // Kind differences first: a change of kind on one side wins; a clash is resolved alone and
  // its content waits for the next pass.
  const clashes: string[] = [];
  const handled = new Set<string>();
  for (const [path, l] of local) {
    const r = remote.get(path);
    if (r === undefined || r.kind === l.kind) continue;
    if (options.isExcluded?.(path, l.kind) || options.isExcluded?.(path, r.kind)) continue;
    handled.add(path);
    const changed = kindChangedOnOneSide(path);
    if (changed === undefined) clashes.push(path);
    else actions.push(...kindChange(path, changed));
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
    if (handled.has(path)) continue;
    const clash = underClash(path);
    if (clash !== undefined) {
      skipped.push({ path, reason: `waits for the kind clash at "${clash}" to be resolved` });
      continue;
    }
    const action = decide(path);
    if (action !== undefined) actions.push(action);
  }

  /** A change of kind on the `changed` side only: that side wins. */
  function kindChange(path: string, changed: Side): Action[] {
    const other = OTHER[changed];
    const entries = withEntries(path);
    const row = base.get(path)!;
    const trash = other === "local" ? " (its files to the trash)" : "";
    if (listing[changed].get(path)!.kind === "file") {
      return [
        {
          type: other === "local" ? "deleteLocal" : "deleteRemote",
          kind: "dir",
          ...entries,
          reason: `replaced by a file on the ${changed} side only: the directory goes on the ` +
            `${other} side${trash}`,
        },
        {
          type: changed === "remote" ? "download" : "upload",
          afterDeletions: true,
          ...entries,
          reason: `a file replaced the directory on the ${changed} side only: the changed side ` +
            "wins",
        },
      ];
    }
    return [{
      type: other === "local" ? "mkdirLocal" : "mkdirRemote",
      replaceFile: true,
      ...entries,
      ...(other === "remote" ? { proveRemote: row.remote } : {}),
      reason: `a directory replaced the file on the ${changed} side only: the changed side ` +
        `wins, the ${other} file ${other === "local" ? "goes to the trash" : "is deleted"}`,
    }];
  }

  function decide(path: string): Action | undefined {
    const l = local.get(path);
    const r = remote.get(path);
    const row = base.get(path);
    const ls = stateOf(localChanges.get(path), l);
    let rs = stateOf(remoteChanges.get(path), r);
    // What a direct upload left at its final name is ours: it is sent again, not downloaded.
    if (rs === "changed" && row !== undefined && isOurUpload(row.remote, r!)) rs = "unchanged";
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
      const held = row === undefined ? undefined : heldWhileGrowing(row.local, l!, now.getTime());
      if (held !== undefined) {
        skipped.push({ path, reason: held });
        return undefined;
      }
      return {
        type: "upload",
        ...entries,
        ...(rs === "unchanged" && row !== undefined ? { proveRemote: row.remote } : {}),
        reason: why,
      };
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
        ...(r.kind === "file" && row !== undefined ? { proveRemote: row.remote } : {}),
        reason: "deleted locally, unchanged on the remote side",
      };
    }
    return undefined;
  }

  function bothChanged(path: string, l: Entry, r: Entry): Action {
    const entries = withEntries(path);
    if (l.kind === "dir") return { type: "adopt", ...entries, reason: "directory on both sides" };
    // Local and remote times are compared only as an equality test, and only when both are
    // exact: our uploads set the remote mtime to the local one, our downloads the reverse.
    const exact = l.mtimePrecisionMs <= 1000 && r.mtimePrecisionMs <= 1000;
    if (l.size === r.size && exact && sameMtime(l, r, { tolerance: false })) {
      return {
        type: "adopt",
        ...entries,
        reason: "the same size and the same exact time on both sides: known equal",
      };
    }
    let ifDifferent: KeepBothAction | DownloadAction;
    if (isConflictName(path)) {
      ifDifferent = {
        type: "download",
        ...entries,
        reason: "a conflict copy changed on both sides: the remote version keeps the name, " +
          "the local one goes to the trash (a conflict copy is never put in conflict again)",
      };
    } else {
      const winner: Side = r.mtimeMs > l.mtimeMs ? "remote" : "local";
      const loser = OTHER[winner];
      ifDifferent = {
        type: "keepBoth",
        ...entries,
        winner,
        loserPath: freeConflictName(path, loser),
        reason: `changed on both sides and different: the ${winner} version is newer and ` +
          `keeps the name, the ${loser} one becomes a conflict copy`,
      };
    }
    if (l.size !== r.size) return ifDifferent;
    return {
      type: "compare",
      ...entries,
      ifDifferent,
      reason: "the same size on both sides with different or inexact times: the contents are " +
        "compared, equal ones adopted",
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
  return { actions: final, deletes, conflicts, skipped, warnings };
}
