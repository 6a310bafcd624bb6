/**
 * Moves and renames, recognised before the decision table (pure; issue 16). A path that vanished
 * on one side and a path that appeared on the same side as the same file or tree is a move:
 * - locally, the same device and inode (a rename keeps them) and, for a file, the same size and
 *   mtime; a directory needs one of its files found under the new name with its own inode (a
 *   witness), unless it held none: an inode number reused by a new directory is not a move;
 * - on the server, which has no inode, a file of the same size and the same exact time (1 s, MLSD
 *   or MDTM) and, where both carry MLSD's `unique` fact, the same one; a directory whose files
 *   are found under the new name at the same relative paths (at least half of them) by those
 *   rules;
 * - a vanished path is also one whose name now holds another file or directory (moved away, then
 *   a new one made under the old name);
 * - several equal candidates are no move (each vanished path pairs with exactly one appeared path
 *   and the reverse).
 * A move is carried out as a rename on the other side (`renameRemote`, `renameLocal`) with its
 * baseline rows, a directory as one rename; the same move made on both sides is recorded
 * (`recordMove`). It is not a move (the decision table then sees a deletion and a creation) when
 * Direction forbids writing the other side, the other side no longer holds the source as the same
 * kind, already holds the destination, holds a file where the destination needs a directory, or
 * moved the source elsewhere (both names are then kept, one copy each).
 *
 * The listings, the baseline and the changes come back re-keyed as if the renames were done, so
 * that what else changed (a file modified on the other side, one added in a moved directory)
 * is decided at the new path. Moves inside a moved tree are found in a further round, once the
 * outer move is applied. Only changed paths, directories and baseline rows of directories are
 * read (the walk's sparse rule).
 * @module
 */
import { checkRelativePath } from "./names.ts";
import type { ExcludeFn } from "./exclude.ts";
import type { Direction } from "./plan_direction.ts";
import { localMoves, type Move, remoteMoves, type RemoteSettled } from "./plan_move_pairs.ts";
import { ancestors, cmp, depth } from "./plan_order.ts";
import { type PlanInput, Rekeying, within } from "./plan_rekey.ts";
import type { Entry, RenameAction, Side } from "./types.ts";

/** Options of {@linkcode detectMoves}. */
export interface MovesOptions {
  /** A move is carried out only where Direction lets the other side be written. */
  direction: Direction;
  /** Excluded baseline rows stay where they are (a listing never shows them). */
  isExcluded?: ExcludeFn | undefined;
  /** Whether a vanished remote file's time identifies it. @default {every file's does} */
  remoteSettled?: RemoteSettled | undefined;
}

/** The inputs re-keyed, and the renames that carry the moves out. */
export interface MovesOutcome extends PlanInput {
  renames: RenameAction[];
}

const OTHER: Record<Side, Side> = { local: "remote", remote: "local" };
/** Rounds of detection at most (each applies the outermost moves found). */
const MAX_ROUNDS = 16;

/** Why a move seen on one side cannot be carried out on the other, or undefined. */
function refusal(state: Rekeying, move: Move, direction: Direction): string | undefined {
  const other = OTHER[move.side];
  if (direction !== "both" && (direction === "upload") !== (other === "remote")) {
    return "Direction";
  }
  if (within(move.to, move.from)) return "into itself";
  if (state[other].get(move.from)?.kind !== move.kind) return "source gone on the other side";
  if (state[other].has(move.to) || state.baseline.has(move.to)) return "destination taken";
  for (const a of ancestors(move.to)) {
    if (state[other].get(a)?.kind === "file" || state.baseline.get(a)?.kind === "file") {
      return "a file where the destination needs a directory";
    }
  }
  if (other === "remote" && checkRelativePath(move.to) !== undefined) return "refused name";
  return undefined;
}

/** The reason given for a rename. */
function reasonOf(move: Move): string {
  const from = JSON.stringify(move.from);
  if (move.side === "local") {
    return `moved locally from ${from} (the same ${
      move.kind === "dir" ? "directory" : "file"
    }: device and inode${move.kind === "dir" ? "" : ", size and time"}): renamed on the server too`;
  }
  return `moved on the server from ${from} (${
    move.kind === "dir" ? "its files found there" : "the same file"
  } by size and exact time): renamed here too`;
}

