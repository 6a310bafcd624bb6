/**
 * Listing lines of the embedded FTP server: `LIST` in `ls -l` form (like proftpd, times in UTC),
 * `MLSD`/`MLST` fact lines (RFC 3659, UTC seconds) and the 14-digit MDTM time. Pure functions of
 * the entries and the clock.
 * @module
 */

/** What a listing shows of one directory entry. */
export interface ListedEntry {
  /** The bare name, or `.`/`..` for LIST -a. */
  name: string;
  kind: "file" | "dir" | "symlink";
  /** Bytes (the link's own size for symlinks). */
  size: number;
  /** Modification time in ms since the epoch. */
  mtimeMs: number;
  /** Permission bits (`0o644`), 0 when unknown. */
  mode: number;
  /** The virtual path a symlink points to (LIST shows it after `->`). */
  target?: string;
}

/** The MLST facts this server knows, in the order it writes them (FEAT marks them all default). */
export const MLST_FACTS = ["type", "size", "modify", "unix.mode"] as const;

/** The FEAT line of MLST: every fact, each marked as selected by default. */
export const MLST_FEAT = "MLST type*;size*;modify*;UNIX.mode*;";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Half a year in ms: `ls` shows the year instead of the time for files older than that. */
const SIX_MONTHS_MS = 182 * 24 * 3600 * 1000;

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** `YYYYMMDDHHMMSS` in UTC, whole seconds (fractions truncated, as every real server does). */
export function formatFtpTime(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}` +
    `${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}`;
}

/**
 * Parses an MFMT time, `YYYYMMDDHHMMSS` with an optional `.sss` fraction (dropped), as UTC.
 * Undefined when it is malformed or before 1970 (real servers answer 501 then).
 */
export function parseFtpTime(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d{1,3})?$/.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Reject dates that Date.UTC rolled over (Feb 31 -> Mar 3).
  if (new Date(ms).getUTCDate() !== day) return undefined;
  return ms;
}

/** `-rw-r--r--` from the kind and permission bits. */
function modeString(entry: ListedEntry): string {
  const kind = entry.kind === "dir" ? "d" : entry.kind === "symlink" ? "l" : "-";
  const mode = entry.kind === "symlink" ? 0o777 : entry.mode;
  let bits = "";
  for (let shift = 6; shift >= 0; shift -= 3) {
    const b = (mode >> shift) & 7;
    bits += (b & 4 ? "r" : "-") + (b & 2 ? "w" : "-") + (b & 1 ? "x" : "-");
  }
  return kind + bits;
}

/** `Nov  5 13:07` for the past six months, `Nov  5  2024` otherwise (and for future times). */
function lsTime(ms: number, nowMs: number): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, " ");
  const recent = ms <= nowMs && nowMs - ms < SIX_MONTHS_MS;
  const tail = recent
    ? `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`
    : ` ${d.getUTCFullYear()}`;
  return `${MONTHS[d.getUTCMonth()]} ${day} ${tail}`;
}

/** One `LIST` line in `ls -l` form (no line ending). */
export function formatListLine(entry: ListedEntry, nowMs: number): string {
  const size = String(entry.size).padStart(12, " ");
  const name = entry.kind === "symlink" && entry.target !== undefined
    ? `${entry.name} -> ${entry.target}`
    : entry.name;
  return `${modeString(entry)}    1 ftp      ftp  ${size} ${lsTime(entry.mtimeMs, nowMs)} ${name}`;
}

/**
 * One MLSD/MLST fact line: `type=file;size=9;modify=20261125130747;UNIX.mode=0644; name`
 * with only the `facts` asked for (lower case names from {@linkcode MLST_FACTS}). `type` is
 * `cdir` for `name` ".", `OS.unix=symlink` for links.
 */
export function formatMlsxLine(entry: ListedEntry, facts: ReadonlySet<string>): string {
  let out = "";
  if (facts.has("type")) {
    const type = entry.name === "."
      ? "cdir"
      : entry.kind === "symlink"
      ? "OS.unix=symlink"
      : entry.kind;
    out += `type=${type};`;
  }
  if (facts.has("size") && entry.kind !== "dir") out += `size=${entry.size};`;
  if (facts.has("modify")) out += `modify=${formatFtpTime(entry.mtimeMs)};`;
  if (facts.has("unix.mode")) out += `UNIX.mode=0${(entry.mode & 0o7777).toString(8)};`;
  return `${out} ${entry.name}`;
}

/**
 * Applies `OPTS MLST a;b;c;`: the known facts among those named (case-insensitive), and the
 * `200` reply text listing them (RFC 3659 §7.9).
 */
export function selectMlstFacts(arg: string): { facts: Set<string>; reply: string } {
  const asked = new Set(arg.split(";").map((f) => f.trim().toLowerCase()).filter((f) => f));
  const facts = new Set<string>(MLST_FACTS.filter((f) => asked.has(f)));
  const names = [...facts].map((f) => f === "unix.mode" ? "UNIX.mode" : f);
  return { facts, reply: `MLST OPTS ${names.map((f) => `${f};`).join("")}` };
}
