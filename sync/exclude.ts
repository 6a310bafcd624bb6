/**
 * `Exclude` patterns (gitignore-style) and the names of ftp-clone's own temporary files, which
 * both listings hide.
 * @module
 */
import { createHash } from "node:crypto";

/** Whether a path (relative to the section root, "/"-separated) is excluded. */
export type ExcludeFn = (path: string, kind: "file" | "dir") => boolean;

/** Every temporary file ftp-clone writes starts with this (one check hides them all). */
export const TEMP_NAME_PREFIX = ".ftp-clone.";

/** The original name is cut to this many UTF-8 bytes inside a temporary name (NAME_MAX 255). */
const TEMP_ORIGINAL_MAX_BYTES = 100;

interface Rule {
  regexp: RegExp;
  negated: boolean;
  dirOnly: boolean;
  /** Contains a "/" (other than trailing): matched against the whole path, else the base name. */
  anchored: boolean;
}

/** Escapes a character for use inside a RegExp class in unicode mode. */
function escapeClassChar(c: string): string {
  return /[\\\]\[^\-/]/.test(c) ? "\\" + c : c;
}

/** Translates one bracket expression starting at `pattern[start] === "["`; undefined if open. */
function bracket(pattern: string, start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (pattern[i] === "!" || pattern[i] === "^") {
    negate = true;
    i++;
  }
  let body = "";
  let first = true;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "]" && !first) {
      // A negated class never matches "/": classes apply within one name.
      return { source: negate ? `[^/${body}]` : `(?!/)[${body}]`, end: i };
    }
    if (c === "\\" && i + 1 < pattern.length) {
      body += escapeClassChar(pattern[i + 1]!);
      i += 2;
    } else {
      body += c === "-" ? c : escapeClassChar(c);
      i++;
    }
    first = false;
  }
  return undefined;
}

/** Translates a glob (already stripped of `!`, leading `/` and trailing `/`) to a RegExp source. */
function globSource(glob: string): string {
  let source = "";
  let i = 0;
  while (i < glob.length) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const atStart = i === 0;
      const afterSlash = glob[i + 2] === "/";
      const atEnd = i + 2 === glob.length;
      const beforeSlash = i > 0 && glob[i - 1] === "/";
      if (atStart && afterSlash) {
        source += "(?:.*/)?"; // `**/x`: x at any depth
        i += 3;
      } else if (beforeSlash && afterSlash) {
        source += "(?:.*/)?"; // `a/**/b`: zero or more directories (the "/" was already added)
        i += 3;
      } else if (beforeSlash && atEnd) {
        source += ".+"; // `a/**`: everything inside a
        i += 2;
      } else {
        source += ".*";
        i += 2;
      }
    } else if (c === "*") {
      source += "[^/]*";
      i++;
    } else if (c === "?") {
      source += "[^/]";
      i++;
    } else if (c === "[") {
      const b = bracket(glob, i);
      if (b === undefined) {
        source += "\\[";
        i++;
      } else {
        source += b.source;
        i = b.end + 1;
      }
    } else if (c === "\\" && i + 1 < glob.length) {
      source += glob[i + 1]!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      i += 2;
    } else {
      source += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      i++;
    }
  }
  return source;
}

/** Parses one pattern line; undefined for blank lines and `#` comments. */
function parseRule(line: string): Rule | undefined {
  let pattern = line.trim();
  if (pattern === "" || pattern.startsWith("#")) return undefined;
  let negated = false;
  if (pattern.startsWith("!")) {
    negated = true;
    pattern = pattern.slice(1);
  } else if (pattern.startsWith("\\!") || pattern.startsWith("\\#")) {
    pattern = pattern.slice(1);
  }
  let dirOnly = false;
  while (pattern.endsWith("/")) {
    dirOnly = true;
    pattern = pattern.slice(0, -1);
  }
  const anchored = pattern.includes("/");
  while (pattern.startsWith("/")) pattern = pattern.slice(1);
  if (pattern === "") return undefined;
  return { regexp: new RegExp(`^${globSource(pattern)}$`, "u"), negated, dirOnly, anchored };
}

/**
 * Compiles gitignore-style patterns: `*` and `?` stay within one name, `**` crosses "/", `[a-z]`
 * classes, `\` escapes, a pattern with a "/" other than a trailing one is anchored at the synced
 * root (a leading "/" only anchors), otherwise it matches a name at any depth; a trailing "/"
 * matches directories only; `!pattern` re-includes (the last matching pattern wins), but, as in
 * git, nothing inside an excluded directory can be re-included; blank lines and `#` comments are
 * ignored. A path is excluded if it or any ancestor directory is.
 */
