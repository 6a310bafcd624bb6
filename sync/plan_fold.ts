/**
 * Names on a Local_dir that folds them (case-insensitive or Unicode-normalising file systems:
 * exFAT, vfat, CIFS, ext4 casefold...), before the decision table (pure). Names that fold to
 * the same local name are one local name:
 * - two or more server names of one local name are never merged and never cause a deletion:
 *   one is synchronised (the local file's name, else one the baseline has, else the first in
 *   code-point order), the others are left alone on the server with a warning on every pass;
 * - a local and a server name that differ only by folding are carried out as a rename: of the
 *   local file when the server renamed it (or when there is no history: the server's name is
 *   kept, since links and pages use it), of the server's when the local one was renamed.
 * The listings, the baseline and the changes come back re-keyed as if the rename were done,
 * so that the decision table then sees one path.
 * @module
 */
import type { ExcludeFn } from "./exclude.ts";
import { cmp, depth, type Skip } from "./plan_order.ts";
import { type PlanInput, Rekeying, type Where } from "./plan_rekey.ts";
import type { BaselineRow, Entry, RenameAction } from "./types.ts";

/** The inputs of the decision table. */
export type FoldInput = PlanInput;

/** The inputs re-keyed, and what folding decided. */
export interface FoldOutcome extends FoldInput {
  renames: RenameAction[];
  warnings: string[];
  skipped: Skip[];
}

/** Options of {@linkcode foldNames}. */
export interface FoldOptions {
  /** How Local_dir folds one name. */
  fold: (name: string) => string;
  isExcluded?: ExcludeFn | undefined;
}

function lastName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "the top directory" : `"${path.slice(0, slash)}"`;
}

/** Re-keys and folds; returns the input itself when no two names fold together. */
export function foldNames(input: FoldInput, options: FoldOptions): FoldOutcome {
  const foldPath = (path: string): string => path.split("/").map(options.fold).join("/");
  const maps: Record<Where, ReadonlyMap<string, Entry | BaselineRow>> = {
    local: input.local,
    remote: input.remote,
    baseline: input.baseline,
  };
  // The folded paths that several names share: the only ones folding acts on. A rename keeps
  // a path's folded form, so this set stays true as renames are applied.
  const firstName = new Map<string, string>();
  const colliding = new Set<string>();
  for (const map of Object.values(maps)) {
    for (const path of map.keys()) {
      const key = foldPath(path);
      const first = firstName.get(key);
      if (first === undefined) firstName.set(key, path);
      else if (first !== path) colliding.add(key);
    }
  }
  if (colliding.size === 0) return { ...input, renames: [], warnings: [], skipped: [] };

  const state = new Rekeying(input, options.isExcluded);
  // Per colliding folded path, the names each map holds for it now.
  const names = new Map<string, Record<Where, Set<string>>>();
  for (const key of colliding) {
    names.set(key, { local: new Set(), remote: new Set(), baseline: new Set() });
  }
  for (const where of ["local", "remote", "baseline"] as const) {
    for (const path of state.map(where).keys()) names.get(foldPath(path))?.[where].add(path);
  }
  const renames: RenameAction[] = [];
  const warnings: string[] = [];
  const skipped: Skip[] = [];

  /**
   * Moves a tree from `from` to `to` in one map; returns the baseline rows moved. Excluded rows
   * stay (the walk never reads those under a directory, so a plan must not depend on them).
   */
  const move = (where: Where, from: string, to: string) =>
    state.move(where, from, to, {
      skip: options.isExcluded,
      onMoved: (path, next) => {
        const set = names.get(foldPath(path))?.[where];
        set?.delete(path);
        set?.add(next);
      },
    });
  /** Takes a tree out of the plan on some sides: it is neither synced nor deleted there. */
  const leaveAlone = (wheres: Where[], root: string, reason: string): void => {
    for (const where of wheres) {
      state.drop(where, root, (path) => names.get(foldPath(path))?.[where].delete(path));
    }
    skipped.push({ path: root, reason });
  };
  const quote = (paths: readonly string[]): string =>
    paths.map((p) => `"${lastName(p)}"`).join(" and ");

  // Shallow first: a directory's names are settled before those of its content.
  for (const key of [...colliding].sort((a, b) => depth(a) - depth(b) || cmp(a, b))) {
    const held = names.get(key)!;
    const local = [...held.local].sort(cmp);
    let remote = [...held.remote].sort(cmp);
    const base = [...held.baseline].sort(cmp);
    if (local.length > 1) {
      // Local_dir holds several of them after all: it does not fold these names. Leave them.
      const all = [...new Set([...local, ...remote, ...base])].sort(cmp);
      const message = `The local names ${quote(all)} in ${dirOf(all[0]!)} were expected to be ` +
        "one name in Local_dir, yet several exist: they are left alone";
      warnings.push(message);
      for (const path of all) leaveAlone(["local", "remote", "baseline"], path, message);
      continue;
    }
    const l = local[0];
    if (remote.length > 1) {
      const chosen = l !== undefined && remote.includes(l)
        ? l
        : remote.find((p) => base.includes(p)) ?? remote[0]!;
      const others = remote.filter((p) => p !== chosen);
      const message = `The server has ${quote(remote)} in ${dirOf(chosen)}, which are one ` +
        `name in Local_dir (it ignores case or normalises names): "${lastName(chosen)}" is ` +
        `synchronised, ${quote(others)} left alone on the server`;
      warnings.push(message);
      for (const path of others) leaveAlone(["remote", "baseline"], path, message);
      remote = [chosen];
    }
    const r = remote[0];
    if (l === undefined || r === undefined || l === r) continue;
    const localEntry = state.local.get(l)!;
    const remoteEntry = state.remote.get(r)!;
    if (base.includes(r) && !base.includes(l)) {
      // Renamed locally: the server follows.
      const rows = move("baseline", r, l);
      move("remote", r, l);
      renames.push({
        type: "renameRemote",
        path: l,
        from: r,
        kind: remoteEntry.kind,
        local: localEntry,
        remote: remoteEntry,
        rows,
        reason: `renamed locally from "${lastName(r)}" (the names differ only by case or ` +
          "normalisation): renamed on the server too",
      });
    } else {
      const renamedOnServer = base.includes(l) && !base.includes(r);
      const rows = renamedOnServer ? move("baseline", l, r) : [];
      move("local", l, r);
      renames.push({
        type: "renameLocal",
        path: r,
        from: l,
        kind: localEntry.kind,
        local: localEntry,
        remote: remoteEntry,
        rows,
        reason: renamedOnServer
          ? `renamed on the server from "${lastName(l)}" (the names differ only by case or ` +
            "normalisation): renamed locally too"
          : `the local name "${lastName(l)}" differs from the server's only by case or ` +
            "normalisation: the server's name is kept",
      });
    }
  }

  state.refresh();
  return { ...state.input(), renames, warnings, skipped };
}
