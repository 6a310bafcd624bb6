/**
 * Parse raw directory listings (MLSD facts lines and Unix-style LIST lines) into `RemoteEntry`.
 *
 * Pure: the text, the listing format and the clock reading (`nowMs`) are passed in.
 *
 * Time rules:
 * - MLSD `modify=YYYYMMDDHHMMSS[.sss]` is UTC (RFC 3659): precision 1000 ms, fractions truncated.
 * - LIST `Mon DD HH:MM` has no year: precision 60_000 ms. The year is inferred as the latest year
 *   for which the time is at most one day after `nowMs` (one day absorbs clock skew and time zone
 *   offsets). pure-ftpd and proftpd print future dates in this form too, so a file dated in the
 *   future by more than a day is read as last year's date: prefer MLSD, or MDTM, where it matters.
 * - LIST `Mon DD YYYY`: precision 86_400_000 ms (midnight of that day).
 * - LIST times are read as UTC (vsftpd's default `use_localtime=NO`, proftpd `TimesGMT on`).
 *   pure-ftpd prints local time in LIST, but it offers MLSD, which is used instead.
 *
 * Names: `.` and `..` are skipped silently; names containing "/" or NUL, and empty names, are
 * refused and reported through `onRefused` so that the caller can warn (nothing is ever written
 * outside the local root because of a server's listing).
 * @module
 */
import type { RemoteEntry, RemoteKind } from "./remote_fs.ts";

/** Which listing command produced the text. */
export type ListFormat = "mlsd" | "list";

/** Options of {@linkcode parseListing}. */
export interface ParseListingOptions {
  /** The clock reading (ms since the epoch) used to infer LIST years. */
  nowMs: number;
  /** Called for each refused name or unparsable line, with the reason. */
  onRefused?: (name: string, reason: string) => void;
}

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/** Parse a whole listing (lines separated by CRLF or LF). */
export function parseListing(
  text: string,
  format: ListFormat,
  options: ParseListingOptions,
): RemoteEntry[] {
  const entries: RemoteEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const parsed = format === "mlsd" ? parseMlsdLine(line) : parseUnixListLine(line, options.nowMs);
    if (parsed === undefined) {
      // "total 12" and similar summary lines are not entries.
      if (format === "list" && /^total\s+\d+/i.test(line)) continue;
      options.onRefused?.(line, "unparsable listing line");
      continue;
    }
    if (parsed === "skip") continue;
    const refusal = nameRefusal(parsed.name);
    if (refusal === "skip") continue;
    if (refusal !== undefined) {
      options.onRefused?.(parsed.name, refusal);
      continue;
    }
    // A size that is missing, negative, fractional or beyond 2^53 cannot be transferred and
    // checked: refusing the entry (with a warning) beats failing its download on every pass.
    if (parsed.kind === "file" && !(Number.isSafeInteger(parsed.size) && parsed.size >= 0)) {
      options.onRefused?.(parsed.name, "its listed size is not a usable number of bytes");
      continue;
    }
    entries.push(parsed);
  }
  return entries;
}

/** A size to report for a link or other entry (never transferred): 0 when unusable. */
function usableSize(size: number): number {
  return Number.isSafeInteger(size) && size >= 0 ? size : 0;
}

/** Why a listed name is refused, "skip" for `.`/`..`, undefined when it is acceptable. */
export function nameRefusal(name: string): string | undefined {
  if (name === "." || name === "..") return "skip";
  if (name === "") return "empty name";
  if (name.includes("/")) return 'contains "/"';
  if (name.includes("\0")) return "contains a NUL character";
  return undefined;
}

