/**
 * Reading a section's baseline (`baseline_store.ts` has the file's format): whole, for tests and
 * tools, or one directory at a time, for a dry run and for the pass's walk. Nothing here writes:
 * a database is opened so that not even a -wal or -shm file is created.
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { BaselineRow, Entry, Side } from "./types.ts";
import { pathExists as exists } from "./local_fs.ts";
import { parentOf, SCHEMA_VERSION, storedVersion } from "./baseline_schema.ts";
import { MemoryBaselineSource } from "./baseline_source.ts";
import type { BaselineSource, LoadedBaseline, StoredRow } from "./baseline_source.ts";

/** What a baseline belongs to. Any difference makes it someone else's baseline. */
export interface BaselineRoots {
  server: string;
  port: number;
  user: string;
  remoteDir: string;
  localDir: string;
}

/** The database file of a section. */
export function baselinePath(stateDir: string, identifier: string): string {
  return join(stateDir, `${identifier}.db`);
}

/** The roots as stored in the meta table (a stable string). */
export function rootsKey(roots: BaselineRoots): string {
  return JSON.stringify([roots.server, roots.port, roots.user, roots.remoteDir, roots.localDir]);
}

/** The columns of a row as read, named in camel case (version 1 lacks the last four). */
const V1_COLUMNS = `path, kind, local_kind AS localKind, local_size AS localSize,
  local_mtime AS localMtime, local_precision AS localPrecision, local_raw AS localRaw,
  remote_kind AS remoteKind, remote_size AS remoteSize, remote_mtime AS remoteMtime,
  remote_precision AS remotePrecision, remote_raw AS remoteRaw, remote_seen_ms AS remoteSeenMs`;
export const COLUMNS =
  `${V1_COLUMNS}, remote_verified_ms AS remoteVerifiedMs, local_dev AS localDev,
  local_ino AS localIno, remote_unique AS remoteUnique`;

/** A `files` row as read. */
export interface FileRowData {
  path: string;
  kind: string;
  localKind: string;
  localSize: number;
  localMtime: number;
  localPrecision: number;
  localRaw: string;
  remoteKind: string;
  remoteSize: number;
  remoteMtime: number;
  remotePrecision: number;
  remoteRaw: string;
  remoteSeenMs: number;
  remoteVerifiedMs?: number;
  localDev?: number | null;
  localIno?: number | null;
  remoteUnique?: string | null;
}

function kindOf(value: string): "file" | "dir" {
  return value === "dir" ? "dir" : "file";
}

export function storedFromData(data: FileRowData): StoredRow {
  const local: Entry = {
    path: data.path,
    kind: kindOf(data.localKind),
    size: data.localSize,
    mtimeMs: data.localMtime,
    mtimePrecisionMs: data.localPrecision,
    rawTime: data.localRaw,
  };
  if (data.localDev !== undefined && data.localDev !== null) local.dev = data.localDev;
  if (data.localIno !== undefined && data.localIno !== null) local.ino = data.localIno;
  const remote: Entry = {
    path: data.path,
    kind: kindOf(data.remoteKind),
    size: data.remoteSize,
    mtimeMs: data.remoteMtime,
    mtimePrecisionMs: data.remotePrecision,
    rawTime: data.remoteRaw,
  };
  if (data.remoteUnique !== undefined && data.remoteUnique !== null) {
    remote.unique = data.remoteUnique;
  }
  return {
    row: { path: data.path, kind: kindOf(data.kind), local, remote },
    seenMs: data.remoteSeenMs,
    verifiedMs: data.remoteVerifiedMs ?? data.remoteSeenMs,
  };
}

/** Reads every row of an open database (version 1 or 2). */
export function readRows(db: DatabaseSync): LoadedBaseline {
  const baseline = new Map<string, BaselineRow>();
  const remoteSeenMs = new Map<string, number>();
  const remoteVerifiedMs = new Map<string, number>();
  const columns = storedVersion(db) < SCHEMA_VERSION ? V1_COLUMNS : COLUMNS;
  for (const data of db.prepare(`SELECT ${columns} FROM files`).iterate() as Iterable<unknown>) {
    const stored = storedFromData(data as FileRowData);
    baseline.set(stored.row.path, stored.row);
    remoteSeenMs.set(stored.row.path, stored.seenMs);
    remoteVerifiedMs.set(stored.row.path, stored.verifiedMs);
  }
  return { baseline, remoteSeenMs, remoteVerifiedMs };
}

