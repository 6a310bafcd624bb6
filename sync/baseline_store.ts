/**
 * The baseline on disk: one SQLite database per section, `<StateDirectory>/<Identifier>.db`
 * (node:sqlite, WAL mode). It belongs to its roots (server, port, user, Remote_dir, Local_dir):
 * when they no longer match, the old database is set aside and the pass is a first sync.
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Baseline, BaselineRow, BaselineUpdate, Entry } from "./types.ts";
import { pathExists as exists } from "./local_fs.ts";

/** What a baseline belongs to. Any difference makes it someone else's baseline. */
export interface BaselineRoots {
  server: string;
  port: number;
  user: string;
  remoteDir: string;
  localDir: string;
}

/** A metadata-only refresh of an unchanged remote entry (see `remote_lister.ts`). */
export interface RemoteRefresh {
  path: string;
  /** The listing's time text as sent now. */
  rawTime: string;
}

/**
 * Schema, version 1. Invariant: a row exists for a path exactly when the last successful action
 * on it left both sides equal; its two halves are what each side's listing showed then. Columns
 * carry their unit. `remote_seen_ms` is when (by our clock, at the start of the pass that wrote
 * the row) the remote half was last observed: the remote lister uses it to decide whether a
 * minute-precision LIST time could hide a rewrite within that minute.
 */
const SCHEMA_SQL = `
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
  remote_seen_ms INTEGER NOT NULL     -- ms since epoch, our clock
) STRICT, WITHOUT ROWID;
`;

const SCHEMA_VERSION = "1";

/** The database file of a section. */
export function baselinePath(stateDir: string, identifier: string): string {
  return join(stateDir, `${identifier}.db`);
}

/** The roots as stored in the meta table (a stable string). */
function rootsKey(roots: BaselineRoots): string {
  return JSON.stringify([roots.server, roots.port, roots.user, roots.remoteDir, roots.localDir]);
}

interface FileRowData {
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
}

function kindOf(value: string): "file" | "dir" {
  return value === "dir" ? "dir" : "file";
}

function rowFromData(data: FileRowData): BaselineRow {
  const local: Entry = {
    path: data.path,
    kind: kindOf(data.localKind),
    size: data.localSize,
    mtimeMs: data.localMtime,
    mtimePrecisionMs: data.localPrecision,
    rawTime: data.localRaw,
  };
  const remote: Entry = {
    path: data.path,
    kind: kindOf(data.remoteKind),
    size: data.remoteSize,
    mtimeMs: data.remoteMtime,
    mtimePrecisionMs: data.remotePrecision,
    rawTime: data.remoteRaw,
  };
  return { path: data.path, kind: kindOf(data.kind), local, remote };
}

/** Reads every row of an open database. */
function readRows(db: DatabaseSync): { baseline: Baseline; remoteSeenMs: Map<string, number> } {
  const baseline = new Map<string, BaselineRow>();
  const remoteSeenMs = new Map<string, number>();
  const statement = db.prepare(
    `SELECT path, kind, local_kind AS localKind, local_size AS localSize,
       local_mtime AS localMtime, local_precision AS localPrecision, local_raw AS localRaw,
       remote_kind AS remoteKind, remote_size AS remoteSize, remote_mtime AS remoteMtime,
       remote_precision AS remotePrecision, remote_raw AS remoteRaw,
       remote_seen_ms AS remoteSeenMs
     FROM files`,
  );
  for (const data of statement.iterate() as Iterable<unknown>) {
    const row = rowFromData(data as FileRowData);
    baseline.set(row.path, row);
    remoteSeenMs.set(row.path, (data as FileRowData).remoteSeenMs);
  }
  return { baseline, remoteSeenMs };
}

/** A loaded baseline with, per path, when its remote half was last observed (ms, our clock). */
export interface LoadedBaseline {
  baseline: Baseline;
  remoteSeenMs: ReadonlyMap<string, number>;
}

