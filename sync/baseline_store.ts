/**
 * The baseline on disk: one SQLite database per section, `<StateDirectory>/<Identifier>.db`
 * (node:sqlite, WAL mode; schema in `baseline_schema.ts`). It belongs to its roots (server, port,
 * user, Remote_dir, Local_dir): when they no longer match, the old database is set aside and the
 * pass is a first sync. A pass reads it one directory at a time (`BaselineSource`), never whole.
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { BaselineRow, BaselineUpdate, Entry, Side } from "./types.ts";
import { pathExists as exists } from "./local_fs.ts";
import { migrate, parentOf, SCHEMA_VERSION, storedVersion } from "./baseline_schema.ts";
import { MemoryBaselineSource } from "./baseline_source.ts";
import type {
  BaselineSource,
  LoadedBaseline,
  LocalIdentity,
  StoredRow,
} from "./baseline_source.ts";

export type {
  BaselineSource,
  LoadedBaseline,
  LocalIdentity,
  StoredRow,
} from "./baseline_source.ts";

/** What a baseline belongs to. Any difference makes it someone else's baseline. */
export interface BaselineRoots {
  server: string;
  port: number;
  user: string;
  remoteDir: string;
  localDir: string;
}

/**
 * A metadata-only refresh of an unchanged remote entry (see `remote_times.ts`): the listing's
 * text as sent now and, when an exact time (MDTM) was read and matched, that time, which then
 * replaces the remote half's time (the baseline holds the exact time whenever one was read).
 */
export interface RemoteRefresh {
  path: string;
  /** The listing's time text as sent now. */
  rawTime: string;
  /** The exact time read (ms since epoch, UTC, whole seconds); marks the row verified now. */
  exactMtimeMs?: number;
  /** MLSD's `unique` fact, for a row that lacks it (written after an upload). */
  unique?: string;
}

/** The database file of a section. */
export function baselinePath(stateDir: string, identifier: string): string {
  return join(stateDir, `${identifier}.db`);
}

/** The roots as stored in the meta table (a stable string). */
function rootsKey(roots: BaselineRoots): string {
  return JSON.stringify([roots.server, roots.port, roots.user, roots.remoteDir, roots.localDir]);
}

/** The columns of a row as read, named in camel case (version 1 lacks the last four). */
const V1_COLUMNS = `path, kind, local_kind AS localKind, local_size AS localSize,
  local_mtime AS localMtime, local_precision AS localPrecision, local_raw AS localRaw,
  remote_kind AS remoteKind, remote_size AS remoteSize, remote_mtime AS remoteMtime,
  remote_precision AS remotePrecision, remote_raw AS remoteRaw, remote_seen_ms AS remoteSeenMs`;
const COLUMNS = `${V1_COLUMNS}, remote_verified_ms AS remoteVerifiedMs, local_dev AS localDev,
  local_ino AS localIno, remote_unique AS remoteUnique`;

/** A `files` row as read. */
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
  remoteVerifiedMs?: number;
  localDev?: number | null;
  localIno?: number | null;
  remoteUnique?: string | null;
}

function kindOf(value: string): "file" | "dir" {
  return value === "dir" ? "dir" : "file";
}

function storedFromData(data: FileRowData): StoredRow {
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
function readRows(db: DatabaseSync): LoadedBaseline {
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

/** The walk's view of an open version 2 database. */
class SqliteBaselineSource implements BaselineSource {
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

/** Options of {@linkcode SqliteBaselineStore.open}. */
export interface OpenBaselineOptions {
  /** Used as `remote_seen_ms` of every row written, and for the set-aside suffix. */
  now: Date;
  /** Told when an old baseline is set aside (its roots changed). */
  onSetAside?: (setAsidePath: string) => void;
}

/** The writable baseline of one section. */
export class SqliteBaselineStore implements BaselineSource {
  readonly path: string;
  #db: DatabaseSync;
  #source: SqliteBaselineSource;
  #upsert: StatementSync;
  #delete: StatementSync;
  #refresh: StatementSync;
  #verify: StatementSync;
  #identity: StatementSync;
  #unique: StatementSync;
  #seenMs: number;

  private constructor(path: string, db: DatabaseSync, seenMs: number) {
    this.path = path;
    this.#db = db;
    this.#seenMs = seenMs;
    this.#source = new SqliteBaselineSource(db);
    this.#upsert = db.prepare(
      `INSERT OR REPLACE INTO files VALUES
       (:path, :kind, :localKind, :localSize, :localMtime, :localPrecision, :localRaw,
        :remoteKind, :remoteSize, :remoteMtime, :remotePrecision, :remoteRaw, :seenMs,
        :parent, :seenMs, :localDev, :localIno, :remoteUnique)`,
    );
    this.#delete = db.prepare("DELETE FROM files WHERE path = ?");
    this.#refresh = db.prepare(
      "UPDATE files SET remote_raw = ?, remote_seen_ms = ? WHERE path = ?",
    );
    this.#identity = db.prepare("UPDATE files SET local_dev = ?, local_ino = ? WHERE path = ?");
    this.#unique = db.prepare("UPDATE files SET remote_unique = ? WHERE path = ?");
    this.#verify = db.prepare(
      `UPDATE files SET remote_raw = ?, remote_seen_ms = ?, remote_mtime = ?,
         remote_precision = 1000, remote_verified_ms = ? WHERE path = ?`,
    );
  }

  /**
   * Opens (creating it 0600 in a 0700 StateDirectory) a section's baseline, migrating an older
   * schema. When the stored roots differ from `roots`, the old file is renamed
   * `<id>.db.set-aside-<UTC time>` and a new empty baseline starts (a first sync).
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
      migrate(db, options.now.getTime());
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

  /** Every row, with when each remote half was last observed (tests and tools). */
  load(): LoadedBaseline {
    return readRows(this.#db);
  }

  children(dir: string): StoredRow[] {
    return this.#source.children(dir);
  }

  directories(): Set<string> {
    return this.#source.directories();
  }

  fileCounts(): Record<Side, number> {
    return this.#source.fileCounts();
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
            seenMs: this.#seenMs,
            parent: parentOf(update.path),
            localDev: local.dev ?? null,
            localIno: local.ino ?? null,
            remoteUnique: remote.unique ?? null,
          });
        }
      }
    });
  }

  /**
   * Records the device and inode of unchanged local entries whose rows lack them (rows written
   * before they were kept) or hold others (a file replaced by a copy with the same size and
   * time): the next move of such a file is then recognised.
   */
  refreshLocalIdentity(refreshes: readonly LocalIdentity[]): void {
    if (refreshes.length === 0) return;
    this.#transaction(() => {
      for (const { path, dev, ino } of refreshes) this.#identity.run(dev, ino, path);
    });
  }

  /** Records that unchanged remote entries were seen now, with their current time text. */
  refreshRemote(refreshes: readonly RemoteRefresh[]): void {
    if (refreshes.length === 0) return;
    this.#transaction(() => {
      for (const refresh of refreshes) {
        if (refresh.unique !== undefined) this.#unique.run(refresh.unique, refresh.path);
        if (refresh.exactMtimeMs === undefined) {
          this.#refresh.run(refresh.rawTime, this.#seenMs, refresh.path);
        } else {
          this.#verify.run(
            refresh.rawTime,
            this.#seenMs,
            refresh.exactMtimeMs,
            this.#seenMs,
            refresh.path,
          );
        }
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
