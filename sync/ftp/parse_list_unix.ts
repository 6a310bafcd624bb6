/**
 * One Unix-style LIST line (`ls -l`: vsftpd, proftpd, pure-ftpd, pyftpdlib...) as a
 * `RemoteEntry`. Its time is returned as written, read as UTC (`parse_list.ts` takes the
 * server's LIST offset out):
 * - `Mon DD HH:MM` has no year: precision 60_000 ms; the year is the latest that puts the time at
 *   most one day after the server's now (pure-ftpd and proftpd print future dates in this form
 *   too, so a file dated more than a day ahead is read as last year's);
 * - `Mon DD YYYY`: precision 86_400_000 ms (midnight of that day).
 * @module
 */
import { inferYear, validUtc } from "./ftp_time.ts";
import { usableSize } from "./parse_mlsd.ts";
import type { RemoteEntry, RemoteKind } from "./remote_fs.ts";

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

// type+mode, links, owner, group, size, month, day, time-or-year, one space, name.
const UNIX_LINE =
  /^([-dlbcps])[-rwxsStTl]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+(\d+)\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}:\d{2}|\d{4}) (.*)$/s;

/**
 * Parse one Unix-style LIST line; "skip" for `.`/`..`, undefined when it is not one. `nowMs` is
 * the server's now in the listing's frame (for the year of `Mon DD HH:MM`).
 */
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
    mtimePrecisionMs = 60_000;
  } else {
    mtimeMs = validUtc(Number(timeOrYear), month, day, 0, 0);
    mtimePrecisionMs = 86_400_000;
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
