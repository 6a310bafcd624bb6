/**
 * The baseline on disk: one SQLite database per section, `<StateDirectory>/<Identifier>.db`
 * (node:sqlite, WAL mode; schema in `baseline_schema.ts`). It belongs to its roots (server, port,
 * user, Remote_dir, Local_dir): when they no longer match, the old database is set aside and the
 * pass is a first sync. A pass reads it one directory at a time (`BaselineSource`), never whole.
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { BaselineUpdate, Side } from "./types.ts";
import { pathExists as exists } from "./local_fs.ts";
import { migrate, parentOf } from "./baseline_schema.ts";
import type {
  BaselineSource,
  LoadedBaseline,
  LocalIdentity,
  StoredRow,
} from "./baseline_source.ts";
import {
  baselinePath,
  type BaselineRoots,
  readMeta,
  readRows,
  rootsKey,
  SqliteBaselineSource,
} from "./baseline_reader.ts";

export type {
  BaselineSource,
  LoadedBaseline,
  LocalIdentity,
  StoredRow,
} from "./baseline_source.ts";

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
