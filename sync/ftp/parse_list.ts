/**
 * Parse raw directory listings (MLSD facts lines; LIST lines, Unix or DOS/IIS style, told apart
 * line by line) into `RemoteEntry`, with every time in UTC.
 *
 * Pure: the text, the listing format, the clock reading and the server's offset are passed in.
 *
 * Times: each line parser reads the time as written (`parse_mlsd.ts`, `parse_list_unix.ts`,
 * `parse_list_dos.ts`); the offset of the listing's source (`server_time.ts`: LIST and MLSD each
 * have their own) is then taken out, so that what is returned is UTC as the server's clock sees
 * it. The LIST year inference compares with the server's now in its own frame.
 *
 * Lines: a listing whose lines end with CRLF is split at CRLF only, so that a name holding a bare
 * LF (vsftpd and proftpd LIST send `a\nb` as it is) stays one line and is refused by its name. In
 * MLSD (a machine format: no headers or footers), a line that is not a facts line right after an
 * entry is the rest of that entry's name broken by the server (proftpd's MLSD writes the LF of
 * `a\nb` as CRLF): the entry is refused with the parts joined by a line break, never returned
 * under its truncated name (the walk would then list a directory `a` that does not exist).
 *
 * Names: `.` and `..` are skipped silently; names that are empty or contain "/", NUL or another
 * control character are refused and reported through `onRefused` so that the caller can warn
 * (nothing is ever written outside the local root because of a server's listing).
 * @module
 */
import { isDosLine, parseDosListLine } from "./parse_list_dos.ts";
import { parseUnixListLine } from "./parse_list_unix.ts";
import { parseMlsdLine } from "./parse_mlsd.ts";
import type { RemoteEntry } from "./remote_fs.ts";

/** Which listing command produced the text. */
export type ListFormat = "mlsd" | "list";

/** Options of {@linkcode parseListing}. */
export interface ParseListingOptions {
  /** The clock reading (ms since the epoch, our clock) used to infer LIST years. */
  nowMs: number;
  /**
   * Minutes east of UTC of the listing's times (the server's LIST or MLSD offset): subtracted
   * from every time. @default {0}
   */
  offsetMinutes?: number;
  /** Called for each refused name or unparsable line, with the reason. */
  onRefused?: (name: string, reason: string) => void;
}

// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why a listed name is refused, "skip" for `.`/`..`, undefined when it is acceptable. */
export function nameRefusal(name: string): string | undefined {
  if (name === "." || name === "..") return "skip";
  if (name === "") return "empty name";
  if (name.includes("/")) return 'contains "/"';
  if (name.includes("\0")) return "contains a NUL character";
  if (/[\r\n]/.test(name)) return "contains a line break";
  if (CONTROL.test(name)) return "contains a control character";
  return undefined;
}

/** One LIST line, Unix or DOS style, its time as written (no name rules, no offset). */
export function parseListLine(line: string, nowMs: number): RemoteEntry | "skip" | undefined {
  return isDosLine(line) ? parseDosListLine(line) : parseUnixListLine(line, nowMs);
}

/** The lines of a listing: split at CRLF when it uses CRLF, else at LF. */
export function listingLines(text: string): string[] {
  return text.includes("\r\n") ? text.split("\r\n") : text.split("\n");
}

/** Parse a whole listing. */
export function parseListing(
  text: string,
  format: ListFormat,
  options: ParseListingOptions,
): RemoteEntry[] {
  const offsetMs = (options.offsetMinutes ?? 0) * 60_000;
  const serverNow = options.nowMs + offsetMs;
  const entries: RemoteEntry[] = [];
  /** The last line's entry, while the next line may turn out to be the rest of its name. */
  let pending: RemoteEntry | undefined;
  let broken: string[] | undefined;
  const flush = () => {
    if (broken !== undefined) {
      options.onRefused?.(broken.join("\n"), "contains a line break (the listing broke it)");
    } else if (pending !== undefined) {
      entries.push(pending);
    }
    pending = undefined;
    broken = undefined;
  };
  for (const line of listingLines(text)) {
    if (line.trim() === "") continue;
    const parsed = format === "mlsd" ? parseMlsdLine(line) : parseListLine(line, serverNow);
    if (parsed === undefined) {
      // "total 12" and similar summary lines are not entries.
      if (format === "list" && /^total\s+\d+/i.test(line)) continue;
      if (pending !== undefined && format === "mlsd") {
        broken ??= [pending.name];
        broken.push(line);
        continue;
      }
      options.onRefused?.(line, "unparsable listing line");
      continue;
    }
    flush();
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
    if (parsed.mtimeMs !== undefined) parsed.mtimeMs -= offsetMs;
    pending = parsed;
  }
  flush();
  return entries;
}
