/**
 * The last pass report of each section, for `status` and the metrics file:
 * `<StateDirectory>/<Identifier>.report.json`, replaced atomically. Besides the last pass it keeps
 * the time of the last success, the last failure and its cause, and totals since the first pass
 * (the counters of the metrics file), carried over from the previous file at each save.
 * @module
 */
import { join } from "node:path";
import type { PassReport } from "./types.ts";

/** Sums over every pass a section made (counters survive restarts). */
export interface PassTotals {
  passes: number;
  /** Passes that ended "failed" or "aborted". */
  failedPasses: number;
  uploaded: number;
  downloaded: number;
  deletedLocal: number;
  deletedRemote: number;
  conflicts: number;
  /** Errors reported (at most 20 per pass are kept, and counted). */
  errors: number;
  /** Bytes transferred both ways. */
  bytes: number;
}

/** The last pass that did not end ok. */
export interface PassFailure {
  /** ISO 8601, UTC. */
  finishedAt: string;
  outcome: "failed" | "aborted";
  /** Its first errors; empty when the pass was stopped (the service stopping). */
  errors: string[];
}

/** What the store keeps for a section: the last report and its history. */
export interface StoredReport extends PassReport {
  /** When the last pass that ended ok ended (ISO 8601, UTC); absent before the first. */
  lastSuccessAt?: string;
  /** The last pass that did not end ok; absent before the first. */
  lastFailure?: PassFailure;
  totals: PassTotals;
}

const NO_TOTALS: PassTotals = {
  passes: 0,
  failedPasses: 0,
  uploaded: 0,
  downloaded: 0,
  deletedLocal: 0,
  deletedRemote: 0,
  conflicts: 0,
  errors: 0,
  bytes: 0,
};

/** Where a section's last report lives. */
export function reportPath(stateDir: string, identifier: string): string {
  return join(stateDir, `${identifier}.report.json`);
}

/** The new history: `previous` with `report` added. */
export function withHistory(previous: StoredReport | null, report: PassReport): StoredReport {
  const before = { ...NO_TOTALS, ...previous?.totals };
  const ok = report.outcome === "ok";
  const stored: StoredReport = {
    ...report,
    totals: {
      passes: before.passes + 1,
      failedPasses: before.failedPasses + (ok ? 0 : 1),
      uploaded: before.uploaded + report.uploaded,
      downloaded: before.downloaded + report.downloaded,
      deletedLocal: before.deletedLocal + report.deletedLocal,
      deletedRemote: before.deletedRemote + report.deletedRemote,
      conflicts: before.conflicts + report.conflicts,
      errors: before.errors + report.errors.length,
      bytes: before.bytes + report.bytes,
    },
  };
  const lastSuccessAt = ok ? report.finishedAt : previous?.lastSuccessAt;
  if (lastSuccessAt !== undefined) stored.lastSuccessAt = lastSuccessAt;
  if (report.outcome !== "ok") {
    stored.lastFailure = {
      finishedAt: report.finishedAt,
      outcome: report.outcome,
      errors: report.errors,
    };
  } else if (previous?.lastFailure !== undefined) {
    stored.lastFailure = previous.lastFailure;
  }
  return stored;
}

/** Saves a section's last pass report with its history (temp file, then rename; mode 0600). */
export function saveReport(stateDir: string, report: PassReport): void {
  Deno.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = reportPath(stateDir, report.identifier);
  const stored = withHistory(readReport(stateDir, report.identifier), report);
  const temp = `${path}.tmp-${Deno.pid}`;
  Deno.writeTextFileSync(temp, JSON.stringify(stored, null, 2) + "\n", { mode: 0o600 });
  Deno.renameSync(temp, path);
}

/** A section's last pass report, or null before its first pass (or when unreadable). */
export function readReport(stateDir: string, identifier: string): StoredReport | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(reportPath(stateDir, identifier));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  try {
    const stored = JSON.parse(text) as StoredReport;
    // Reports written before the history existed have no totals.
    return { ...stored, totals: { ...NO_TOTALS, ...stored.totals } };
  } catch {
    return null;
  }
}
