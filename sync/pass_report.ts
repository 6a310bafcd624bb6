/**
 * The report of a pass (what `status` shows) and how its results fill it: counts by what each
 * action actually did (a compare that found different contents counts as the conflict it became;
 * a remote version kept instead of being replaced counts as nothing done), comparisons by method,
 * and the first errors.
 * @module
 */
import type { ActionResult, PassReport } from "./types.ts";

/** The most errors a report keeps. */
export const MAX_REPORT_ERRORS = 20;

/** A report with nothing done yet, started at `now`. */
export function emptyReport(
  options: { section: string; identifier: string; now: Date },
): PassReport {
  return {
    section: options.section,
    identifier: options.identifier,
    startedAt: options.now.toISOString(),
    finishedAt: options.now.toISOString(),
    outcome: "ok",
    uploaded: 0,
    downloaded: 0,
    deletedLocal: 0,
    deletedRemote: 0,
    conflicts: 0,
    renamedLocal: 0,
    renamedRemote: 0,
    comparedByHash: 0,
    comparedByDownload: 0,
    bytes: 0,
    refusedNames: 0,
    errors: [],
  };
}

/** The renames of a pass in words for its summary line (`1 renamed here, `), "" when none. */
export function renameCounts(report: PassReport): string {
  const here = report.renamedLocal ?? 0;
  const there = report.renamedRemote ?? 0;
  return (here > 0 ? `${here} renamed here, ` : "") +
    (there > 0 ? `${there} renamed on the server, ` : "");
}

/** Adds `n` to an optional count. */
function add(
  report: PassReport,
  key: "renamedLocal" | "renamedRemote" | "comparedByHash" | "comparedByDownload",
): void {
  report[key] = (report[key] ?? 0) + 1;
}

/** Fills a report's counts from the results. */
export function countResults(report: PassReport, results: readonly ActionResult[]): void {
  for (const result of results) {
    if (!result.ok) {
      // A file that changed during the pass is left for the next one: not an error.
      if (!result.deferred && report.errors.length < MAX_REPORT_ERRORS) {
        report.errors.push(result.error);
      }
      continue;
    }
    report.bytes += result.bytes;
    if (result.comparison?.by === "hash") add(report, "comparedByHash");
    if (result.comparison?.by === "download") add(report, "comparedByDownload");
    switch ((result.performed ?? result.action).type) {
      case "upload":
        report.uploaded++;
        break;
      case "download":
        report.downloaded++;
        break;
      case "deleteLocal":
        report.deletedLocal++;
        break;
      case "deleteRemote":
        report.deletedRemote++;
        break;
      case "keepBoth":
        report.conflicts++;
        break;
      case "renameLocal":
        add(report, "renamedLocal");
        break;
      case "renameRemote":
        add(report, "renamedRemote");
        break;
      default:
        break;
    }
  }
}
