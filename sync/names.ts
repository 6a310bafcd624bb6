/**
 * Which names may be written: a remote name is refused when it could escape `Local_dir`, inject
 * an FTP command, or not be stored faithfully on a Linux disk.
 * @module
 */

/** Linux's NAME_MAX, in UTF-8 bytes. */
const NAME_MAX_BYTES = 255;

// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL_REGEXP = /[\u0000-\u001f\u007f]/;

const UTF8 = new TextEncoder();

/**
 * Why a single path component may not be written (locally or remotely), or undefined when it
 * may. Refused: empty, `.`, `..`, containing `/`, NUL or another control character (CR and LF
 * would end an FTP command), U+FFFD (a byte sequence that did not decode: writing it would
 * create a different name), or longer than 255 UTF-8 bytes. A backslash is an ordinary
 * character on Linux and is allowed.
 */
export function checkRemoteName(name: string): string | undefined {
  if (name === "") return "the name is empty";
  if (name === "." || name === "..") return `the name "${name}" is a relative directory reference`;
  if (name.includes("/")) return `the name ${JSON.stringify(name)} contains "/"`;
  if (name.includes("\0")) return `the name ${JSON.stringify(name)} contains NUL`;
  if (CONTROL_REGEXP.test(name)) {
    return `the name ${JSON.stringify(name)} contains a control character`;
  }
  if (name.includes("\ufffd")) {
    return `the name ${JSON.stringify(name)} contains bytes that are not valid UTF-8`;
  }
  // A UTF-16 code unit is at most 3 UTF-8 bytes (a surrogate pair, two units, is 4): names of up
  // to 85 units cannot be too long, and most are not encoded at all (it showed in profiles).
  if (name.length * 3 > NAME_MAX_BYTES && UTF8.encode(name).length > NAME_MAX_BYTES) {
    return `the name ${JSON.stringify(name)} is longer than ${NAME_MAX_BYTES} bytes`;
  }
  return undefined;
}

/**
 * Why a relative path (`a/b.txt`) may not be written under a root, or undefined when every
 * component passes {@linkcode checkRemoteName} and it cannot leave the root (no leading "/",
 * no empty, `.` or `..` component).
 */
export function checkRelativePath(relPath: string): string | undefined {
  if (relPath === "") return "the path is empty";
  if (relPath.startsWith("/")) return `the path ${JSON.stringify(relPath)} is absolute`;
  for (const component of relPath.split("/")) {
    const reason = checkRemoteName(component);
    if (reason !== undefined) return `the path ${JSON.stringify(relPath)} is refused: ${reason}`;
  }
  return undefined;
}

/**
 * Joins a root (local or remote, "/"-separated) and a relative path, or throws a `TypeError`
 * when the path could resolve outside the root (see {@linkcode checkRelativePath}).
 */
export function safeJoin(root: string, relPath: string): string {
  const reason = checkRelativePath(relPath);
  if (reason !== undefined) {
    throw new TypeError(`Cannot join ${JSON.stringify(relPath)} to "${root}": ${reason}`);
  }
  return root.endsWith("/") ? root + relPath : `${root}/${relPath}`;
}
