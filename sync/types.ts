/**
 * The data that flows through a pass: listings, the baseline, changes, the plan, results and
 * the report. Shared by every file of `sync/`; nothing here does I/O.
 * @module
 */

/** Which replica an entry, change or action concerns. Never "src/dst" or "left/right". */
export type Side = "local" | "remote";

/** One file or directory as seen on one side. */
export interface Entry {
  /** Relative to the section root, "/"-separated, no leading or trailing "/" (e.g. `a/b.txt`). */
  path: string;
  kind: "file" | "dir";
  /** Bytes; 0 for directories. */
  size: number;
  /** Modification time in ms since the epoch (UTC), truncated to `mtimePrecisionMs`. */
  mtimeMs: number;
  /** 1 for local disks, 1000 for MLSD/MDTM, 60_000 for LIST `HH:MM`, 86_400_000 for LIST years. */
  mtimePrecisionMs: number;
  /** Remote: the listing's time text as sent; local: "". */
  rawTime: string;
  /** Local only: the device and inode (st_dev, st_ino), which tell a move from a new file. */
  dev?: number;
  ino?: number;
  /** Remote only: MLSD's `unique` fact, where the server gives one (a move keeps it). */
  unique?: string;
}

/** One side's tree: path -> entry. Directories are entries too. */
export type Listing = ReadonlyMap<string, Entry>;

/** What both sides looked like right after a path was last synchronised. */
export interface BaselineRow {
  path: string;
  kind: "file" | "dir";
  local: Entry;
  remote: Entry;
}
export type Baseline = ReadonlyMap<string, BaselineRow>;

/** How a path changed on one side since the baseline. */
export type Change =
  | { kind: "created"; after: Entry }
  | { kind: "modified"; before: Entry; after: Entry }
  | { kind: "deleted"; before: Entry };

/** Per side: path -> change. Unchanged paths are absent. */
export type Changes = ReadonlyMap<string, Change>;

/** Fields shared by every action. */
interface ActionBase {
  path: string;
  /** For logs and `--dry-run`: why the planner chose this. */
  reason: string;
  /** The local entry as listed when planned (absent if none): the executor re-checks it. */
  local?: Entry;
  /** The remote entry as listed when planned (absent if none). */
  remote?: Entry;
  /**
   * An upload over, or a deletion of, a remote file that the baseline says is unchanged: the
   * version the server must still hold (the baseline's remote half, exact where known). Just
   * before the file is replaced or deleted the executor proves it at exact precision (SIZE and
   * MDTM); a version it cannot prove is never replaced or deleted.
   */
  proveRemote?: Entry;
}

/** A baseline row that a rename carries to its new path (`row.path`) from `from`. */
export interface MovedRow {
  from: string;
  row: BaselineRow;
}

/** The conflict of two versions: both kept (see `keepBoth`). */
export type KeepBothAction = ActionBase & {
  type: "keepBoth";
  /**
   * The side whose version keeps the name on both sides (the newer one). In a kind clash (a
   * file on one side, a directory on the other) the directory wins: the file is renamed to
   * `loserPath` on its side and copied there on the other, and a directory is made at `path`.
   */
  winner: Side;
  /** Relative path the other version gets on both sides (`conflictName()`). */
  loserPath: string;
  /**
   * Set by Direction (upload: "remote", download: "local"): only this side is written. The
   * loser (on this side) is renamed to `loserPath` there, the winner is copied onto `path`,
   * and the other side is left untouched (its baseline row is not written for `loserPath`).
   */
  onlySide?: Side;
};

/** Remote file -> local (the old local version to the trash first). */
export type DownloadAction = ActionBase & {
  type: "download";
  /** It replaces a local directory that this pass deletes: it runs after the deletions. */
  afterDeletions?: true;
};

/**
 * A rename on one side, A (`from`) -> B (`path`), with the same safety rules as a transfer; or
 * (`recordMove`) a move made on both sides to the same name, of which only the baseline follows.
 */
export type RenameAction = ActionBase & {
  type: "renameLocal" | "renameRemote" | "recordMove";
  /** The source path on the renamed side (its entry there is `local` or `remote`). */
  from: string;
  kind: "file" | "dir";
  /** Baseline rows moved to their new paths once the rename is done (the entry's, a tree's). */
  rows: MovedRow[];
  /**
   * Directories above `path` that the renamed side lacks when planned, shallowest first: made
   * just before the rename (a move into a new directory).
   */
  parents?: string[];
};

