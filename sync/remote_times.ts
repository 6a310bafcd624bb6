/**
 * How the walk reads a listed remote file's time (pure).
 *
 * Timestamps on LIST-only servers (vsftpd). A LIST time has minute precision (`Nov 25 10:05`,
 * recent files) or day precision (`Nov 25 2025`, older than about six months); the FTP layer has
 * already turned it into UTC. MDTM (UTC, 1 s) is asked only where LIST is ambiguous, plus a
 * rolling verification, so that an unchanged tree costs few MDTMs a pass:
 * - a file whose size and LIST time text are those stored in the baseline is unchanged, and the
 *   baseline's entry is returned as is, UNLESS the baseline's remote half was observed before the
 *   end of the file's mtime minute by the server's clock (our clock + the measured skew, + a
 *   margin for the measurement's own error): only then could a rewrite within that same minute,
 *   with the same size, hide behind the same text, so MDTM;
 * - a file whose LIST time switched from the minute form to the year form (it aged), with the
 *   same size and a date within two days of the baseline's, is unchanged (no MDTM);
 * - after our own upload the baseline has MDTM's exact time and no text: a LIST minute equal to
 *   that time's minute counts as the same text (the text is then stored);
 * - a new file, or one whose size or minute-form text changed, gets MDTM when its listed minute is
 *   within the last day by the server's clock (+ margin): it is about to be transferred anyway,
 *   and its exact time lets the rules here catch a rewrite in the same minute later; older
 *   minute-form and year-form times are taken as listed;
 * - the rolling verification: a file that the rules above call unchanged still gets an MDTM once
 *   per `verifyEveryMs` (see {@linkcode verificationDue}); a different exact time is a change
 *   (`docs/verification.md` states the bound).
 * @module
 */
import type { RemoteEntry, ServerTimeView } from "./ftp/mod.ts";
import { entryChanged } from "./diff.ts";
import type { Entry } from "./types.ts";

/** The margin for a server clock whose skew was not measured (ms): the rule of the past. */
export const UNMEASURED_SKEW_MARGIN_MS = 10 * 60_000;
/**
 * The margin for a measured skew (ms): the measurement's own error, a second by MDTM, up to a
 * minute by a LIST time; the larger one, since the view does not say which was used.
 */
export const MEASURED_SKEW_MARGIN_MS = 60_000;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** The server's clock as the time rules use it. */
export interface ServerClock {
  /** The server's clock minus ours (ms; positive: ahead). */
  skewMs: number;
  /** The uncertainty of `skewMs` (ms). */
  marginMs: number;
}

/** The clock a {@linkcode ServerTimeView} implies: measured skews get a small margin. */
export function serverClockOf(view: ServerTimeView): ServerClock {
  return view.source === "measured"
    ? { skewMs: view.skewMs, marginMs: MEASURED_SKEW_MARGIN_MS }
    : { skewMs: view.skewMs, marginMs: UNMEASURED_SKEW_MARGIN_MS };
}

/** The baseline's remote half of a listed file, with its observation times (ms, our clock). */
export interface BaseTimes {
  entry: Entry;
  /** When the remote half was last observed. */
  seenMs: number;
  /** When it was last written or verified by an exact time. */
  verifiedMs: number;
}

/** What to do with a listed remote file, before any MDTM. */
export type TimeDecision = "keepBaseline" | "refreshBaseline" | "mdtm" | "verify" | "asListed";

/** Options of {@linkcode decideTime}. */
export interface DecideTimeOptions {
  /** The time of the pass (our clock, ms). */
  nowMs: number;
  clock: ServerClock;
  /** The rolling verification's period (ms); undefined: none. */
  verifyEveryMs?: number;
}

/**
 * Decides how to read a listed file's time (see the module doc). "verify" is an MDTM of the
 * rolling verification: the listing looks unchanged, but the file's turn came.
 */