/**
 * Recognises moves (see the module doc); returns the input itself when no side has both a
 * vanished and an appeared path.
 */
export function detectMoves(input: PlanInput, options: MovesOptions): MovesOutcome {
  const possible = (changes: PlanInput["localChanges"]): boolean => {
    let created = false;
    let other = false;
    for (const change of changes.values()) {
      if (change.kind === "created") created = true;
      else other = true;
      if (created && other) return true;
    }
    return false;
  };
  if (!possible(input.localChanges) && !possible(input.remoteChanges)) {
    return { ...input, renames: [] };
  }
  const state = new Rekeying(input, options.isExcluded);
  const skip = options.isExcluded;
  const settled = options.remoteSettled ?? (() => true);
  const renames: RenameAction[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const moves = [...localMoves(state), ...remoteMoves(state, settled)].sort((a, b) =>
      depth(a.from) - depth(b.from) || cmp(a.from, b.from) || cmp(a.side, b.side)
    );
    const bySource: Record<Side, Map<string, Move>> = { local: new Map(), remote: new Map() };
    for (const move of moves) bySource[move.side].set(move.from, move);
    // The trees this round has re-keyed: a move that touches one waits for the next round.
    const claimed = new Set<string>();
    const aboveClaimed = new Set<string>();
    const overlaps = (path: string): boolean =>
      aboveClaimed.has(path) || ancestors(path).some((a) => claimed.has(a));
    const claim = (...paths: string[]): void => {
      for (const path of paths) {
        claimed.add(path);
        aboveClaimed.add(path);
        for (const a of ancestors(path)) aboveClaimed.add(a);
      }
    };
    const seen = new Set<Move>();
    let applied = 0;
    for (const move of moves) {
      if (seen.has(move)) continue;
      const twin = bySource[OTHER[move.side]].get(move.from);
      if (twin !== undefined) seen.add(twin);
      if ([move.from, move.to, twin?.to].some((p) => p !== undefined && overlaps(p))) continue;
      if (twin !== undefined) {
        // Moved on both sides: to one name, only the baseline follows; to two names, both are
        // kept as they are (one copy each) by the decision table.
        if (twin.to !== move.to || twin.kind !== move.kind || state.baseline.has(move.to)) {
          continue;
        }
        const rows = state.move("baseline", move.from, move.to, { skip });
        renames.push({
          type: "recordMove",
          path: move.to,
          from: move.from,
          kind: move.kind,
          ...entriesAt(state, move.to, move.to),
          rows,
          reason: `moved from ${JSON.stringify(move.from)} to the same name on both sides: ` +
            "only the baseline follows",
        });
        claim(move.from, move.to);
        applied++;
        continue;
      }
      if (refusal(state, move, options.direction) !== undefined) continue;
      const other = OTHER[move.side];
      const entries = move.side === "local"
        ? entriesAt(state, move.to, move.from)
        : entriesAt(state, move.from, move.to);
      const parents = ancestors(move.to).filter((a) => state[other].get(a)?.kind !== "dir");
      const rows = state.move("baseline", move.from, move.to, { skip });
      state.move(other, move.from, move.to);
      renames.push({
        type: other === "remote" ? "renameRemote" : "renameLocal",
        path: move.to,
        from: move.from,
        kind: move.kind,
        ...entries,
        rows,
        ...(parents.length === 0 ? {} : { parents }),
        reason: reasonOf(move),
      });
      claim(move.from, move.to);
      applied++;
    }
    state.refresh();
    if (applied === 0) break;
  }
  return { ...state.input(), renames };
}

/** The local entry at `localPath` and the remote one at `remotePath`, where they exist. */
function entriesAt(
  state: Rekeying,
  localPath: string,
  remotePath: string,
): { local?: Entry; remote?: Entry } {
  const local = state.local.get(localPath);
  const remote = state.remote.get(remotePath);
  return { ...(local === undefined ? {} : { local }), ...(remote === undefined ? {} : { remote }) };
}
