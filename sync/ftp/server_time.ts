/**
 * A server's time, measured, not assumed (issue 12). Pure: observations in, a record out.
 *
 * ## The model
 * A time a server reports comes from one of three sources: a LIST line (minutes), an MLSD/MLST
 * `modify` fact or an MDTM reply (seconds). Each source has its own frame: RFC 3659 says UTC,
 * but vsftpd with `use_localtime=YES` (Debian's stock configuration) reports LIST and MDTM in
 * its local time, pure-ftpd reports LIST in local time and MLSD in UTC, pyftpdlib with
 * `use_gmt_times = False` reports everything in local time. And the server's clock may be off.
 *
 *     reported time - offset(source) = UTC as the server's clock sees it
 *     server's clock - our clock = skew        (|skew| < 7.5 min)
 *
 * `offset(source)` is a whole number of quarter hours (time zones are); whatever is left beyond
 * the nearest quarter hour is the skew, the same for every source (one clock). A clock off by
 * more than 7.5 minutes therefore reads as an offset plus a skew: both are taken out, which is
 * what matters for times that clock stamped. Setting a time (MFMT, or vsftpd's two-argument
 * MDTM, which `use_localtime` servers read as local time too) has a frame of its own, `set`.
 *
 * ## The measurement
 * ftp-clone stores a tiny file under a temporary name (hidden from both listings), noting our
 * clock just before the STOR and when its 226 arrives: the server stamped the file in between.
 * It reads the file's time back from every source the server offers (MDTM, MLST, and LIST of the
 * one file), sets its time to a known value and reads that back (the `set` frame), and deletes
 * it. The exact sources (MDTM, MLST) give the skew to the second (plus half the STOR's round
 * trip); LIST's minute then only has to be placed in its quarter hour.
 * @module
 */
import { formatFtpTimestamp, parseFtpTimestamp } from "./ftp_time.ts";

/** Minutes east of UTC, per source of times. */
export interface TimeOffsets {
  list: number;
  mlsd: number;
  mdtm: number;
  /** The frame of times set with MFMT or two-argument MDTM. */
  set: number;
}

/** What was learned about a server's time (kept in the state directory between runs). */
export interface ServerTimeRecord {
  offsetMinutes: TimeOffsets;
  /** The server's clock minus ours beyond the offsets, ms (|skew| < 7.5 min). */
  skewMs: number;
  /** How precise `skewMs` is (ms either way). */
  skewPrecisionMs: number;
  /** `measured` by a probe, `configured` by ServerTime, `assumed` UTC (nothing measurable). */
  source: "measured" | "configured" | "assumed";
  /** When it was measured or assumed (ms since the epoch, our clock). */
  atMs?: number;
  /** Which offsets were measured (the others are copied from a measured one, see `notes`). */
  measured?: { list: boolean; mlsd: boolean; mdtm: boolean; set: boolean };
  /** What the probe cost: round trips and wall time (ms). */
  probe?: { roundTrips: number; ms: number };
  /** What could not be measured, and why. */
  notes?: string[];
}

/** What a probe saw (the inputs of {@linkcode deriveServerTime}). */
export interface ProbeObservation {
  /** Our clock just before the STOR was sent and when its final reply arrived (ms). */
  beforeMs: number;
  afterMs: number;
  /** MDTM's time-val of the probe file, when MDTM answered. */
  mdtm?: string;
  /** MLST's `modify` fact of the probe file, when MLST answered. */
  mlst?: string;
  /**
   * LIST's time of the probe file, read as UTC (`mtimeMs`), with its precision: 60_000 for the
   * `HH:MM` form; a day for the year form (then not usable).
   */
  list?: { mtimeMs: number; precisionMs: number; rawTime: string };
  /** A set time (`sent`, a time-val) read back (`readBack`, a time-val of `via`). */
  set?: { sent: string; readBack: string; via: "mdtm" | "mlsd" };
}

const MINUTE_MS = 60_000;
const QUARTER_MS = 15 * MINUTE_MS;
/** Real zones run from -12:00 to +14:00; with a skew of up to 7.5 min beyond. */
const MAX_OFFSET_MINUTES = 14 * 60;

/** Rounds ms to the nearest quarter hour, in minutes. */
export function quarterHours(ms: number): number {
  // +0 turns -0 into 0.
  return Math.round(ms / QUARTER_MS) * 15 + 0;
}

/** The view of a record where nothing is known: UTC, no skew. */
export function assumedUtc(atMs: number | undefined, note: string): ServerTimeRecord {
  return {
    offsetMinutes: { list: 0, mlsd: 0, mdtm: 0, set: 0 },
    skewMs: 0,
    skewPrecisionMs: 0,
    source: "assumed",
    ...(atMs === undefined ? {} : { atMs }),
    notes: [note],
  };
}

/** The record of `ServerTime = utc | +HH:MM`: every source in that frame, no skew. */
export function configuredOffset(offsetMinutes: number): ServerTimeRecord {
  const o = offsetMinutes;
  return {
    offsetMinutes: { list: o, mlsd: o, mdtm: o, set: o },
    skewMs: 0,
    skewPrecisionMs: 0,
    source: "configured",
  };
}

/**
 * The offsets and skew a probe's observations show, or the reason they show nothing usable
 * (a server that reports a time more than 14 h 7.5 min away from the moment it created the file
 * is not reporting a clock reading).
 */
