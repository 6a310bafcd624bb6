/**
 * The hostile directory entries the fault tests feed to the FTP layer and the engine, in MLSD and
 * LIST form, with what must happen to each.
 * @module
 */

/** One hostile entry. */
export interface HostileEntry {
  /** A label for messages. */
  what: string;
  /** The MLSD line (without CRLF), or undefined when the case is LIST-only. */
  mlsd?: string;
  /** The LIST line (without CRLF), or undefined when the case is MLSD-only. */
  list?: string;
  /**
   * `refused`: never returned as a usable name, and a warning names it (`name` is the text the
   * warning must contain); `skipped`: silently ignored (`.`, `..`); `accepted`: a normal entry
   * whose fields must still be sane (finite, non-negative size; finite or no time).
   */
  expect: "refused" | "skipped" | "accepted";
  /** The text a warning must contain (refused) or the name returned (accepted). */
  name: string;
}

const M = "type=file;size=5;modify=20260101120000;";
const L = "-rw-r--r-- 1 u g 5 Jan 01 12:00";

/** Every hostile entry tried, as (MLSD, LIST) pairs. */
export const HOSTILE_ENTRIES: readonly HostileEntry[] = [
  {
    what: "parent escape",
    mlsd: `${M} ../../etc/x`,
    list: `${L} ../../etc/x`,
    expect: "refused",
    name: "../../etc/x",
  },
  { what: "slash in name", mlsd: `${M} a/b`, list: `${L} a/b`, expect: "refused", name: "a/b" },
  { what: "absolute name", mlsd: `${M} /abs`, list: `${L} /abs`, expect: "refused", name: "/abs" },
  { what: "dot-dot", mlsd: `${M} ..`, list: `${L} ..`, expect: "skipped", name: ".." },
  { what: "dot", mlsd: `${M} .`, list: `${L} .`, expect: "skipped", name: "." },
  {
    what: "dot-dot dir",
    mlsd: "type=dir;modify=20260101120000; ..",
    expect: "skipped",
    name: "..",
  },
  { what: "NUL", mlsd: `${M} nul\0x`, list: `${L} nul\0x`, expect: "refused", name: "nul" },
  {
    what: "escape char",
    mlsd: `${M} esc\x1b[31m`,
    list: `${L} esc\x1b[31m`,
    expect: "refused",
    name: "esc",
  },
  {
    what: "lone CR",
    mlsd: `${M} cr\rDELE x`,
    list: `${L} cr\rDELE x`,
    expect: "refused",
    name: "cr",
  },
  { what: "tab", mlsd: `${M} tab\there`, expect: "refused", name: "tab" },
  { what: "DEL char", mlsd: `${M} del\x7f`, expect: "refused", name: "del" },
  { what: "backslash escape", mlsd: `${M} ..\\..\\x`, expect: "accepted", name: "..\\..\\x" },
  { what: "256-byte name", mlsd: `${M} ${"n".repeat(256)}`, expect: "refused", name: "nnnnnnnn" },
  { what: "empty name", mlsd: `${M} `, expect: "refused", name: "" },
  { what: "replacement char", mlsd: `${M} bad\ufffdutf8`, expect: "refused", name: "bad" },
  {
    what: "trailing dot-dot dir",
    mlsd: "type=dir;modify=20260101120000; x/..",
    expect: "refused",
    name: "x/..",
  },
  {
    what: "negative size",
    mlsd: "type=file;size=-5;modify=20260101120000; neg",
    list: "-rw-r--r-- 1 u g -5 Jan 01 12:00 neg",
    expect: "accepted",
    name: "neg",
  },
  {
    what: "size 2^70",
    mlsd: "type=file;size=1180591620717411303424;modify=20260101120000; huge",
    list: "-rw-r--r-- 1 u g 1180591620717411303424 Jan 01 12:00 huge",
    expect: "accepted",
    name: "huge",
  },
  {
    what: "size NaN",
    mlsd: "type=file;size=NaN;modify=20260101120000; nan",
    expect: "accepted",
    name: "nan",
  },
  {
    what: "size 1e3",
    mlsd: "type=file;size=1e3;modify=20260101120000; exp",
    expect: "accepted",
    name: "exp",
  },
  {
    what: "year 0",
    mlsd: "type=file;size=5;modify=00000101000000; y0",
    list: "-rw-r--r-- 1 u g 5 Jan 01 0000 y0",
    expect: "accepted",
    name: "y0",
  },
  {
    what: "year 9999",
    mlsd: "type=file;size=5;modify=99991231235959; y9999",
    list: "-rw-r--r-- 1 u g 5 Dec 31 9999 y9999",
    expect: "accepted",
    name: "y9999",
  },
  {
    what: "Feb 30",
    mlsd: "type=file;size=5;modify=20260230120000; feb30",
    list: "-rw-r--r-- 1 u g 5 Feb 30 12:00 feb30",
    expect: "accepted",
    name: "feb30",
  },
  {
    what: "hour 25",
    mlsd: "type=file;size=5;modify=20260101250000; h25",
    list: "-rw-r--r-- 1 u g 5 Jan 01 25:99 h25",
    expect: "accepted",
    name: "h25",
  },
  {
    what: "garbage time",
    mlsd: "type=file;size=5;modify=yesterday; gt",
    expect: "accepted",
    name: "gt",
  },
  {
    what: "truncated MLSD line",
    mlsd: "type=file;size=5;modify=2026",
    expect: "refused",
    name: "type=file;size=5;modify=2026",
  },
  {
    what: "truncated LIST line",
    list: "-rw-r--r-- 1 u g 5 Ja",
    expect: "refused",
    name: "-rw-r--r-- 1 u g 5 Ja",
  },
  {
    what: "garbage line",
    mlsd: "\u00ff\u00fe garbage \u0001",
    list: "%%%% garbage",
    expect: "refused",
    name: "garbage",
  },
  {
    what: "symlink out",
    mlsd: "type=OS.unix=slink:/etc/passwd;size=5;modify=20260101120000; link",
    list: "lrwxrwxrwx 1 u g 11 Jan 01 12:00 link -> /etc/passwd",
    expect: "refused",
    name: "link",
  },
  {
    what: "device",
    list: "crw-rw-rw- 1 u g 1, 3 Jan 01 12:00 null",
    expect: "refused",
    name: "null",
  },
];
