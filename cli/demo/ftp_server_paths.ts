/**
 * The embedded FTP server's chroot: client paths are virtual ("/a/b c/d.txt" from the served
 * root), normalised before any disk access, and checked after resolving symlinks so that no
 * command reads or writes outside the root.
 * @module
 */

/** A client path resolved inside the root. */
export interface ResolvedPath {
  /** The normalised virtual path ("/" or "/a/b", never a trailing slash). */
  virtual: string;
  /** The path on disk (root + the virtual path's components). */
  real: string;
}

/** Why a client path was refused; the session answers 550 with `message`. */
export class PathRefused extends Error {
  /** Creates the error; `message` is sent to the client after the reply code. */
  constructor(message: string) {
    super(message);
    this.name = "PathRefused";
  }
}

/**
 * Joins `path` to the virtual `cwd` and normalises it. `.` is dropped, `..` goes up one level;
 * a `..` above the root is refused (a real chroot would clamp it, but refusing makes an escape
 * attempt visible), as are empty paths and NUL bytes.
 */
export function normalizeVirtual(cwd: string, path: string): string {
  if (path.includes("\0")) throw new PathRefused(`${path}: Invalid path`);
  const parts: string[] = [];
  const start = path.startsWith("/") ? path : `${cwd}/${path}`;
  for (const part of start.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) throw new PathRefused(`${path}: Permission denied`);
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return `/${parts.join("/")}`;
}

/** The parent of a normalised virtual path ("/" for "/" itself). */
export function virtualParent(virtual: string): string {
  const cut = virtual.lastIndexOf("/");
  return cut <= 0 ? "/" : virtual.slice(0, cut);
}

/** The last component of a normalised virtual path ("" for "/"). */
export function virtualName(virtual: string): string {
  return virtual.slice(virtual.lastIndexOf("/") + 1);
}

/** Whether `real` (an absolute, resolved path) is `root` or below it. */
function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith("/") ? root : `${root}/`);
}

/** Maps virtual paths to disk paths under one root and checks where symlinks lead. */
export class Chroot {
  /** The root with every symlink resolved. */
  readonly root: string;

  /** `root` must already be resolved (see {@linkcode openChroot}). */
  constructor(root: string) {
    this.root = root;
  }

  /** Normalises `path` against `cwd`; the disk path is not checked (see the `check*` methods). */
  resolve(cwd: string, path: string): ResolvedPath {
    const virtual = normalizeVirtual(cwd, path);
    const real = virtual === "/" ? this.root : `${this.root}${virtual}`;
    return { virtual, real };
  }

  /**
   * For commands that follow the path (RETR, CWD, LIST, SIZE...): the path must exist and lead,
   * through every symlink, to a place inside the root. Returns the resolved disk path.
   */
  async existing(path: ResolvedPath): Promise<string> {
    let real: string;
    try {
      real = await Deno.realPath(path.real);
    } catch {
      throw new PathRefused(`${path.virtual}: No such file or directory`);
    }
    if (!isInside(this.root, real)) throw new PathRefused(`${path.virtual}: Permission denied`);
    return real;
  }

  /**
   * For commands that act on the entry itself (DELE, RMD, RNFR) or create it (STOR, MKD, RNTO):
   * the parent directory must resolve inside the root. With `followTarget`, an existing symlink
   * at the path must also lead inside the root (a STOR through a link writes its target), and a
   * dangling one is refused (writing it would create the target wherever it points).
   */
  async entry(path: ResolvedPath, options: { followTarget?: boolean } = {}): Promise<void> {
    if (path.virtual === "/") throw new PathRefused("/: Permission denied");
    const parent = this.resolve("/", virtualParent(path.virtual));
    await this.existing(parent);
    if (!options.followTarget) return;
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(path.real);
    } catch {
      return; // nothing there yet
    }
    if (info.isSymlink) await this.existing(path);
  }
}

/** Resolves `root` (it must be an existing directory) and returns its {@linkcode Chroot}. */
export async function openChroot(root: string): Promise<Chroot> {
  const real = await Deno.realPath(root);
  const info = await Deno.stat(real);
  if (!info.isDirectory) throw new Error(`Cannot serve "${root}": it is not a directory`);
  return new Chroot(real);
}
