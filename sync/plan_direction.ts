/**
 * Direction and server names, applied to a plan's decisions (pure): `upload` never writes the
 * local side, `download` never the remote one; a path the server must not receive is skipped.
 * @module
 */
import { checkRelativePath } from "./names.ts";
import { type Skip, writtenSide } from "./plan_order.ts";
import type { Action, KeepBothAction, Side } from "./types.ts";

/** Which way changes flow (the same values as the config's `Direction`). */
export type Direction = "both" | "upload" | "download";

const OTHER: Record<Side, Side> = { local: "remote", remote: "local" };

/**
 * A conflict limited to the writable side: that side takes the other side's version and its
 * own becomes a conflict copy there; undefined when it cannot be (a kind clash whose directory
 * is on the writable side).
 */
function oneSidedKeepBoth(action: KeepBothAction, writable: Side): KeepBothAction | undefined {
  const direction = writable === "remote" ? "upload" : "download";
  const fileSide = action.local?.kind === "file" ? "local" : "remote";
  const kindClash = action.local?.kind !== action.remote?.kind;
  if (kindClash && fileSide !== writable) return undefined;
  const winner = kindClash ? OTHER[fileSide] : OTHER[writable];
  return {
    ...action,
    winner,
    onlySide: writable,
    reason: `Direction=${direction}: ${
      kindClash ? "the directory" : `the ${winner} version`
    } keeps the name, the ${writable} one becomes a conflict copy on the ${writable} side`,
  };
}

/** Drops what Direction forbids and turns conflicts into one-sided ones. */
export function applyDirection(
  actions: Action[],
  options: { direction: Direction; skipped: Skip[] },
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
      const limited = oneSidedKeepBoth(action, writable);
      if (limited !== undefined) {
        out.push(limited);
      } else {
        skipped.push({
          path: action.path,
          reason: `Direction=${direction}: a kind clash whose directory is on the ${writable} ` +
            `side is left alone`,
        });
      }
    } else if (action.type === "compare") {
      // Equal contents are adopted whatever the Direction (only the writable side's mtime is
      // aligned); different ones get what Direction allows of `ifDifferent`. When it allows
      // nothing, the path is left alone: comparing it on every pass would change nothing.
      const { ifDifferent, ...rest } = action;
      const limited = ifDifferent.type === "keepBoth"
        ? oneSidedKeepBoth(ifDifferent, writable)
        : writtenSide(ifDifferent) === writable
        ? ifDifferent
        : undefined;
      if (limited === undefined) {
        skipped.push({
          path: action.path,
          reason: `Direction=${direction}: the ${
            OTHER[writable]
          } side is not written (${ifDifferent.reason})`,
        });
      } else {
        out.push({ ...rest, onlySide: writable, ifDifferent: limited });
      }
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
export function refuseBadRemoteNames(actions: Action[], skipped: Skip[]): Action[] {
  return actions.filter((action) => {
    if (writtenSide(action) === "local" || writtenSide(action) === "none") return true;
    const reason = checkRelativePath(action.path);
    if (reason === undefined) return true;
    skipped.push({ path: action.path, reason: `not written on the server: ${reason}` });
    return false;
  });
}
