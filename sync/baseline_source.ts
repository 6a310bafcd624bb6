/**
 * How a pass reads the baseline: one directory's rows at a time, the directories it implies and
 * the per-side file counts, so that a pass never holds the whole baseline (issue 16). Implemented
 * on SQLite (`baseline_store.ts`) and, for a baseline already in memory, here.
 * @module
 */
import { parentOf } from "./baseline_schema.ts";
import type { Baseline, BaselineRow, Side } from "./types.ts";

/** A stored row with when its remote half was last observed and verified (ms, our clock). */
export interface StoredRow {
  row: BaselineRow;
  /** When the remote half was last observed (the recent-minute rule). */
  seenMs: number;
  /** When the remote half was last written or its exact time read (the rolling verification). */
  verifiedMs: number;
}

/** The device and inode of a local entry, to store in its row (`refreshLocalIdentity`). */
export interface LocalIdentity {
  path: string;
  dev: number;
  ino: number;
}

/** The baseline as a pass walks it (see `walk.ts`). */
export interface BaselineSource {
  /** The rows whose parent directory is `dir` ("" for the root). */
  children(dir: string): StoredRow[];
  /** Every directory the baseline implies: its directory rows and every ancestor of a row. */
  directories(): Set<string>;
  /** Rows whose local (remote) half is a file: the MaxDelete guard's denominators. */
  fileCounts(): Record<Side, number>;
}

/** A whole baseline in memory, with each row's seen and verified times (ms, our clock). */
export interface LoadedBaseline {
  baseline: Baseline;
  remoteSeenMs: ReadonlyMap<string, number>;
  remoteVerifiedMs: ReadonlyMap<string, number>;
}

/**
 * A baseline held in memory as a {@linkcode BaselineSource}: a version 1 database read by a dry
 * run, and tests. Rows without a seen (verified) time count as seen (verified) at 0.
 */
export class MemoryBaselineSource implements BaselineSource {
  #loaded: LoadedBaseline;
  #byParent = new Map<string, BaselineRow[]>();

  constructor(loaded: LoadedBaseline) {
    this.#loaded = loaded;
    for (const row of loaded.baseline.values()) {
      const parent = parentOf(row.path);
      const rows = this.#byParent.get(parent);
      if (rows === undefined) this.#byParent.set(parent, [row]);
      else rows.push(row);
    }
  }

  children(dir: string): StoredRow[] {
    return (this.#byParent.get(dir) ?? []).map((row) => ({
      row,
      seenMs: this.#loaded.remoteSeenMs.get(row.path) ?? 0,
      verifiedMs: this.#loaded.remoteVerifiedMs.get(row.path) ?? 0,
    }));
  }

  directories(): Set<string> {
    const dirs = new Set<string>();
    const add = (path: string): void => {
      for (let p = path; p !== "" && !dirs.has(p); p = parentOf(p)) dirs.add(p);
    };
    for (const row of this.#loaded.baseline.values()) {
      add(parentOf(row.path));
      if (row.kind === "dir") add(row.path);
    }
    return dirs;
  }

  fileCounts(): Record<Side, number> {
    const counts: Record<Side, number> = { local: 0, remote: 0 };
    for (const row of this.#loaded.baseline.values()) {
      if (row.local.kind === "file") counts.local++;
      if (row.remote.kind === "file") counts.remote++;
    }
    return counts;
  }
}
