/**
 * Names of conflict copies: `dir/NAME.conflict-<YYYYMMDDTHHMMSS>-<local|remote>.EXT`.
 * @module
 */
import type { Side } from "./types.ts";

/** Options of {@linkcode conflictName}. */
export interface ConflictNameOptions {
  /** The time of the pass (read once per pass); its UTC value goes into the name. */
  now: Date;
  /** When the name is taken: 2, 3... appended after the side (`-local-2`). @default {1} */
  counter?: number;
}

/** Linux's NAME_MAX, in UTF-8 bytes. */
const NAME_MAX_BYTES = 255;

/** Matches a conflict copy's base name: the marker, then nothing or one extension. */
export const CONFLICT_NAME_REGEXP = /\.conflict-\d{8}T\d{6}-(?:local|remote)(?:-\d+)?(?:\.[^.]*)?$/;

/** `20261125T140501` from a date, in UTC. */
function timestamp(now: Date): string {
  const iso = now.toISOString(); // 2026-11-25T14:05:01.000Z
  return iso.slice(0, 19).replaceAll("-", "").replaceAll(":", "");
}

/**
 * The relative path a conflict's other version gets: `a/report.txt` ->
 * `a/report.conflict-20261125T140501-remote.txt`. The extension is what follows the last dot of
 * the base name; a name whose only dot is its first or last character (`.bashrc`, `notes.`) has
 * none, so the marker goes at the end (`.bashrc.conflict-20261125T140501-local`). A name that
 * would pass 255 UTF-8 bytes has its stem cut (never the marker or the extension).
 */
export function conflictName(path: string, side: Side, options: ConflictNameOptions): string {
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  const dot = base.lastIndexOf(".");
  const hasExtension = dot > 0 && dot < base.length - 1;
  const stem = hasExtension ? base.slice(0, dot) : base;
  const extension = hasExtension ? base.slice(dot) : "";
  const counter = options.counter !== undefined && options.counter > 1 ? `-${options.counter}` : "";
  const marker = `.conflict-${timestamp(options.now)}-${side}${counter}`;
  // Linux refuses base names over 255 bytes: cut the stem rather than the marker.
  const room = NAME_MAX_BYTES - utf8Length(marker) - utf8Length(extension);
  return `${dir}${cutUtf8(stem, room)}${marker}${extension}`;
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** The longest prefix of `text` within `maxBytes` UTF-8 bytes, never splitting a character. */
function cutUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  let out = "";
  let bytes = 0;
  for (const ch of text) {
    const size = utf8Length(ch);
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += ch;
  }
  return out;
}

/** Whether a base name (or a path's last component) is a conflict copy made by ftp-clone. */
export function isConflictName(name: string): boolean {
  const base = name.slice(name.lastIndexOf("/") + 1);
  return CONFLICT_NAME_REGEXP.test(base);
}
