/**
 * The trash: local files deleted or overwritten by a pass are moved to
 * `<Local_dir>/.ftp-clone-trash/<relative path>` instead of being destroyed, and kept KeepDeleted
 * days (Syncthing's trash can). Inside Local_dir, the trash is on Local_dir's own file system, so
 * moving a file there is a rename: the file keeps its inode, owner, group, mode and mtime, and no
 * byte is copied. Under systemd the state directory is a separate mount, where a move would be a
 * copy. The name `.ftp-clone-trash` is reserved: both listings and the watcher hide it
 * ({@linkcode isTemporaryName}), so the trash is never synchronised. Where a rename cannot be done
 * (a file on a file system mounted inside Local_dir), the file is copied with its owner, group,
 * mode and times, then unlinked.
 *
 * An index, `<StateDirectory>/trash/<Identifier>.jsonl`, says for each entry where it came from,
 * why, when, and its owner, mode and mtime before. Entries of earlier versions, which kept the
 * trash at `<StateDirectory>/trash/<Identifier>/`, are still listed, restored and purged.
 * @module
 */
import { dirname, join, relative } from "node:path";
import { pathExists as exists } from "./local_fs.ts";
import { TRASH_DIR_NAME } from "./exclude.ts";

/** Why a file went to the trash. */
export type TrashReason =
  | "deleted on the remote"
  | "overwritten by a download"
  /** `ftp-clone trash restore --replace` put an older version in its place. */
  | "replaced by a restore"
  /** Renamed on the server, and copied here under the new name (another file system). */
  | "renamed on the remote";

/** One line of the trash index. */
export interface TrashRecord {
  /** ISO 8601, UTC. */
  trashedAt: string;
  /** The file's path relative to Local_dir. */
  path: string;
  /** The entry's path relative to the trash directory it is in. */
  trashPath: string;
  /** That trash directory (absolute); absent in indexes of the state-directory trash. */
  trashRoot?: string;
  reason: TrashReason;
  /** The file's mtime before it was trashed (ISO 8601, UTC); absent in older indexes. */
  mtime?: string;
  /** The file's size in bytes when it was trashed; absent in older indexes. */
  size?: number;
  /** Owner, group and permission bits before it was trashed; absent in older indexes. */
  uid?: number;
  gid?: number;
  mode?: number;
}

/** Options of {@linkcode moveToTrash}. */
export interface MoveToTrashOptions {
  /** The time of the pass: the index's trash time and the suffix when the name is taken. */
  now: Date;
  reason: TrashReason;
}

/** The trash directory of a section: `<Local_dir>/.ftp-clone-trash`. */
export function trashDir(localDir: string): string {
  return join(localDir, TRASH_DIR_NAME);
}

/** Where versions before 0.2 kept a section's trash (still read, restored and purged). */
export function legacyTrashDir(stateDir: string, identifier: string): string {
  return join(stateDir, "trash", identifier);
}

function indexPath(stateDir: string, identifier: string): string {
  return join(stateDir, "trash", `${identifier}.jsonl`);
}

/** The absolute path of a record's file. */
export function trashFile(stateDir: string, identifier: string, record: TrashRecord): string {
  return join(record.trashRoot ?? legacyTrashDir(stateDir, identifier), record.trashPath);
}

/** `20261125T141500`: the pass time as used in suffixes. */
function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
}

/** A free name for `path`: itself, else `<path>~<time>`, else `<path>~<time>-<n>`. */
function freeName(path: string, now: Date): string {
  if (!exists(path)) return path;
  const base = `${path}~${stamp(now)}`;
  if (!exists(base)) return base;
  for (let n = 2;; n++) {
    const candidate = `${base}-${n}`;
    if (!exists(candidate)) return candidate;
  }
}

/** Whether an error is EXDEV: the two paths are on different mounts. */
export function isCrossDevice(error: unknown): boolean {
  return (error as { code?: string }).code === "EXDEV";
}

/**
 * Copies a file with its owner, group, permission bits (setuid/setgid included) and times, to a
 * temporary name beside `to` first, synced, then renamed; `to` never holds a partial copy.
 * `rename(2)` replaces an existing `to`: callers pick a free name, or link instead.
 */
export function copyPreserving(from: string, to: string, options: { replace: boolean }): void {
  const info = Deno.lstatSync(from);
  const temp = join(dirname(to), `.ftp-clone.copy.${crypto.randomUUID()}.part`);
  try {
    Deno.copyFileSync(from, temp);
    // chown clears setuid/setgid, so the mode comes after it.
    if (info.uid !== null && info.gid !== null) Deno.chownSync(temp, info.uid, info.gid);
    if (info.mode !== null) Deno.chmodSync(temp, info.mode & 0o7777);
    const file = Deno.openSync(temp, { read: true, write: true });
    try {
      file.syncSync();
    } finally {
      file.close();
    }
    if (info.mtime !== null) Deno.utimeSync(temp, info.atime ?? info.mtime, info.mtime);
    if (options.replace) Deno.renameSync(temp, to);
    else Deno.linkSync(temp, to); // fails on an existing `to`: never clobbers
  } finally {
    try {
      Deno.removeSync(temp);
    } catch {
      // renamed already
    }
  }
}