/** One step of a plan. */
export type Action =
  | DownloadAction
  | ActionBase & {
    type: "upload"; // local file -> remote
    /** It replaces a remote directory that this pass deletes: it runs after the deletions. */
    afterDeletions?: true;
  }
  | ActionBase & {
    type: "mkdirLocal" | "mkdirRemote";
    /**
     * The file listed at this path on the written side makes way first (a directory replaced
     * a file on the other side only): locally it goes to the trash; on the server it is
     * deleted once proved unchanged (`proveRemote`).
     */
    replaceFile?: true;
  }
  | ActionBase & { type: "deleteLocal"; kind: "file" | "dir" } // a file goes to the trash
  | ActionBase & { type: "deleteRemote"; kind: "file" | "dir" }
  | KeepBothAction
  | RenameAction
  | ActionBase & {
    /**
     * The same size on both sides with different or unknown times: the contents are compared
     * (the remote's exact time first, then the server's hash, else a download). Equal: adopted,
     * the older mtime given to both sides. Different: `ifDifferent` is carried out.
     */
    type: "compare";
    ifDifferent: KeepBothAction | DownloadAction;
    /** Set by Direction: the only side whose mtime may be aligned. */
    onlySide?: Side;
  }
  | ActionBase & { type: "adopt" } // equal on both sides: baseline only
  | ActionBase & { type: "forget" }; // deleted on both sides: baseline only

export type ActionType = Action["type"];

/** The planner's output. */
export interface Plan {
  actions: Action[];
  /** Files each side would lose (for the MaxDelete guard). */
  deletes: Record<Side, number>;
  conflicts: number;
  /** Paths the plan leaves alone this pass, and why (Direction, a kind clash, a bad name). */
  skipped?: Array<{ path: string; reason: string }>;
  /**
   * What the user must hear about at warning level on every pass while it lasts (two server
   * names that are one name in Local_dir, a file held back while it grows).
   */
  warnings?: string[];
}

/** A change to the baseline that a successful action earns: set a row, or drop it (`row: null`). */
export interface BaselineUpdate {
  path: string;
  row: BaselineRow | null;
}

/** How a `compare` action found the two versions. */
export interface Comparison {
  /**
   * `mtime`: the remote's exact time equals the local one (no content read); `hash`: the
   * server's hash against the local file's; `download`: the remote file downloaded and compared.
   */
  by: "mtime" | "hash" | "download";
  equal: boolean;
}

/** What became of one action. A failure is a value, never an exception. */
export type ActionResult =
  | {
    action: Action;
    ok: true;
    updates: BaselineUpdate[];
    bytes: number;
    /**
     * What was carried out instead of `action`, when it differs: a compare's `ifDifferent`, or a
     * `forget` when the remote version changed since the last pass and was kept, not replaced.
     */
    performed?: Action;
    /** Set on a `compare`'s result. */
    comparison?: Comparison;
  }
  | {
    action: Action;
    ok: false;
    error: string;
    transient: boolean;
    /**
     * The file changed during the pass (rewritten while it was sent, deleted or rewritten on the
     * other side since the listing): it is left for the next pass, which lists it afresh. Not a
     * failure of the pass, and it does not hold back the pass's deletions.
     */
    deferred?: boolean;
  };

/** The summary of one pass over one section (what `status` shows). */
export interface PassReport {
  section: string;
  identifier: string;
  /** ISO 8601, UTC. */
  startedAt: string;
  finishedAt: string;
  outcome: "ok" | "failed" | "aborted";
  uploaded: number;
  downloaded: number;
  deletedLocal: number;
  deletedRemote: number;
  conflicts: number;
  /**
   * Files renamed locally / on the server (case-only renames). Absent in reports saved before
   * they existed, like the two below.
   */
  renamedLocal?: number;
  renamedRemote?: number;
  /** Same-size files whose contents were compared by the server's hash / by a download. */
  comparedByHash?: number;
  comparedByDownload?: number;
  /** Bytes transferred both ways. */
  bytes: number;
  /**
   * Local names refused this pass (not valid UTF-8, or a control character): each is warned about
   * on every pass and left unsynchronised. Absent in reports written before it existed.
   */
  refusedNames?: number;
  /** The first 20 errors, each naming its path and cause. */
  errors: string[];
}
