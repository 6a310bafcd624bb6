/**
 * The real bytes of local names that Deno cannot give: `Deno.readDirSync` decodes names as UTF-8
 * and replaces invalid bytes with U+FFFD, so `caf\xe9.txt` (Latin-1) reads as `caf\ufffd.txt`, a
 * name that does not exist. To show the user which file is meant, the directory is read again
 * with libc's `readdir` through FFI (only when such a name was met: it is rare), and names are
 * escaped: `\xNN` for a byte that is not part of valid UTF-8 or is a control character (`\n`, `\r`
 * and `\t` by their usual escapes), `\\` for a backslash. No library reads raw directory entries
 * in Deno; where FFI is not allowed, the decoded name is escaped instead.
 * @module
 */

/** `struct dirent64`'s `d_name` offset on Linux (d_ino 8, d_off 8, d_reclen 2, d_type 1). */
const D_NAME_OFFSET = 19;
/** NAME_MAX + 1. */
const D_NAME_MAX = 256;

/** The raw names of a directory's entries (without `.` and `..`), or undefined without FFI. */
function readRawNames(dir: string): Uint8Array[] | undefined {
  let libc;
  try {
    libc = Deno.dlopen(
      "libc.so.6",
      {
        opendir: { parameters: ["buffer"], result: "pointer" },
        readdir64: { parameters: ["pointer"], result: "pointer" },
        closedir: { parameters: ["pointer"], result: "i32" },
      } as const,
    );
  } catch {
    return undefined; // no --allow-ffi, or not glibc
  }
  try {
    const path = new TextEncoder().encode(`${dir}\0`);
    const handle = libc.symbols.opendir(path);
    if (handle === null) return undefined;
    const names: Uint8Array[] = [];
    try {
      for (;;) {
        const entry = libc.symbols.readdir64(handle);
        if (entry === null) break;
        const bytes = new Uint8Array(
          Deno.UnsafePointerView.getArrayBuffer(entry, D_NAME_MAX, D_NAME_OFFSET),
        );
        const end = bytes.indexOf(0);
        const name = bytes.slice(0, end < 0 ? D_NAME_MAX : end);
        if (name.length === 1 && name[0] === 0x2e) continue;
        if (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e) continue;
        names.push(name);
      }
    } finally {
      libc.symbols.closedir(handle);
    }
    return names;
  } finally {
    libc.close();
  }
}

/** The length of the valid UTF-8 sequence at `i`, or 0 when the byte there starts none. */
function utf8Length(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  const n = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 &&
      b < 0xf5
    ? 4
    : 0;
  if (n <= 1 || i + n > bytes.length) return n === 1 ? 1 : 0;
  for (let k = 1; k < n; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return 0;
  const decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  try {
    decoded.decode(bytes.subarray(i, i + n)); // rejects overlongs and surrogates
    return n;
  } catch {
    return 0;
  }
}

const hex = (b: number): string => `\\x${b.toString(16).padStart(2, "0")}`;

/** A name's bytes as printable text (see the module doc). */
export function escapeNameBytes(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length;) {
    const n = utf8Length(bytes, i);
    const b = bytes[i]!;
    if (n === 0) {
      out += hex(b);
      i++;
    } else if (n === 1) {
      out += b === 0x0a
        ? "\\n"
        : b === 0x0d
        ? "\\r"
        : b === 0x09
        ? "\\t"
        : b === 0x5c
        ? "\\\\"
        : b < 0x20 || b === 0x7f
        ? hex(b)
        : String.fromCharCode(b);
      i++;
    } else {
      out += new TextDecoder().decode(bytes.subarray(i, i + n));
      i += n;
    }
  }
  return out;
}

/**
 * The escaped real names, in `dir`, of entries whose decoded names are `decoded` (as
 * `Deno.readDirSync` gave them); several raw names can decode alike: each is shown.
 */
export function escapedNames(dir: string, decoded: readonly string[]): string[] {
  const wanted = new Set(decoded);
  const raw = decoded.some((name) => name.includes("\ufffd")) ? readRawNames(dir) : undefined;
  if (raw === undefined) {
    return decoded.map((name) => escapeNameBytes(new TextEncoder().encode(name)));
  }
  const decoder = new TextDecoder();
  return raw.filter((bytes) => wanted.has(decoder.decode(bytes))).map(escapeNameBytes);
}