/**
 * Moves `<localRoot>/<relPath>` (a file) to the section's trash and returns the trash path. If
 * this returns, the file no longer exists at its old place; its owner, group, mode and mtime are
 * the same in the trash.
 */
export function moveToTrash(
  stateDir: string,
  identifier: string,
  relPath: string,
  localRoot: string,
  options: MoveToTrashOptions,
): string {
  const root = trashDir(localRoot);
  const source = join(localRoot, relPath);
  const target = freeName(join(root, relPath), options.now);
  const before = Deno.lstatSync(source);
  Deno.mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  try {
    Deno.renameSync(source, target);
  } catch (error) {
    // A file on another file system mounted inside Local_dir.
    if (!isCrossDevice(error)) throw error;
    copyPreserving(source, target, { replace: false });
    Deno.removeSync(source);
  }
  const record: TrashRecord = {
    trashedAt: options.now.toISOString(),
    path: relPath,
    trashPath: relative(root, target).split("\\").join("/"),
    trashRoot: root,
    reason: options.reason,
    ...(before.mtime === null ? {} : { mtime: before.mtime.toISOString() }),
    size: before.size,
    ...(before.uid === null ? {} : { uid: before.uid }),
    ...(before.gid === null ? {} : { gid: before.gid }),
    ...(before.mode === null ? {} : { mode: before.mode & 0o7777 }),
  };
  const index = indexPath(stateDir, identifier);
  Deno.mkdirSync(dirname(index), { recursive: true, mode: 0o700 });
  Deno.writeTextFileSync(index, JSON.stringify(record) + "\n", { append: true, mode: 0o600 });
  return target;
}

/** Every readable line of the index, oldest first (files gone or not). */
function readIndex(stateDir: string, identifier: string): TrashRecord[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(indexPath(stateDir, identifier));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const records: TrashRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      records.push(JSON.parse(line) as TrashRecord);
    } catch {
      // a line cut by a crash: ignore it
    }
  }
  return records;
}

/** The trash index entries whose file is still in the trash, oldest first. */
export function listTrash(stateDir: string, identifier: string): TrashRecord[] {
  return readIndex(stateDir, identifier).filter((record) =>
    exists(trashFile(stateDir, identifier, record))
  );
}

/** Options of {@linkcode purgeTrash}. */
export interface PurgeTrashOptions {
  /** Entries trashed more than this many days before `now` go. */
  keepDays: number;
  now: Date;
}

/**
 * Deletes the section's trash entries trashed more than `keepDays` days before `now` (by the
 * index; a file the index lost, by its ctime, which the move to the trash set), then the
 * directories left empty, and rewrites the index without them. Returns how many files went.
 */
export function purgeTrash(
  stateDir: string,
  identifier: string,
  options: PurgeTrashOptions,
): number {
  const cutoffMs = options.now.getTime() - options.keepDays * 86_400_000;
  const records = readIndex(stateDir, identifier);
  const keep = new Set<string>();
  const roots = new Set([legacyTrashDir(stateDir, identifier)]);
  let purged = 0;
  const kept: TrashRecord[] = [];
  for (const record of records) {
    // Only directories this module creates are walked: an edited index cannot aim elsewhere.
    if (record.trashRoot !== undefined && !record.trashRoot.endsWith(`/${TRASH_DIR_NAME}`)) {
      continue;
    }
    if (record.trashRoot !== undefined) roots.add(record.trashRoot);
    const file = trashFile(stateDir, identifier, record);
    if (!exists(file)) continue;
    if (Date.parse(record.trashedAt) < cutoffMs) {
      Deno.removeSync(file);
      purged++;
    } else {
      keep.add(file);
      kept.push(record);
    }
  }
  const walk = (dir: string): boolean => {
    let empty = true;
    for (const item of Deno.readDirSync(dir)) {
      const path = join(dir, item.name);
      if (item.isDirectory) {
        if (walk(path)) Deno.removeSync(path);
        else empty = false;
        continue;
      }
      const info = Deno.lstatSync(path);
      const trashedMs = (info.ctime ?? info.mtime)?.getTime() ?? 0;
      if (!keep.has(path) && trashedMs < cutoffMs) {
        Deno.removeSync(path);
        purged++;
      } else {
        empty = false;
      }
    }
    return empty;
  };
  for (const root of roots) {
    if (exists(root) && walk(root)) Deno.removeSync(root);
  }
  if (kept.length !== records.length) {
    const index = indexPath(stateDir, identifier);
    const temp = `${index}.tmp`;
    Deno.writeTextFileSync(temp, kept.map((r) => JSON.stringify(r) + "\n").join(""), {
      mode: 0o600,
    });
    Deno.renameSync(temp, index);
  }
  return purged;
}