/**
 * Reads a section's baseline without writing anything (for `--dry-run` and `status`): no
 * database file, journal or lock is created. An absent database, or one whose roots differ,
 * reads as empty.
 */
export function readBaseline(
  stateDir: string,
  identifier: string,
  roots: BaselineRoots,
): LoadedBaseline {
  const path = baselinePath(stateDir, identifier);
  const empty = { baseline: new Map(), remoteSeenMs: new Map() };
  if (!exists(path)) return empty;
  // Without a -wal file the database is complete in one file: `immutable=1` reads it without
  // creating -shm/-wal. With one (a process was killed), a plain read-only open replays it.
  const db = exists(`${path}-wal`)
    ? new DatabaseSync(path, { readOnly: true })
    : new DatabaseSync(`${pathToFileURL(path).href}?immutable=1`, { readOnly: true });
  try {
    const stored = readMeta(db, "roots");
    if (stored !== rootsKey(roots)) return empty;
    return readRows(db);
  } finally {
    db.close();
  }
}

function readMeta(db: DatabaseSync, key: string): string | undefined {
  try {
    const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  } catch {
    return undefined; // no meta table: not one of ours, or empty
  }
}

/** Options of {@linkcode SqliteBaselineStore.open}. */
export interface OpenBaselineOptions {
  /** Used as `remote_seen_ms` of every row written, and for the set-aside suffix. */
  now: Date;
  /** Told when an old baseline is set aside (its roots changed). */
  onSetAside?: (setAsidePath: string) => void;
}

/** The writable baseline of one section. */
export class SqliteBaselineStore {
  readonly path: string;
  #db: DatabaseSync;
  #upsert: StatementSync;
  #delete: StatementSync;
  #refresh: StatementSync;
  #seenMs: number;