export function decideTime(
  listed: RemoteEntry,
  path: string,
  base: BaseTimes | undefined,
  options: DecideTimeOptions,
): TimeDecision {
  if (listed.mtimeMs === undefined) return "mdtm";
  if (listed.mtimePrecisionMs <= 1000) return "asListed";
  const { nowMs, clock } = options;
  const yearForm = listed.mtimePrecisionMs >= DAY_MS;
  const unchanged = (decision: "keepBaseline" | "refreshBaseline"): TimeDecision =>
    options.verifyEveryMs !== undefined &&
      verificationDue(path, base!.verifiedMs, nowMs, options.verifyEveryMs)
      ? "verify"
      : decision;
  const b = base?.entry;
  if (b !== undefined && b.kind === "file" && b.size === listed.size) {
    const sameText = listed.rawTime !== "" && b.rawTime === listed.rawTime;
    // After our own upload the baseline holds MDTM's exact time and no text: a LIST minute
    // (read as UTC) equal to that time's minute counts as the same text (else: MDTM).
    const uploadedMatch = b.rawTime === "" && !yearForm && b.mtimePrecisionMs <= 1000 &&
      Math.floor(b.mtimeMs / MINUTE_MS) * MINUTE_MS === listed.mtimeMs;
    if (sameText || uploadedMatch) {
      if (!yearForm) {
        const minuteEnd = b.mtimePrecisionMs <= 1000
          ? Math.floor(b.mtimeMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS
          : b.mtimeMs + b.mtimePrecisionMs;
        // `seenMs + skew` is when we observed it, by the server's clock.
        if (base!.seenMs + clock.skewMs < minuteEnd + clock.marginMs) return "mdtm";
      }
      return unchanged(sameText ? "keepBaseline" : "refreshBaseline");
    }
    if (yearForm && Math.abs(listed.mtimeMs - b.mtimeMs) <= 2 * DAY_MS) {
      return unchanged("refreshBaseline");
    }
  }
  if (yearForm) return "asListed";
  // A minute over a day old by the server's clock: any rewrite from now on shows another
  // minute, so the listed value is enough.
  if (listed.mtimeMs < nowMs + clock.skewMs - DAY_MS - clock.marginMs) return "asListed";
  return "mdtm";
}

/**
 * Whether a remote file with exact time `mtimeMs` was observed at `seenMs` (our clock) after its
 * second had ended by the server's clock, with the clock's margin: only then can no other file
 * that appeared after that observation carry the same second without being backdated. A move on
 * the server is recognised by its time alone only for such a file (`plan_move_pairs.ts`).
 */
export function settledAt(seenMs: number, mtimeMs: number, clock: ServerClock): boolean {
  return seenMs + clock.skewMs >= Math.floor(mtimeMs / 1000) * 1000 + 1000 + clock.marginMs;
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Whether a file verified at `verifiedMs` is due again at `nowMs` (our clock). Each path has a
 * phase in [0, everyMs) from a hash of its path; time is cut into periods of `everyMs` that
 * start at that phase, and a file is due once a period boundary lies after its last
 * verification. So each file is verified at the first pass after each of its boundaries (at most
 * `everyMs` + the time between passes after a change), and files verified together (a first
 * sync) come due spread evenly over the period: a pass every `w` ms verifies about
 * `files x w / everyMs` of them.
 */
export function verificationDue(
  path: string,
  verifiedMs: number,
  nowMs: number,
  everyMs: number,
): boolean {
  const phase = (fnv1a(path) / 2 ** 32) * everyMs;
  return Math.floor((nowMs - phase) / everyMs) > Math.floor((verifiedMs - phase) / everyMs);
}

/** What an exact time (MDTM) makes of a listed file. */
export type ExactOutcome =
  | { kind: "unchanged"; entry: Entry; exactMtimeMs: number }
  | { kind: "listed"; entry: Entry };

/**
 * Combines a listed file with its exact time (pure). Equal to the baseline's remote half (same
 * size and, within the coarser precision, the same time; for an exact baseline time, the same
 * second): the baseline's entry is kept and the exact time is to be stored. Otherwise the file
 * is as listed with the exact time: a change when a baseline row exists.
 */
export function withExactTime(
  path: string,
  listed: RemoteEntry,
  base: Entry | undefined,
  exactMs: number,
): ExactOutcome {
  const entry: Entry = {
    path,
    kind: "file",
    size: listed.size,
    mtimeMs: exactMs,
    mtimePrecisionMs: 1000,
    rawTime: listed.rawTime,
    ...(listed.unique === undefined ? {} : { unique: listed.unique }),
  };
  if (base !== undefined && base.kind === "file" && !entryChanged(base, entry)) {
    return { kind: "unchanged", entry: base, exactMtimeMs: exactMs };
  }
  return { kind: "listed", entry };
}
