/**
 * The MaxDelete guard, checked before anything is touched (docs/design.md, invariant 6).
 * @module
 */
import type { Plan, Side } from "./types.ts";

const OTHER: Record<Side, Side> = { local: "remote", remote: "local" };

/** Options of {@linkcode checkSafety}. */
export interface SafetyOptions {
  /** Share of a side's files one pass may delete, in percent (MaxDelete). */
  maxDeletePercent: number;
  /** The local root listed no entry at all. */
  localListingEmpty: boolean;
  /** The remote root listed no entry at all. */
  remoteListingEmpty: boolean;
  /** Named in the message when given, e.g. `FTP1`. */
  section?: string;
}

/** The verdict of {@linkcode checkSafety}. */
export type SafetyVerdict =
  | { ok: true }
  | { ok: false; side: Side; deletes: number; files: number; message: string };

/**
 * Aborts a pass whose plan would delete more than `maxDeletePercent` of the files a side had at
 * the last pass (the baseline rows whose half on that side is a file; exactly MaxDelete percent
 * is still allowed). A root that lists empty while the baseline holds files counts as the other
 * side losing all of them. An empty baseline never aborts (a first sync deletes nothing). The
 * local side is checked first. `baselineFiles` (a count over the whole baseline on disk) is
 * called only when the plan deletes something or a root lists empty.
 */
export function checkSafety(
  plan: Plan,
  baselineFiles: () => Record<Side, number>,
  options: SafetyOptions,
): SafetyVerdict {
  const deletes: Record<Side, number> = { ...plan.deletes };
  if (
    deletes.local === 0 && deletes.remote === 0 && !options.localListingEmpty &&
    !options.remoteListingEmpty
  ) {
    return { ok: true };
  }
  const counts = baselineFiles();
  if (options.remoteListingEmpty) deletes.local = Math.max(deletes.local, counts.local);
  if (options.localListingEmpty) deletes.remote = Math.max(deletes.remote, counts.remote);
  for (const side of ["local", "remote"] as const) {
    const count = deletes[side];
    const files = counts[side];
    if (files === 0) continue;
    // Integers on both sides of the comparison: no rounding at exactly MaxDelete percent.
    if (count * 100 > options.maxDeletePercent * files) {
      const emptyRoot = side === "local" ? options.remoteListingEmpty : options.localListingEmpty;
      const percent = Math.round((count * 1000) / files) / 10;
      const of = options.section === undefined ? "" : ` of section "${options.section}"`;
      const cause = emptyRoot ? ` (the ${OTHER[side]} root lists empty)` : "";
      return {
        ok: false,
        side,
        deletes: count,
        files,
        message: `Refusing to delete ${count} of ${files} files (${percent}%) on the ${side} ` +
          `side${of}${cause}: more than MaxDelete=${options.maxDeletePercent}%, nothing was changed`,
      };
    }
  }
  return { ok: true };
}
