/**
 * Lists Local_dir one directory at a time for the walk (`walk.ts`): every file and directory with
 * size, mtime (ms), device and inode. Symbolic links are never followed (skipped with a warning);
 * ftp-clone's temporary files are invisible; Exclude applies. A name that is not valid UTF-8 or
 * holds a control character is refused with a warning that shows its bytes (every pass) and
 * counted: it could not be written faithfully on the server. Uses the synchronous fs API (about
 * 6 us a call against 20-60 us for the async one); the walk yields between directories.
 * @module
 */
import type { ExcludeFn } from "./exclude.ts";
import { isTemporaryName } from "./exclude.ts";
import { checkRemoteName } from "./names.ts";
import { escapedNames } from "./raw_names.ts";
import type { Entry, Listing } from "./types.ts";

/** Options of {@linkcode readLocalDir}. */
export interface ListLocalOptions {
  /** Excluded paths are not listed (nor, for a directory, anything inside it). */
  exclude: ExcludeFn;
  /** Told about each skipped symlink or special file, and each refused name. */
  onWarning: (message: string) => void;
  /** Told about each of our temporary files found (relative path), e.g. left by a killed pass. */
  onTemporary?: (path: string) => void;
  /** Told about each refused name (its relative path as Deno decodes it, U+FFFD included). */
  onRefusedName?: (path: string) => void;
}

/** Checks that Local_dir is a readable directory (a tree that cannot be seen must not look empty). */
export function checkLocalRoot(root: string): void {
  let rootInfo: Deno.FileInfo;
  try {
    rootInfo = Deno.statSync(root);
  } catch (error) {
    throw new Error(`Cannot list Local_dir "${root}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!rootInfo.isDirectory) throw new Error(`Cannot list Local_dir "${root}": not a directory`);
}

/**
 * The entries of one directory (`dir` relative to `root`, "" for the root). Throws when it cannot
 * be read: a tree that cannot be seen must never look empty (its files would be deleted on the
 * remote).
 */
export function readLocalDir(root: string, dir: string, options: ListLocalOptions): Entry[] {
  const absDir = dir === "" ? root : `${root}/${dir}`;
  let items: Deno.DirEntry[];
  try {
    items = [...Deno.readDirSync(absDir)];
  } catch (error) {
    throw new Error(`Cannot list the local directory "${absDir}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  const out: Entry[] = [];
  let refused: string[] | undefined;
  for (const item of items) {
    const path = dir === "" ? item.name : `${dir}/${item.name}`;
    if (isTemporaryName(item.name)) {
      if (item.isFile) options.onTemporary?.(path);
      continue;
    }
    if (checkRemoteName(item.name) !== undefined) {
      (refused ??= []).push(item.name);
      options.onRefusedName?.(path);
      continue;
    }
    const absPath = `${root}/${path}`;
    if (item.isSymlink) {
      options.onWarning(`Skipped the symbolic link "${absPath}": links are not followed`);
      continue;
    }
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(absPath);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue; // deleted while listing
      throw new Error(`Cannot read "${absPath}": ${(error as Error).message}`, { cause: error });
    }
    if (!info.isDirectory && !info.isFile) {
      options.onWarning(
        info.isSymlink
          ? `Skipped the symbolic link "${absPath}": links are not followed`
          : `Skipped "${absPath}": not a regular file or directory`,
      );
      continue;
    }
    const kind = info.isDirectory ? "dir" : "file";
    if (options.exclude(path, kind)) continue;
    const entry: Entry = {
      path,
      kind,
      size: kind === "dir" ? 0 : info.size,
      mtimeMs: info.mtime?.getTime() ?? 0,
      mtimePrecisionMs: 1,
      rawTime: "",
    };
    if (info.dev !== null) entry.dev = info.dev;
    if (info.ino !== null) entry.ino = info.ino;
    out.push(entry);
  }
  if (refused !== undefined) {
    for (const name of escapedNames(absDir, refused)) {
      options.onWarning(
        `Refused the local name "${name}" in "${absDir}": not valid UTF-8 or it holds a control ` +
          "character, so the server could not store it faithfully; it is not synchronised " +
          "(rename it to sync it)",
      );
    }
  }
  return out;
}

/** Lists `root` recursively into one map (tools and tests; a pass walks with `walk.ts`). */
export function listLocal(root: string, options: ListLocalOptions): Listing {
  checkLocalRoot(root);
  const listing = new Map<string, Entry>();
  const pending = [""];
  while (pending.length > 0) {
    for (const entry of readLocalDir(root, pending.pop()!, options)) {
      listing.set(entry.path, entry);
      if (entry.kind === "dir") pending.push(entry.path);
    }
  }
  return listing;
}