export function deriveServerTime(
  seen: ProbeObservation,
): { ok: true; record: ServerTimeRecord } | { ok: false; reason: string } {
  const mid = (seen.beforeMs + seen.afterMs) / 2;
  const window = Math.max(0, (seen.afterMs - seen.beforeMs) / 2);
  const notes: string[] = [];
  // Time-vals are truncated to the second: the file's time lies in [t, t + 1 s).
  const exact = (text: string | undefined) => {
    const ms = text === undefined ? undefined : parseFtpTimestamp(text);
    return ms === undefined ? undefined : ms + 500 - mid;
  };
  const mdtm = exact(seen.mdtm);
  const mlsd = exact(seen.mlst);
  const listUsable = seen.list !== undefined && seen.list.precisionMs <= MINUTE_MS;
  const list = listUsable ? seen.list!.mtimeMs + seen.list!.precisionMs / 2 - mid : undefined;
  // The skew from the most precise source.
  const skewFrom = mdtm ?? mlsd ?? list;
  if (skewFrom === undefined) {
    return { ok: false, reason: "the server reported no time for the file it had just created" };
  }
  const skewMs = Math.round(skewFrom - quarterHours(skewFrom) * MINUTE_MS);
  const precisionMs = Math.round(window + ((mdtm ?? mlsd) !== undefined ? 500 : 30_000));
  const offsetOf = (delta: number | undefined) =>
    delta === undefined ? undefined : quarterHours(delta - skewMs);
  const measured = { mdtm: offsetOf(mdtm), mlsd: offsetOf(mlsd), list: offsetOf(list) };
  for (const [name, value] of Object.entries(measured)) {
    if (value !== undefined && Math.abs(value) > MAX_OFFSET_MINUTES) {
      const raw = name === "list" ? seen.list?.rawTime : name === "mdtm" ? seen.mdtm : seen.mlst;
      return {
        ok: false,
        reason: `its ${name.toUpperCase()} time of a file it had just created ("${raw}") is ` +
          `${formatOffset(value)} away from ${formatFtpTimestamp(mid)} UTC: not a clock reading`,
      };
    }
  }
  // A source that could not be read takes the frame of one that could: the same server code
  // formats them (MLSD/MLST; LIST and MDTM on vsftpd).
  const fallback = measured.mdtm ?? measured.mlsd ?? measured.list ?? 0;
  if (seen.list !== undefined && !listUsable) {
    notes.push(
      `LIST showed the new file with a date only ("${seen.list.rawTime}": its clock is behind ` +
        `ours, or it shows no times): LIST is read in MDTM's frame`,
    );
  }
  const offsets: TimeOffsets = {
    list: measured.list ?? fallback,
    mlsd: measured.mlsd ?? fallback,
    mdtm: measured.mdtm ?? fallback,
    set: fallback,
  };
  let setMeasured = false;
  if (seen.set !== undefined) {
    const sent = parseFtpTimestamp(seen.set.sent);
    const back = parseFtpTimestamp(seen.set.readBack);
    if (sent !== undefined && back !== undefined) {
      // The server stored `sent - set` (UTC) and reports it as `+ read`.
      const set = quarterHours(sent - back) + offsets[seen.set.via];
      if (Math.abs(set) <= MAX_OFFSET_MINUTES) {
        offsets.set = set;
        setMeasured = true;
      }
    }
  }
  return {
    ok: true,
    record: {
      offsetMinutes: offsets,
      skewMs,
      skewPrecisionMs: precisionMs,
      source: "measured",
      measured: {
        list: measured.list !== undefined,
        mlsd: measured.mlsd !== undefined,
        mdtm: measured.mdtm !== undefined,
        set: setMeasured,
      },
      ...(notes.length > 0 ? { notes } : {}),
    },
  };
}

/** `+05:30`, `-04:00`, `+00:00`. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${sign}${hh}:${mm}`;
}

/** `UTC` or `UTC+05:30`. */
function frame(minutes: number): string {
  return minutes === 0 ? "UTC" : `UTC${formatOffset(minutes)}`;
}

/** A skew as text: `in step`, `3 s ahead`, `4 min 10 s behind`. */
function formatSkew(ms: number, precisionMs: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (Math.abs(ms) <= Math.max(precisionMs, 1000)) return "in step with ours";
  const text = s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
  return `${text} ${ms > 0 ? "ahead of" : "behind"} ours`;
}

/**
 * One line about a record, for the log, `status` and `check`: e.g. `LIST in UTC+05:30, MDTM in
 * UTC+05:30, times set in UTC+05:30; clock 3 s ahead of ours (measured)`.
 */
export function describeServerTime(
  record: ServerTimeRecord,
  offered: { mlsd: boolean } = { mlsd: true },
): string {
  const o = record.offsetMinutes;
  if (record.source === "configured") return `ServerTime ${frame(o.list)} (configured)`;
  if (record.source === "assumed") {
    return `assumed UTC (${record.notes?.[0] ?? "not measured"})`;
  }
  const parts = [`LIST in ${frame(o.list)}`];
  if (offered.mlsd && record.measured?.mlsd !== false) parts.push(`MLSD in ${frame(o.mlsd)}`);
  if (record.measured?.mdtm !== false) parts.push(`MDTM in ${frame(o.mdtm)}`);
  if (record.measured?.set) parts.push(`times set in ${frame(o.set)}`);
  return `${parts.join(", ")}; clock ${formatSkew(record.skewMs, record.skewPrecisionMs)}`;
}

/** Whether two records say different things (offsets, or skews apart by more than their precision). */
export function timeChanged(a: ServerTimeRecord | undefined, b: ServerTimeRecord): boolean {
  if (a === undefined || a.source !== b.source) return true;
  const ao = a.offsetMinutes;
  const bo = b.offsetMinutes;
  if (ao.list !== bo.list || ao.mlsd !== bo.mlsd || ao.mdtm !== bo.mdtm || ao.set !== bo.set) {
    return true;
  }
  const tolerance = Math.max(2000, a.skewPrecisionMs + b.skewPrecisionMs);
  return Math.abs(a.skewMs - b.skewMs) > tolerance;
}