export function compileExclude(patterns: readonly string[]): ExcludeFn {
  const rules = patterns.map(parseRule).filter((rule): rule is Rule => rule !== undefined);
  if (rules.length === 0) return () => false;
  /** Directories already decided, since listings ask about every entry of a directory. */
  const dirCache = new Map<string, boolean>();

  const matchesSelf = (path: string, kind: "file" | "dir"): boolean => {
    const base = path.slice(path.lastIndexOf("/") + 1);
    let excluded = false;
    for (const rule of rules) {
      if (rule.dirOnly && kind !== "dir") continue;
      if (rule.regexp.test(rule.anchored ? path : base)) excluded = !rule.negated;
    }
    return excluded;
  };

  const isExcluded = (path: string, kind: "file" | "dir"): boolean => {
    if (kind === "dir") {
      const cached = dirCache.get(path);
      if (cached !== undefined) return cached;
    }
    const slash = path.lastIndexOf("/");
    const result = (slash > 0 && isExcluded(path.slice(0, slash), "dir")) ||
      matchesSelf(path, kind);
    if (kind === "dir") dirCache.set(path, result);
    return result;
  };
  return isExcluded;
}

/**
 * The exact shape of the names `uploadTempName` and `downloadTempName` build. Only names of this
 * shape are hidden and cleaned up as leftovers: a user's own `.ftp-clone.notes` is a file like
 * any other.
 */
const TEMP_NAME_REGEXP = /^\.ftp-clone\.(?:up|down)\.[0-9a-f]{12}\.[^/]+\.part$/;

/**
 * The trash directory at the top of Local_dir (sync/trash.ts): a reserved name, hidden like the
 * temporary files so that the trash is never synchronised or watched.
 */
export const TRASH_DIR_NAME = ".ftp-clone-trash";

/** Whether a base name is one of ftp-clone's temporary files or its trash (hidden from both listings). */
export function isTemporaryName(name: string): boolean {
  return name === TRASH_DIR_NAME ||
    (name.startsWith(TEMP_NAME_PREFIX) && TEMP_NAME_REGEXP.test(name));
}

/** Options of the temporary name builders. */
export interface TempNameOptions {
  /** The random part (tests pass a fixed one). @default {12 random hex digits} */
  token?: string;
}

/** Cuts a name to at most `maxBytes` UTF-8 bytes without splitting a character. */
function cutUtf8(name: string, maxBytes: number): string {
  let bytes = 0;
  let out = "";
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += ch;
  }
  return out;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function tempName(direction: "up" | "down", name: string, options: TempNameOptions): string {
  const token = options.token ?? randomToken();
  return `${TEMP_NAME_PREFIX}${direction}.${token}.${cutUtf8(name, TEMP_ORIGINAL_MAX_BYTES)}.part`;
}

/**
 * The base name an upload is written to before the rename onto `name`, in the same remote
 * directory: `.ftp-clone.up.<12 hex>.<name, cut to 100 bytes>.part`.
 */
export function uploadTempName(name: string, options: TempNameOptions = {}): string {
  return tempName("up", name, options);
}

/** The base name a download is written to before the rename: `.ftp-clone.down.<hex>.<name>.part`. */
export function downloadTempName(name: string, options: TempNameOptions = {}): string {
  return tempName("down", name, options);
}

/**
 * Transfers of at least this many bytes (8 MiB) get a temporary name that a later try finds
 * again, to resume there; smaller ones restart (a few round trips cost more than the bytes).
 */
export const RESUMABLE_MIN_BYTES = 8 * 1024 * 1024;

/** The version of a file being transferred: a resumable temporary name belongs to it. */
export interface TempVersion {
  size: number;
  mtimeMs: number;
}

/**
 * The relative path of the temporary file of a large transfer to `relPath` (a download to the
 * local file, an upload to the remote one) of the source's `version`, or undefined for a small
 * one. Its token is 12 hex digits of a SHA-256 of those, so that every try of the same transfer
 * (a retry, the next pass) writes the same name and can resume it, and a new version does not.
 */
export function resumableTempPath(
  direction: "up" | "down",
  relPath: string,
  version: TempVersion,
): string | undefined {
  if (version.size < RESUMABLE_MIN_BYTES) return undefined;
  const token = createHash("sha256")
    .update(`${direction}\0${relPath}\0${version.size}\0${version.mtimeMs}`)
    .digest("hex")
    .slice(0, 12);
  const slash = relPath.lastIndexOf("/");
  return `${relPath.slice(0, slash + 1)}${
    tempName(direction, relPath.slice(slash + 1), { token })
  }`;
}
