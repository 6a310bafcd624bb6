/**
 * The baseline database's schema and its migrations. Version 2 adds what a pass needs to compare
 * the trees directory by directory without loading the baseline (issue 16) and to verify LIST-only
 * files in rotation (issue 12): each row's parent directory (indexed), when its remote half's exact
 * time was last confirmed, and the local device/inode and remote `unique` fact (moves).
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/** The version this code writes. */
export const SCHEMA_VERSION = 2;

/**
 * Invariant: a row exists for a path exactly when the last successful action on it left both
 * sides equal; its two halves are what each side's listing showed then. Columns carry their unit.
 * - `parent`: the path's directory ("" at the root), so that one directory's rows are one indexed
 *   query;
 * - `remote_seen_ms`: when (our clock, at the start of the pass that wrote or refreshed the row)
 *   the remote half was last observed: the recent-minute rule of `remote_times.ts` uses it;
 * - `remote_verified_ms`: when (our clock) the remote half was last written or its exact time
 *   (MDTM) last read: the rolling verification of LIST-only servers starts from it.
 */
const TABLES_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT NOT NULL PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
  path TEXT NOT NULL PRIMARY KEY,     -- relative, "/"-separated
  kind TEXT NOT NULL,                 -- file | dir
  local_kind TEXT NOT NULL,
  local_size INTEGER NOT NULL,        -- bytes
  local_mtime INTEGER NOT NULL,       -- ms since epoch, UTC
  local_precision INTEGER NOT NULL,   -- ms
  local_raw TEXT NOT NULL,
  remote_kind TEXT NOT NULL,
  remote_size INTEGER NOT NULL,       -- bytes
  remote_mtime INTEGER NOT NULL,      -- ms since epoch, UTC
  remote_precision INTEGER NOT NULL,  -- ms
  remote_raw TEXT NOT NULL,           -- the listing's time text as sent
  remote_seen_ms INTEGER NOT NULL,    -- ms since epoch, our clock
  parent TEXT NOT NULL DEFAULT '',    -- the directory of path ("" at the root)
  remote_verified_ms INTEGER NOT NULL DEFAULT 0, -- ms since epoch, our clock
  local_dev INTEGER,                  -- st_dev, when known
  local_ino INTEGER,                  -- st_ino, when known
  remote_unique TEXT                  -- MLSD's unique fact, when given
) STRICT, WITHOUT ROWID;
`;

const INDEX_SQL = "CREATE INDEX IF NOT EXISTS files_parent ON files (parent)";

/**
 * The columns version 2 added to `files`, in order (version 1 had the first 13 of TABLES_SQL).
 * `parent` is filled by the migration; `remote_verified_ms` with the migration's time, so that the
 * rows of an existing baseline come due for verification spread over the next period, not at once.
 */
const V2_COLUMNS = [
  "parent TEXT NOT NULL DEFAULT ''",
  "remote_verified_ms INTEGER NOT NULL DEFAULT 0",
  "local_dev INTEGER",
  "local_ino INTEGER",
  "remote_unique TEXT",
];

/**
 * The parent of `path` in SQL: `rtrim(path, <every character of path but "/">)` strips the last
 * component and leaves its "/", which the outer rtrim removes ("a/b/c" -> "a/b", "c" -> "").
 */
export const PARENT_SQL = "rtrim(rtrim(path, replace(path, '/', '')), '/')";

/** The parent directory of a relative path ("" at the root). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** The stored schema version: 0 for an empty database, 1 for one written before versions 2. */
export function storedVersion(db: DatabaseSync): number {
  try {
    const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
      | { value: string }
      | undefined;
    return row === undefined ? 0 : Number(row.value);
  } catch {
    return 0; // no meta table yet
  }
}

/**
 * Creates the tables or brings an older schema to {@linkcode SCHEMA_VERSION}, in one transaction
 * (a kill during the migration leaves version 1 intact). Throws on a newer version than ours: a
 * downgraded ftp-clone must not write rows it cannot describe.
 */
export function migrate(db: DatabaseSync, nowMs: number): void {
  const version = storedVersion(db);
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `its schema version ${version} is newer than this ftp-clone's (${SCHEMA_VERSION}): ` +
        "upgrade ftp-clone",
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    if (version === 1) {
      // A downgraded ftp-clone rewrites the version as 1 without dropping columns: add only
      // the missing ones.
      const present = new Set(
        (db.prepare("PRAGMA table_info(files)").all() as Array<{ name: string }>).map((c) =>
          c.name
        ),
      );
      for (const column of V2_COLUMNS) {
        if (!present.has(column.split(" ")[0]!)) db.exec(`ALTER TABLE files ADD COLUMN ${column}`);
      }
      db.exec(`UPDATE files SET parent = ${PARENT_SQL}`);
      db.prepare("UPDATE files SET remote_verified_ms = ?").run(nowMs);
    } else {
      db.exec(TABLES_SQL);
    }
    db.exec(INDEX_SQL);
    db.prepare("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)").run(
      String(SCHEMA_VERSION),
    );
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