/** Opens a database for reading without creating any file (no -wal, -shm or lock file). */
function openReadOnly(path: string): DatabaseSync {
  // Without a -wal file the database is complete in one file: `immutable=1` reads it without
  // creating -shm/-wal. With one (a process was killed), a plain read-only open replays it.
  return exists(`${path}-wal`)
    ? new DatabaseSync(path, { readOnly: true })
    : new DatabaseSync(`${pathToFileURL(path).href}?immutable=1`, { readOnly: true });
}

const EMPTY: LoadedBaseline = {
  baseline: new Map(),
  remoteSeenMs: new Map(),
  remoteVerifiedMs: new Map(),
};

/**
 * Reads a whole section's baseline without writing anything (tests and tools; a pass walks it
 * with {@linkcode openBaselineReader} instead). An absent database, or one whose roots differ,
 * reads as empty.
 */
export function readBaseline(
  stateDir: string,
  identifier: string,
  roots: BaselineRoots,
): LoadedBaseline {
  const path = baselinePath(stateDir, identifier);
  if (!exists(path)) return EMPTY;
  const db = openReadOnly(path);
  try {
    if (readMeta(db, "roots") !== rootsKey(roots)) return EMPTY;
    return readRows(db);
  } finally {
    db.close();
  }
}

/** A read-only baseline for `--dry-run`: nothing is created or written. Close it after use. */
export interface BaselineReader {
  source: BaselineSource;
  close(): void;
}

/**
 * Opens a section's baseline for reading one directory at a time, writing nothing (`--dry-run`).
 * An absent database, or one whose roots differ, reads as empty. A version 1 database (not yet
 * migrated by a real pass) has no parent index: it is read whole into memory, as before.
 */
export function openBaselineReader(
  stateDir: string,
  identifier: string,
  roots: BaselineRoots,
): BaselineReader {
  const path = baselinePath(stateDir, identifier);
  const empty = (): BaselineReader => ({
    source: new MemoryBaselineSource(EMPTY),
    close: () => {},
  });
  if (!exists(path)) return empty();
  const db = openReadOnly(path);
  try {
    if (readMeta(db, "roots") !== rootsKey(roots)) {
      db.close();
      return empty();
    }
    if (storedVersion(db) < SCHEMA_VERSION) {
      const loaded = readRows(db);
      db.close();
      return { source: new MemoryBaselineSource(loaded), close: () => {} };
    }
  } catch (error) {
    db.close();
    throw error;
  }
  const source = new SqliteBaselineSource(db);
  return { source, close: () => db.close() };
}

export function readMeta(db: DatabaseSync, key: string): string | undefined {
  try {
    const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  } catch {
    return undefined; // no meta table: not one of ours, or empty
  }
}

/** The walk's view of an open version 2 database. */
export class SqliteBaselineSource implements BaselineSource {
  #db: DatabaseSync;
  #children: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#children = db.prepare(`SELECT ${COLUMNS} FROM files WHERE parent = ?`);
  }

  children(dir: string): StoredRow[] {
    return (this.#children.all(dir) as unknown[]).map((data) =>
      storedFromData(data as FileRowData)
    );
  }

  directories(): Set<string> {
    const dirs = new Set<string>();
    const add = (path: string): void => {
      // Ancestors first stop at one already known (its own ancestors are then known too).
      for (let p = path; p !== "" && !dirs.has(p); p = parentOf(p)) dirs.add(p);
    };
    for (const { parent } of this.#db.prepare("SELECT DISTINCT parent FROM files").iterate()) {
      add(parent as string);
    }
    for (
      const { path } of this.#db.prepare("SELECT path FROM files WHERE kind = 'dir'").iterate()
    ) {
      add(path as string);
    }
    return dirs;
  }

  fileCounts(): Record<Side, number> {
    const row = this.#db.prepare(
      `SELECT coalesce(sum(local_kind = 'file'), 0) AS local,
         coalesce(sum(remote_kind = 'file'), 0) AS remote FROM files`,
    ).get() as { local: number; remote: number };
    return { local: row.local, remote: row.remote };
  }
}