  private constructor(path: string, db: DatabaseSync, seenMs: number) {
    this.path = path;
    this.#db = db;
    this.#seenMs = seenMs;
    this.#upsert = db.prepare(
      `INSERT OR REPLACE INTO files VALUES
       (:path, :kind, :localKind, :localSize, :localMtime, :localPrecision, :localRaw,
        :remoteKind, :remoteSize, :remoteMtime, :remotePrecision, :remoteRaw, :remoteSeenMs)`,
    );
    this.#delete = db.prepare("DELETE FROM files WHERE path = ?");
    this.#refresh = db.prepare(
      "UPDATE files SET remote_raw = ?, remote_seen_ms = ? WHERE path = ?",
    );
  }

  /**
   * Opens (creating it 0600 in a 0700 StateDirectory) a section's baseline. When the stored
   * roots differ from `roots`, the old file is renamed `<id>.db.set-aside-<UTC time>` and a new
   * empty baseline starts (a first sync).
   */
  static open(
    stateDir: string,
    identifier: string,
    roots: BaselineRoots,
    options: OpenBaselineOptions,
  ): SqliteBaselineStore {
    Deno.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const path = baselinePath(stateDir, identifier);
    const key = rootsKey(roots);
    if (exists(path)) {
      const db = new DatabaseSync(path);
      let stored: string | undefined;
      try {
        stored = readMeta(db, "roots");
      } finally {
        db.close();
      }
      if (stored !== key) {
        const stamp = options.now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
        const aside = `${path}.set-aside-${stamp}`;
        Deno.renameSync(path, aside);
        for (const suffix of ["-wal", "-shm"]) {
          if (exists(path + suffix)) Deno.renameSync(path + suffix, aside + suffix);
        }
        options.onSetAside?.(aside);
      }
    }
    if (!exists(path)) {
      // Create the file ourselves so that it is 0600 whatever the umask.
      Deno.writeFileSync(path, new Uint8Array(), { mode: 0o600, createNew: true });
      Deno.chmodSync(path, 0o600);
    }
    const db = new DatabaseSync(path);
    try {
      db.exec("PRAGMA journal_mode = WAL");
      // NORMAL in WAL mode: a commit survives the process being killed (not a power cut).
      db.exec("PRAGMA synchronous = NORMAL");
      db.exec(SCHEMA_SQL);
      db.prepare("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)").run(SCHEMA_VERSION);
      db.prepare("INSERT OR REPLACE INTO meta VALUES ('roots', ?)").run(key);
    } catch (error) {
      db.close();
      throw new Error(`Cannot open the baseline "${path}": ${(error as Error).message}`, {
        cause: error,
      });
    }
    for (const suffix of ["-wal", "-shm"]) {
      if (exists(path + suffix)) Deno.chmodSync(path + suffix, 0o600);
    }
    return new SqliteBaselineStore(path, db, options.now.getTime());
  }

  /** Every row, with when each remote half was last observed. */
  load(): LoadedBaseline {
    return readRows(this.#db);
  }

  /** Applies updates in one transaction: all of them or, on error, none. */
  apply(updates: readonly BaselineUpdate[]): void {
    if (updates.length === 0) return;
    this.#transaction(() => {
      for (const update of updates) {
        if (update.row === null) {
          this.#delete.run(update.path);
        } else {
          const { local, remote } = update.row;
          this.#upsert.run({
            path: update.path,
            kind: update.row.kind,
            localKind: local.kind,
            localSize: local.size,
            localMtime: local.mtimeMs,
            localPrecision: local.mtimePrecisionMs,
            localRaw: local.rawTime,
            remoteKind: remote.kind,
            remoteSize: remote.size,
            remoteMtime: remote.mtimeMs,
            remotePrecision: remote.mtimePrecisionMs,
            remoteRaw: remote.rawTime,
            remoteSeenMs: this.#seenMs,
          });
        }
      }
    });
  }

  /** Records that unchanged remote entries were seen now, with their current time text. */
  refreshRemote(refreshes: readonly RemoteRefresh[]): void {
    if (refreshes.length === 0) return;
    this.#transaction(() => {
      for (const refresh of refreshes) {
        this.#refresh.run(refresh.rawTime, this.#seenMs, refresh.path);
      }
    });
  }

  #transaction(fn: () => void): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      fn();
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Closes the database (checkpointing the WAL). */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

/** Options of {@linkcode BaselineWriter}. */
export interface BaselineWriterOptions {
  /** Flush when this many updates are pending. @default {200} */
  maxPending?: number;
  /** Flush at most this long (ms) after the oldest pending update. @default {500} */
  maxDelayMs?: number;
}

/**
 * Batches the updates of completed actions into transactions: flushed every `maxPending`
 * updates or `maxDelayMs` after the first pending one, and on `close()`. A kill -9 loses at
 * most the unflushed updates; their paths then look, on the next pass, like files present on
 * both sides without a row, which the planner adopts when equal (downloads carry the remote
 * mtime; uploads get it set with MFMT where the server allows).
 */
export class BaselineWriter {
  #store: SqliteBaselineStore;
  #pending: BaselineUpdate[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #maxPending: number;
  #maxDelayMs: number;

  constructor(store: SqliteBaselineStore, options: BaselineWriterOptions = {}) {
    this.#store = store;
    this.#maxPending = options.maxPending ?? 200;
    this.#maxDelayMs = options.maxDelayMs ?? 500;
  }

  /** Queues updates; they reach the database within `maxDelayMs`. */
  add(updates: readonly BaselineUpdate[]): void {
    if (updates.length === 0) return;
    this.#pending.push(...updates);
    if (this.#pending.length >= this.#maxPending) {
      this.flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush();
      }, this.#maxDelayMs);
    }
  }

  /** Writes every pending update in one transaction. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#pending;
    this.#pending = [];
    this.#store.apply(batch);
  }

  /** Flushes and stops the timer (the store stays open). */
  close(): void {
    this.flush();
  }
}
