/**
 * Changes of one side since the baseline. Each side is compared only with its own entries in
 * the baseline, never local times with remote times (docs/design.md, "Invariants").
 * @module
 */
import type { Baseline, Change, Changes, Entry, Listing, Side } from "./types.ts";

/** One day in ms: the precision of a LIST date in the year form (`Mon DD YYYY`). */
export const DAY_MS = 86_400_000;

/**
 * The precision of an entry whose listing gave no usable time (use with `mtimeMs: 0`): every
 * time is then "the same", so only size and kind can show a change, and such a file is never
 * adopted as equal to the other side's on a first sync.
 */
export const UNKNOWN_MTIME_PRECISION_MS = Number.MAX_SAFE_INTEGER;

/** Options of {@linkcode sameMtime}. */
export interface SameMtimeOptions {
  /**
   * Count neighbouring day buckets as the same (for one side's own history). The planner turns
   * it off when it compares local with remote for adoption. @default {true}
   */
  tolerance?: boolean;
}

/**
 * Whether two mtimes are the same within the coarser of their precisions: the same bucket
 * `floor(t / p)` with `p = max(precisions)` below a day (the FTP layer's offsets are whole
 * quarter hours, so LIST minutes stay aligned). From day precision up, a LIST date is the
 * server's local midnight with its offset taken out (18:30 UTC the day before for a server in
 * Kolkata), not a UTC midnight: the times are the same when their intervals `[t, t + p)` overlap,
 * and, with the tolerance, one day more each way (a LIST date read in a zone that was not
 * measured).
 */
export function sameMtime(a: Entry, b: Entry, options: SameMtimeOptions = {}): boolean {
  const precision = Math.max(a.mtimePrecisionMs, b.mtimePrecisionMs, 1);
  if (precision < DAY_MS) {
    return Math.floor(a.mtimeMs / precision) === Math.floor(b.mtimeMs / precision);
  }
  const slack = options.tolerance ?? true ? DAY_MS : 0;
  const end = (e: Entry) => e.mtimeMs + Math.max(e.mtimePrecisionMs, 1);
  return a.mtimeMs < end(b) + slack && b.mtimeMs < end(a) + slack;
}

/**
 * Whether an entry differs from the same side's earlier entry: the kind changed, or, for
 * files, the size differs or the mtimes differ beyond precision. A directory is never
 * "modified" (its mtime moves whenever its content does).
 */
export function entryChanged(before: Entry, after: Entry): boolean {
  if (before.kind !== after.kind) return true;
  if (after.kind === "dir") return false;
  return before.size !== after.size || !sameMtime(before, after);
}

/** Options of {@linkcode diffSide}. */
export interface DiffOptions {
  /** Which side the listing is; its entries are compared with `row[side]` of the baseline. */
  side: Side;
  /**
   * Paths to leave out of the comparison (the section's Exclude): an excluded baseline row
   * absent from the listing is not a deletion. @default {nothing excluded}
   */
  isExcluded?: (path: string, kind: "file" | "dir") => boolean;
}

/**
 * Created, modified and deleted paths of one side since the baseline (pure). Unchanged paths
 * are absent from the result.
 */
export function diffSide(listing: Listing, baseline: Baseline, options: DiffOptions): Changes {
  const { side, isExcluded } = options;
  const changes = new Map<string, Change>();
  for (const [path, after] of listing) {
    if (isExcluded?.(path, after.kind)) continue;
    const row = baseline.get(path);
    if (row === undefined) {
      changes.set(path, { kind: "created", after });
    } else if (entryChanged(row[side], after)) {
      changes.set(path, { kind: "modified", before: row[side], after });
    }
  }
  for (const [path, row] of baseline) {
    if (listing.has(path)) continue;
    if (isExcluded?.(path, row[side].kind)) continue;
    changes.set(path, { kind: "deleted", before: row[side] });
  }
  return changes;
}
