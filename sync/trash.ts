/**
 * The trash: local files deleted or overwritten by a pass are moved to
 * `<StateDirectory>/trash/<Identifier>/<relative path>` instead of being destroyed, kept
 * KeepDeleted days (Syncthing's trash can). An index, `<StateDirectory>/trash/<Identifier>.jsonl`,
 * says for each entry where it came from and why.
 * @module
 */
import { dirname, join, relative } from "node:path";
import { pathExists as exists } from "./local_fs.ts";

/** Why a file went to the trash. */
export type TrashReason =
  | "deleted on the remote"
  | "overwritten by a download"
  /** `ftp-clone trash restore --replace` put an older version in its place. */
  | "replaced by a restore";

/** One line of the trash index. */
export interface TrashRecord {
  /** ISO 8601, UTC. */
  trashedAt: string;
  /** The file's path relative to Local_dir. */
  path: string;
  /** The entry's path relative to the section's trash directory. */
  trashPath: string;
  reason: TrashReason;
  /** The file's mtime before it was trashed (ISO 8601, UTC); absent in older indexes. */
  mtime?: string;
  /** The file's size in bytes when it was trashed; absent in older indexes. */
  size?: number;
}

/** Options of {@linkcode moveToTrash}. */
export interface MoveToTrashOptions {
  /** The time of the pass: the trash entry's mtime and its suffix when the name is taken. */
  now: Date;
  reason: TrashReason;
}

/** The section's trash directory. */
export function trashDir(stateDir: string, identifier: string): string {
  return join(stateDir, "trash", identifier);
}

function indexPath(stateDir: string, identifier: string): string {
  return join(stateDir, "trash", `${identifier}.jsonl`);
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

/** Moves a file across filesystems: copy, fsync, then unlink the source. */
function copyThenUnlink(from: string, to: string): void {
  Deno.copyFileSync(from, to);
  const file = Deno.openSync(to, { read: true, write: true });
  try {
    file.syncSync();
  } finally {
    file.close();
  }
  Deno.removeSync(from);
}

/**
 * Moves `<localRoot>/<relPath>` (a file) to the section's trash and returns the trash path. If
 * this resolves, the file no longer exists at its old place. The entry's mtime becomes `now`.
 */
export function moveToTrash(
  stateDir: string,
  identifier: string,
  relPath: string,
  localRoot: string,
  options: MoveToTrashOptions,
): string {
  const root = trashDir(stateDir, identifier);
  const source = join(localRoot, relPath);
  const target = freeName(join(root, relPath), options.now);
  // The trash entry's own mtime becomes the trash time (what purging reads), so the original
  // one is kept in the index for `trash restore`.
  const before = Deno.lstatSync(source);
  Deno.mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  try {
    Deno.renameSync(source, target);
  } catch (error) {
    // EXDEV: the state directory is on another filesystem.
    if ((error as { code?: string }).code !== "EXDEV") throw error;
    copyThenUnlink(source, target);
  }
  Deno.utimeSync(target, options.now, options.now);
  const record: TrashRecord = {
    trashedAt: options.now.toISOString(),
    path: relPath,
    trashPath: relative(root, target).split("\\").join("/"),
    reason: options.reason,
    ...(before.mtime === null ? {} : { mtime: before.mtime.toISOString() }),
    size: before.size,
  };
  Deno.writeTextFileSync(indexPath(stateDir, identifier), JSON.stringify(record) + "\n", {
    append: true,
    mode: 0o600,
  });
  return target;
}

/** The trash index entries whose file is still in the trash, oldest first. */
export function listTrash(stateDir: string, identifier: string): TrashRecord[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(indexPath(stateDir, identifier));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const root = trashDir(stateDir, identifier);
  const records: TrashRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const record = JSON.parse(line) as TrashRecord;
      if (exists(join(root, record.trashPath))) records.push(record);
    } catch {
      // a line cut by a crash: ignore it
    }
  }
  return records;
}

/** Options of {@linkcode purgeTrash}. */
export interface PurgeTrashOptions {
  /** Entries whose mtime (the time they were trashed) is older than this many days go. */
  keepDays: number;
  now: Date;
}

/**
 * Deletes the section's trash entries trashed more than `keepDays` days before `now`, then the
 * directories left empty, and rewrites the index without them. Returns how many files went.
 */
export function purgeTrash(
  stateDir: string,
  identifier: string,
  options: PurgeTrashOptions,
): number {
  const root = trashDir(stateDir, identifier);
  if (!exists(root)) return 0;
  const cutoffMs = options.now.getTime() - options.keepDays * 86_400_000;
  let purged = 0;
  const walk = (dir: string): boolean => {
    let empty = true;
    for (const item of Deno.readDirSync(dir)) {
      const path = join(dir, item.name);
      if (item.isDirectory) {
        if (walk(path)) Deno.removeSync(path);
        else empty = false;
        continue;
      }
      const mtimeMs = Deno.lstatSync(path).mtime?.getTime() ?? 0;
      if (mtimeMs < cutoffMs) {
        Deno.removeSync(path);
        purged++;
      } else {
        empty = false;
      }
    }
    return empty;
  };
  walk(root);
  if (purged > 0) {
    const kept = listTrash(stateDir, identifier).map((record) => JSON.stringify(record) + "\n");
    const index = indexPath(stateDir, identifier);
    const temp = `${index}.tmp`;
    Deno.writeTextFileSync(temp, kept.join(""), { mode: 0o600 });
    Deno.renameSync(temp, index);
  }
  return purged;
}
