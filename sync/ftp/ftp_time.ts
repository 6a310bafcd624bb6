/**
 * Time texts of FTP: RFC 3659 time-vals (`YYYYMMDDHHMMSS[.sss]`, MDTM, MLSD `modify`, MFMT) and
 * the calendar helpers the listing parsers share (a LIST `Mon DD HH:MM` has no year).
 *
 * Every function here reads and writes the text as given, as if it were UTC: which frame a
 * server's text is really in is `server_time.ts`'s business (the offsets are taken out by the
 * callers).
 * @module
 */

const MS_PER_SECOND = 1000;
const MS_PER_DAY = 86_400_000;

/**
 * Parse an RFC 3659 time-val (`YYYYMMDDHHMMSS[.sss]`) to ms since the epoch, truncated to whole
 * seconds; undefined when malformed.
 */
export function parseFtpTimestamp(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?$/.exec(text.trim());
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** Format ms since the epoch as an RFC 3659 time-val (`YYYYMMDDHHMMSS`, whole seconds). */
export function formatFtpTimestamp(ms: number): string {
  const d = new Date(Math.floor(ms / MS_PER_SECOND) * MS_PER_SECOND);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/** Date.UTC, or undefined when the fields do not name a real date (e.g. Feb 29 of 2025). */
export function validUtc(
  year: number,
  month: number,
  day: number,
  hh: number,
  mm: number,
): number | undefined {
  if (hh > 23 || mm > 59) return undefined;
  const ms = Date.UTC(year, month, day, hh, mm);
  const d = new Date(ms);
  return d.getUTCMonth() === month && d.getUTCDate() === day ? ms : undefined;
}

/**
 * The latest year (up to 8 back, for Feb 29) that puts `Mon DD HH:MM` at most one day after
 * `nowMs` (given in the same frame as the listing's times).
 */
export function inferYear(
  month: number,
  day: number,
  hh: number,
  mm: number,
  nowMs: number,
): number | undefined {
  const nowYear = new Date(nowMs).getUTCFullYear();
  for (let year = nowYear + 1; year >= nowYear - 8; year--) {
    const ms = validUtc(year, month, day, hh, mm);
    if (ms !== undefined && ms <= nowMs + MS_PER_DAY) return ms;
  }
  return undefined;
}
