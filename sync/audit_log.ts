/**
 * The audit trail of a pass in the log (the journal under systemd): one line per completed action
 * with its path and size, at info for what changes a file (uploaded, downloaded, deleted here or
 * on the server, moved to the trash, a conflict kept under another name), at debug for what
 * changes only the baseline or makes a directory; then one summary per pass, at info when the
 * pass changed something, at debug when it was idle. `journalctl -u ftp-clone-service -g NAME`
 * then answers "when did X go, and why?".
 *
 * Failed actions are not audited here: the executor logs each failure once, where it happens.
 * The lines are a table keyed by the action's type, so a new kind of action (a rename, a content
 * comparison) is one row; a type without a row still gets a line (`<type> "<path>": <reason>`).
 * @module
 */
import type { Logger } from "@logtape/logtape";
import { resultLine } from "./action_text.ts";
import { renameCounts } from "./pass_report.ts";
import type { ActionResult, Entry, PassReport } from "./types.ts";

/** What an audit row sees of an action: every action has a type, a path and a reason. */
export interface AuditedAction {
  type: string;
  path: string;
  reason: string;
  local?: Entry | undefined;
  remote?: Entry | undefined;
}

/** A field that only some types of action have (`kind`, `winner`...). */
function extra(action: AuditedAction, field: string): unknown {
  return (action as unknown as Record<string, unknown>)[field];
}

/** How one type of action is told: its level and its line. */
interface AuditRow {
  level: "info" | "debug";
  line: (action: AuditedAction) => string;
}

/** `"docs/a.txt"`: JSON quoting, so a name with spaces or quotes reads unambiguously. */
function quote(path: string): string {
  return JSON.stringify(path);
}

function bytes(entry: Entry | undefined): string {
  return entry === undefined ? "" : ` (${entry.size} byte${entry.size === 1 ? "" : "s"})`;
}

/** The line of each action type; see the module documentation. */
const AUDIT_ROWS: Record<string, AuditRow> = {
  upload: { level: "info", line: (a) => `uploaded ${quote(a.path)}${bytes(a.local)}: ${a.reason}` },
  download: {
    level: "info",
    line: (a) =>
      `downloaded ${quote(a.path)}${bytes(a.remote)}: ${a.reason}` +
      (a.local?.kind === "file" ? "; the local version it replaced is in the trash" : ""),
  },
  deleteLocal: {
    level: "info",
    line: (a) =>
      extra(a, "kind") === "dir"
        ? `deleted the directory ${quote(a.path)} here: ${a.reason}`
        : `deleted ${quote(a.path)} here${bytes(a.local)}, moved to the trash: ${a.reason}`,
  },
  deleteRemote: {
    level: "info",
    line: (a) =>
      extra(a, "kind") === "dir"
        ? `deleted the directory ${quote(a.path)} on the server: ${a.reason}`
        : `deleted ${quote(a.path)} on the server${bytes(a.remote)}: ${a.reason}`,
  },
  keepBoth: {
    level: "info",
    line: (a) => {
      const loser = extra(a, "winner") === "local" ? "server's" : "local";
      const only = extra(a, "onlySide");
      const where = only === undefined
        ? ""
        : only === "local"
        ? " (here only)"
        : " (on the server only)";
      return `conflict on ${quote(a.path)}: the ${loser} version is kept as ` +
        `${quote(String(extra(a, "loserPath")))}${where}: ${a.reason}`;
    },
  },
  mkdirLocal: { level: "debug", line: (a) => `made the directory ${quote(a.path)} here` },
  mkdirRemote: { level: "debug", line: (a) => `made the directory ${quote(a.path)} on the server` },
  adopt: { level: "debug", line: (a) => `recorded ${quote(a.path)} as in sync: ${a.reason}` },
  forget: { level: "debug", line: (a) => `forgot ${quote(a.path)}: ${a.reason}` },
};

/** A row for a type this table does not know yet. */
const FALLBACK: AuditRow = {
  level: "info",
  line: (a) => `${a.type} ${quote(a.path)}: ${a.reason}`,
};

/** The audit line of one completed action, and its level (pure; for tests and `sync --json`). */
export function auditLine(action: AuditedAction): { level: "info" | "debug"; text: string } {
  const row = AUDIT_ROWS[action.type] ?? FALLBACK;
  return { level: row.level, text: row.line(action) };
}

/** What {@linkcode PassAudit.summary} is told besides the report. */
export interface PassSummary {
  outcome: PassReport["outcome"];
  /** The pass's duration, formatted (`1.2`). */
  seconds: string;
  /** Actions that failed (not counting those deferred to the next pass). */
  failures: number;
}

/** The audit trail of one pass. */
export interface PassAudit {
  /** Told each action's result as it completes. */
  action(result: ActionResult): void;
  /**
   * Told that a download found the local file changed during the pass and saved the server's
   * version as `conflictPath` instead (the executor logs that line): no "downloaded" line then.
   */
  conflict(path: string, conflictPath: string): void;
  /** The summary line of the pass. */
  summary(report: PassReport, summary: PassSummary): void;
}

/** Options of {@linkcode createPassAudit}. */
export interface PassAuditOptions {
  /** Local_dir: a local deletion whose file is still there was kept (it changed meanwhile). */
  localRoot: string;
}

/** The audit trail of one pass, written to `log` (the section's logger). */
export function createPassAudit(log: Logger, options: PassAuditOptions): PassAudit {
  const lateConflicts = new Set<string>();
  let changed = false;
  return {
    action(result) {
      if (!result.ok) return;
      const action: AuditedAction = result.action;
      if (action.type === "download" && lateConflicts.has(action.path)) return;
      if (action.type === "deleteLocal" && stillThere(`${options.localRoot}/${action.path}`)) {
        return; // kept: it changed since the listing (the executor said so)
      }
      // Comparisons, renames and remote versions kept instead of replaced: `action_text.ts`
      // says how they ended.
      const outcome = AUDIT_ROWS[action.type] === undefined || result.performed !== undefined ||
          result.comparison !== undefined
        ? resultLine(result)
        : undefined;
      const { level, text } = outcome ?? auditLine(action);
      if (level === "info") {
        changed = true;
        log.info("{audit}", { audit: text, action: action.type, path: action.path });
      } else {
        log.debug("{audit}", { audit: text, action: action.type, path: action.path });
      }
    },
    conflict(path) {
      lateConflicts.add(path);
      changed = true;
    },
    summary(report, summary) {
      const line = summaryLine(report, summary);
      if (changed) log.info("{summary}", { summary: line });
      else log.debug("{summary}", { summary: line });
    },
  };
}

/** `Pass ok in 1.2 s: 3 uploaded, ...`: the counts of a pass. */
export function summaryLine(report: PassReport, summary: PassSummary): string {
  return `Pass ${summary.outcome} in ${summary.seconds} s: ${report.uploaded} uploaded, ` +
    `${report.downloaded} downloaded, ${report.deletedLocal} deleted locally, ` +
    `${report.deletedRemote} deleted on the server, ${report.conflicts} conflicts, ` +
    `${renameCounts(report)}${summary.failures} failed, ${report.bytes} bytes transferred`;
}

function stillThere(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
