/**
 * The planner's table tests: entries on each side, baselines, one line per action, and a table
 * runner (one `t.step` per row of the decision table).
 * @module
 */
import assert from "node:assert/strict";
import { type Direction, plan, type PlanOptions } from "../../sync/plan.ts";
import type { Action, Baseline, BaselineRow, Entry, Listing, Plan } from "../../sync/types.ts";

/** The time of the planned pass: conflict names carry {@linkcode STAMP}. */
export const NOW = new Date("2026-11-25T14:05:01Z");
export const STAMP = "20261125T140501";
/** When the baseline's files were synced. */
export const T0 = Date.parse("2026-11-20T10:00:00Z");
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** The remote clock is 3 hours off: local and remote times are never compared for change. */
const SKEW = 3 * HOUR;

/** Options of the entry builders. */
export interface EntryOptions {
  t?: number;
  size?: number;
  /** Local: the inode (on device 1), which tells a move from a new file. */
  ino?: number;
  /** Remote: MLSD's `unique` fact. */
  unique?: string;
}

/** A local file (1 ms precision). */
export function lf(path: string, options: EntryOptions = {}): Entry {
  const t = options.t ?? T0;
  return {
    path,
    kind: "file",
    size: options.size ?? 10,
    mtimeMs: t,
    mtimePrecisionMs: 1,
    rawTime: "",
    ...(options.ino === undefined ? {} : { dev: 1, ino: options.ino }),
  };
}

/**
 * A remote file (MLSD, 1 s precision, or `precisionMs`); `t` is the local-clock time, skewed
 * unless `exact`.
 */
export function rf(
  path: string,
  options: EntryOptions & { exact?: boolean; precisionMs?: number } = {},
): Entry {
  const t = (options.t ?? T0) + (options.exact ? 0 : SKEW);
  const precision = options.precisionMs ?? 1000;
  return {
    path,
    kind: "file",
    size: options.size ?? 10,
    mtimeMs: Math.floor(t / precision) * precision,
    mtimePrecisionMs: precision,
    rawTime: "x",
    ...(options.unique === undefined ? {} : { unique: options.unique }),
  };
}

/** A local directory (with an inode when given). */
export function ld(path: string, options: { ino?: number } = {}): Entry {
  return { ...lf(path, options), kind: "dir", size: 0 };
}

/** A remote directory. */
export function rd(path: string): Entry {
  return { ...rf(path), kind: "dir", size: 0 };
}

/** A listing of entries. */
export function listing(entries: Entry[]): Listing {
  return new Map(entries.map((entry) => [entry.path, entry]));
}

/** Baseline rows as synced at T0 (files) or directories (paths ending in "/"). */
export function baseline(paths: string[]): Baseline {
  return new Map(paths.map((spec): [string, BaselineRow] => {
    const isDir = spec.endsWith("/");
    const path = isDir ? spec.slice(0, -1) : spec;
    const local = isDir ? ld(path) : lf(path);
    const remote = isDir ? rd(path) : rf(path);
    return [path, { path, kind: local.kind, local, remote }];
  }));
}

/**
 * One line per action, for readable expectations; "(proved)" marks an upload over, or a deletion
 * of, a remote file that carries the baseline's version to prove first.
 */
export function describe(action: Action): string {
  return describeAction(action) + (action.proveRemote === undefined ? "" : " (proved)");
}

function describeAction(action: Action): string {
  switch (action.type) {
    case "keepBoth":
      return `keepBoth ${action.path} winner=${action.winner} loser=${action.loserPath}` +
        (action.onlySide === undefined ? "" : ` only=${action.onlySide}`);
    case "deleteLocal":
    case "deleteRemote":
      return `${action.type} ${action.kind} ${action.path}`;
    case "compare":
      return `compare ${action.path}` +
        (action.onlySide === undefined ? "" : ` only=${action.onlySide}`) +
        ` else ${describe(action.ifDifferent)}`;
    case "renameLocal":
    case "renameRemote":
    case "recordMove":
      return `${action.type} ${action.from} -> ${action.path}` +
        (action.rows.length === 0 ? "" : ` rows=${action.rows.map((r) => r.row.path).join(",")}`) +
        (action.parents === undefined ? "" : ` parents=${action.parents.join(",")}`);
    case "mkdirLocal":
    case "mkdirRemote":
      return `${action.type} ${action.path}${action.replaceFile ? " replacing the file" : ""}`;
    case "upload":
    case "download":
      return `${action.type} ${action.path}${action.afterDeletions ? " after deletions" : ""}`;
    default:
      return `${action.type} ${action.path}`;
  }
}

/** One row of a table test. */
export interface Row {
  name: string;
  local: Entry[];
  remote: Entry[];
  /** Baseline paths (see {@linkcode baseline}), or rows. */
  baseline: string[] | Baseline;
  direction?: Direction;
  expected: string[];
  skipped?: string[];
  warnings?: RegExp[];
  /** Other options of `plan()`. */
  options?: Partial<PlanOptions>;
}

/** Plans a row. */
export function run(row: Omit<Row, "expected">): Plan {
  return plan(
    { local: listing(row.local), remote: listing(row.remote) },
    Array.isArray(row.baseline) ? baseline(row.baseline) : row.baseline,
    { direction: row.direction ?? "both", now: NOW, ...row.options },
  );
}

/** Runs each row as a step: its actions, their reasons, its skipped paths and warnings. */
export async function table(t: Deno.TestContext, rows: Row[]): Promise<void> {
  for (const row of rows) {
    await t.step(row.name, () => {
      const result = run(row);
      assert.deepEqual(result.actions.map(describe), row.expected);
      for (const action of result.actions) assert.ok(action.reason.length > 0, describe(action));
      if (row.skipped !== undefined) {
        assert.deepEqual(result.skipped?.map((s) => s.path), row.skipped);
      }
      if (row.warnings !== undefined) {
        assert.equal(result.warnings?.length, row.warnings.length, result.warnings?.join("\n"));
        row.warnings.forEach((re, i) => assert.match(result.warnings![i]!, re));
      }
    });
  }
}