/** Parse one MLSD line (`fact=value;...; name`); "skip" for cdir/pdir entries. */
export function parseMlsdLine(line: string): RemoteEntry | "skip" | undefined {
  // Facts never contain a space (RFC 3659 §7.2); the name follows the first space.
  const space = line.indexOf(" ");
  if (space < 0) return undefined;
  const name = line.slice(space + 1);
  const facts = new Map<string, string>();
  for (const fact of line.slice(0, space).split(";")) {
    const eq = fact.indexOf("=");
    if (eq > 0) facts.set(fact.slice(0, eq).toLowerCase(), fact.slice(eq + 1));
  }
  const type = (facts.get("type") ?? "").toLowerCase();
  if (type === "cdir" || type === "pdir") return "skip";
  let kind: RemoteKind;
  if (type === "file") kind = "file";
  else if (type === "dir") kind = "dir";
  // pure-ftpd: `OS.unix=slink:<target>`; proftpd: `OS.unix=symlink`.
  else if (/^os\.unix=(slink|symlink)/.test(type)) kind = "symlink";
  else kind = "other";
  const rawTime = facts.get("modify") ?? "";
  const sizeText = facts.get("size");
  // NaN when a file has no usable size: parseListing refuses it.
  const size = kind === "dir" ? 0 : /^\d+$/.test(sizeText ?? "") ? Number(sizeText) : NaN;
  return {
    name,
    kind,
    size: kind === "file" ? size : usableSize(size),
    mtimeMs: parseFtpTimestamp(rawTime),
    mtimePrecisionMs: MS_PER_SECOND,
    rawTime,
  };
}

/**
 * Parse an RFC 3659 time-val (`YYYYMMDDHHMMSS[.sss]`, UTC) to ms since the epoch, truncated to
 * whole seconds; undefined when malformed.
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

/** Format ms since the epoch as an RFC 3659 time-val (`YYYYMMDDHHMMSS`, UTC, whole seconds). */
export function formatFtpTimestamp(ms: number): string {
  const d = new Date(Math.floor(ms / MS_PER_SECOND) * MS_PER_SECOND);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

// type+mode, links, owner, group, size, month, day, time-or-year, one space, name.
const UNIX_LINE =
  /^([-dlbcps])[-rwxsStTl]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+(\d+)\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}:\d{2}|\d{4}) (.*)$/;

/** Parse one Unix-style LIST line; "skip" for `.`/`..`. */
export function parseUnixListLine(line: string, nowMs: number): RemoteEntry | "skip" | undefined {
  const m = UNIX_LINE.exec(line);
  if (m === null) return undefined;
  const [, typeChar, sizeText, monText, dayText, timeOrYear, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const month = MONTHS[monText.toLowerCase()];
  if (month === undefined) return undefined;
  const kind: RemoteKind = typeChar === "-"
    ? "file"
    : typeChar === "d"
    ? "dir"
    : typeChar === "l"
    ? "symlink"
    : "other";
  let name = rest;
  if (kind === "symlink") {
    const arrow = rest.indexOf(" -> ");
    if (arrow >= 0) name = rest.slice(0, arrow);
  }
  if (name === "." || name === "..") return "skip";
  const day = Number(dayText);
  const rawTime = `${monText} ${dayText} ${timeOrYear}`;
  let mtimeMs: number | undefined;
  let mtimePrecisionMs: number;
  if (timeOrYear.includes(":")) {
    const [hh, mm] = timeOrYear.split(":").map(Number) as [number, number];
    mtimeMs = inferYear(month, day, hh, mm, nowMs);
    mtimePrecisionMs = MS_PER_MINUTE;
  } else {
    mtimeMs = validUtc(Number(timeOrYear), month, day, 0, 0);
    mtimePrecisionMs = MS_PER_DAY;
  }
  const size = Number(sizeText);
  return {
    name,
    kind,
    size: kind === "dir" ? 0 : kind === "file" ? size : usableSize(size),
    mtimeMs,
    mtimePrecisionMs,
    rawTime,
  };
}

/** Date.UTC, or undefined when the fields do not name a real date (e.g. Feb 29 of 2025). */
function validUtc(year: number, month: number, day: number, hh: number, mm: number) {
  if (hh > 23 || mm > 59) return undefined;
  const ms = Date.UTC(year, month, day, hh, mm);
  const d = new Date(ms);
  return d.getUTCMonth() === month && d.getUTCDate() === day ? ms : undefined;
}

/** The latest year (up to 8 back, for Feb 29) that puts the time at most one day after now. */
function inferYear(month: number, day: number, hh: number, mm: number, nowMs: number) {
  const nowYear = new Date(nowMs).getUTCFullYear();
  for (let year = nowYear + 1; year >= nowYear - 8; year--) {
    const ms = validUtc(year, month, day, hh, mm);
    if (ms !== undefined && ms <= nowMs + MS_PER_DAY) return ms;
  }
  return undefined;
}
