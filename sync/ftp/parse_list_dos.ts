/**
 * One DOS/IIS-style LIST line (`12-05-26  10:15PM       <DIR>          name`, `01-02-2026  22:15
 * 1234 a b.txt`) as a `RemoteEntry`: `<DIR>` or a size, names with spaces, 12- and 24-hour
 * times, two- and four-digit years; precision 60_000 ms; the time as written, read as UTC
 * (`parse_list.ts` takes the server's LIST offset out).
 *
 * Written here rather than taken from basic-ftp's `parseList` (which reads this format too): its
 * DOS parser keeps the date as text only, splits `10:15 PM` (with a space) wrongly, and ours
 * needs the time, the precision and the refusal rules of the other formats.
 *
 * The date is month-day-year, as IIS writes it in every locale; a line whose month is not 1-12
 * is not a DOS line. Two-digit years 70-99 are 1970-1999, 00-69 are 2000-2069 (as IIS and
 * Apache Commons Net read them). Leading spaces of a name cannot be told from the column padding
 * and are lost.
 * @module
 */
import { validUtc } from "./ftp_time.ts";
import type { RemoteEntry } from "./remote_fs.ts";

const DOS_LINE =
  /^(\d{1,2})-(\d{1,2})-(\d{4}|\d{2})\s+(\d{1,2}):(\d{2})(?::\d{2})?\s*([AaPp][Mm])?\s+(<DIR>|\d+)\s+(.*)$/s;

/** Whether a line looks like a DOS listing line (starts with `MM-DD-YY`). */
export function isDosLine(line: string): boolean {
  return /^\d{1,2}-\d{1,2}-\d{2,4}\s/.test(line);
}

/** Parse one DOS-style LIST line; "skip" for `.`/`..`, undefined when it is not one. */
export function parseDosListLine(line: string): RemoteEntry | "skip" | undefined {
  const m = DOS_LINE.exec(line);
  if (m === null) return undefined;
  const [, mo, dd, yy, hText, mText, ampm, sizeOrDir, name] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
    string,
    string,
  ];
  if (name === "." || name === "..") return "skip";
  let year = Number(yy);
  if (yy.length === 2) year += year >= 70 ? 1900 : 2000;
  let hour = Number(hText);
  if (ampm !== undefined) {
    if (hour < 1 || hour > 12) return undefined;
    const pm = ampm.toUpperCase() === "PM";
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  const month = Number(mo) - 1;
  if (month < 0 || month > 11) return undefined;
  const mtimeMs = validUtc(year, month, Number(dd), hour, Number(mText));
  if (mtimeMs === undefined) return undefined;
  const dir = sizeOrDir.toUpperCase() === "<DIR>";
  return {
    name,
    kind: dir ? "dir" : "file",
    size: dir ? 0 : Number(sizeOrDir),
    mtimeMs,
    mtimePrecisionMs: 60_000,
    rawTime: `${mo}-${dd}-${yy} ${hText}:${mText}${ampm ?? ""}`,
  };
}
