/**
 * `ftp-clone status [--json]`: the last pass of every section, from the state directory, and
 * whether each is healthy, for people and for monitoring. Exit 0 only when every section's last
 * pass succeeded and is recent (it ended within {@linkcode STALE_WAITS} ServiceWaits, at least
 * {@linkcode STALE_MIN_MINUTES} minutes, or a pass is running now); else 1, saying which and why.
 * A section left out for configuration errors is shown, as failed, with its errors.
 * @module
 */
import { Command } from "commander";
import { join } from "node:path";
import type { Config } from "../config/mod.ts";
import { formatIssue } from "../config/mod.ts";
import {
  describeStoredServerTime,
  readReport,
  sectionLockPath,
  type StoredReport,
} from "../sync/mod.ts";
import type { CliContext } from "./context.ts";
import { type Dispatch, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./dispatch.ts";
import { type LeftOutSection, loadLeavingOut, printConfigErrors } from "./load_config.ts";
import { errorMessage } from "./error_message.ts";

/** A last pass older than this many ServiceWaits is stale (the service may be down). */
export const STALE_WAITS = 3;
/** ...but never less than this many minutes (a short ServiceWait, a pass of a few minutes). */
export const STALE_MIN_MINUTES = 5;

/** The parsed arguments of `status`. */
export interface StatusArgs {
  /** Print one JSON document instead of text. */
  json: boolean;
  /** The time to judge recency against. @default {new Date()} */
  now?: Date;
}

/** Declares `status`: its options and help. */
export function statusCommand(dispatch: Dispatch): Command {
  return new Command("status")
    .summary("show the last pass of every section; exit 0 only when all are healthy")
    .description(
      "Shows, for every section, when its last pass started and ended, its outcome (ok, failed\n" +
        "or aborted), how many files it uploaded, downloaded and deleted on each side, its\n" +
        "conflicts, its first 20 errors, and the last success and last failure. Reads the state\n" +
        "directory only: it does not connect to any server.\n" +
        `Exits 0 only when every section's last pass succeeded and ended within ${STALE_WAITS}\n` +
        `ServiceWaits (at least ${STALE_MIN_MINUTES} min), or a pass is running now; else exits 1\n` +
        "and says which section is not healthy and why (for monitoring: cron, Nagios, a\n" +
        "healthcheck). A section left out for configuration errors counts as failed.",
    )
    .option(
      "--json",
      'print one JSON document: {"healthy","sections":[{"name","identifier","healthy","problem",' +
        '"running","lastPass","lastSuccess","lastFailure","configErrors"}]}',
    )
    .action((options: { json?: boolean }) => {
      dispatch((ctx) => runStatus(ctx, { json: options.json === true }));
    });
}

/** One section in `status --json`. */
export interface SectionStatus {
  name: string;
  /** null before the section's first pass wrote one. */
  identifier: string | null;
  /** Its last pass succeeded and is recent. */
  healthy: boolean;
  /** Why it is not healthy; null when it is. */
  problem: string | null;
  /** A pass holds the section's lock now. */
  running: boolean;
  /** null before the first pass. */
  lastPass: Omit<StoredReport, "section" | "identifier" | "lastSuccessAt" | "lastFailure"> | null;
  /** When a pass last ended ok (ISO 8601); null if never. */
  lastSuccess: string | null;
  /** The last pass that did not end ok, and its cause (its first error); null if none. */
  lastFailure: { at: string; outcome: "failed" | "aborted"; cause: string | null } | null;
  /** The section's configuration errors when it was left out; empty otherwise. */
  configErrors: string[];
}

/** Whether a pass holds the section's lock now (its pid is written in the lock file). */
function passRunning(stateDir: string, identifier: string): boolean {
  let text: string;
  try {
    text = Deno.readTextFileSync(sectionLockPath(stateDir, identifier)).trim();
  } catch {
    return false;
  }
  // A released lock is emptied; a killed holder leaves its pid behind: check it still runs.
  if (!/^[1-9][0-9]*$/.test(text)) return false;
  try {
    Deno.statSync(join("/proc", text));
    return true;
  } catch {
    return false;
  }
}

/** When `iso` was, for people: `2026-11-25T10:00:00Z (12 min ago)`. */
function ago(iso: string, now: Date): string {
  const minutes = Math.round((now.getTime() - Date.parse(iso)) / 60_000);
  const short = iso.replace(/\.\d+Z$/, "Z");
  if (minutes < 1) return `${short} (just now)`;
  if (minutes < 120) return `${short} (${minutes} min ago)`;
  return `${short} (${Math.round(minutes / 60)} h ago)`;
}

/** Each section's status, read from the state directory (no connection is made). */
export function sectionStatuses(
  config: Config,
  leftOut: readonly LeftOutSection[],
  now: Date,
): SectionStatus[] {
  const stateDir = config.service.stateDirectory;
  const staleMs = Math.max(STALE_WAITS * config.service.serviceWaitMinutes, STALE_MIN_MINUTES) *
    60_000;
  const one = (
    name: string,
    identifier: string | undefined,
    configErrors: string[],
  ): SectionStatus => {
    const report = identifier === undefined ? null : readReport(stateDir, identifier);
    const running = identifier !== undefined && passRunning(stateDir, identifier);
    let lastPass: SectionStatus["lastPass"] = null;
    if (report !== null) {
      const {
        section: _name,
        identifier: _identifier,
        lastSuccessAt: _success,
        lastFailure: _failure,
        ...rest
      } = report;
      lastPass = rest;
    }
    const failure = report?.lastFailure;
    const status: SectionStatus = {
      name,
      identifier: identifier ?? null,
      healthy: false,
      problem: null,
      running,
      lastPass,
      lastSuccess: report?.lastSuccessAt ?? null,
      lastFailure: failure === undefined
        ? null
        : { at: failure.finishedAt, outcome: failure.outcome, cause: failure.errors[0] ?? null },
      configErrors,
    };
    status.problem = problemOf(status, report, now, staleMs);
    status.healthy = status.problem === null;
    return status;
  };
  return [
    ...config.sections.map((s) => one(s.name, s.identifier, [])),
    ...leftOut.map((s) => one(s.name, s.identifier, s.errors)),
  ];
}

/** Why a section is not healthy, or null. */
function problemOf(
  status: SectionStatus,
  report: StoredReport | null,
  now: Date,
  staleMs: number,
): string | null {
  if (status.configErrors.length > 0) {
    return "not synchronised: its configuration has errors (fix them, then ftp-clone restart)";
  }
  if (report === null) {
    return status.running ? "its first pass is running" : "no pass yet";
  }
  if (report.outcome !== "ok") {
    const cause = report.errors[0] ??
      (report.outcome === "aborted" ? "stopped during the pass" : "unknown");
    return `its last pass ${report.outcome} at ${ago(report.finishedAt, now)}: ${cause}`;
  }
  if (!status.running && now.getTime() - Date.parse(report.finishedAt) > staleMs) {
    return `its last pass ended at ${ago(report.finishedAt, now)}, more than ` +
      `${Math.round(staleMs / 60_000)} min ago: is the service running?`;
  }
  return null;
}

/** The body of `status`: 0 every section healthy, 1 not, 2 a configuration error elsewhere. */
export async function runStatus(ctx: CliContext, args: StatusArgs): Promise<number> {
  let load: Awaited<ReturnType<typeof loadLeavingOut>>;
  try {
    load = await loadLeavingOut(ctx);
  } catch (error) {
    ctx.output.error(`Cannot load configuration "${ctx.configPath}": ${errorMessage(error)}`);
    return EXIT_USAGE;
  }
  if (!load.ok) {
    for (const warning of load.warnings) ctx.output.warning(formatIssue(warning));
    printConfigErrors(ctx, load.errors);
    return EXIT_USAGE;
  }
  for (const warning of load.warnings) ctx.output.warning(warning);
  const statuses = sectionStatuses(load.config, load.leftOut, args.now ?? new Date());
  const healthy = statuses.every((s) => s.healthy);
  if (args.json) {
    ctx.output.json({ healthy, sections: statuses });
    return healthy ? EXIT_OK : EXIT_FAILURE;
  }
  for (const status of statuses) printStatus(ctx, status, load.config);
  for (const status of statuses) {
    if (!status.healthy) ctx.output.error(`[${status.name}] ${status.problem}`);
  }
  return healthy ? EXIT_OK : EXIT_FAILURE;
}

function printStatus(ctx: CliContext, status: SectionStatus, config: Config): void {
  const pass = status.lastPass;
  const running = status.running ? " (a pass is running now)" : "";
  if (status.configErrors.length > 0) {
    ctx.output.line(`[${status.name}] failed: left out, its configuration has errors`);
    for (const error of status.configErrors) ctx.output.line(`  ${error}`);
  } else if (pass === null) {
    ctx.output.line(`[${status.name}] no pass yet${running}`);
  } else {
    ctx.output.line(
      `[${status.name}] ${pass.outcome}: ${pass.startedAt} to ${pass.finishedAt}; ` +
        `${pass.uploaded} uploaded, ${pass.downloaded} downloaded, ` +
        `${pass.deletedLocal} deleted locally, ${pass.deletedRemote} deleted on the server, ` +
        `${pass.conflicts} conflicts, ${pass.errors.length} errors${running}`,
    );
    const renamed = (pass.renamedLocal ?? 0) + (pass.renamedRemote ?? 0);
    if (renamed > 0) {
      ctx.output.line(
        `  ${pass.renamedLocal ?? 0} renamed here, ${
          pass.renamedRemote ?? 0
        } renamed on the server`,
      );
    }
    if ((pass.refusedNames ?? 0) > 0) {
      ctx.output.line(
        `  ${pass.refusedNames} local names refused (not valid UTF-8, or holding a control ` +
          "character): the journal shows each one escaped",
      );
    }
    for (const message of pass.errors) ctx.output.line(`  error: ${message}`);
    const section = config.sections.find((s) => s.name === status.name);
    if (section !== undefined) {
      const server = { host: section.server, port: section.port, user: section.user };
      const time = describeStoredServerTime(
        config.service.stateDirectory,
        server,
        section.serverTime,
      );
      ctx.output.line(`  server time: ${time}`);
    }
  }
  if (status.lastSuccess !== null && pass?.outcome !== "ok") {
    ctx.output.line(`  last success: ${status.lastSuccess}`);
  }
  if (status.lastFailure !== null && pass?.outcome === "ok") {
    const cause = status.lastFailure.cause === null ? "" : `: ${status.lastFailure.cause}`;
    ctx.output.line(
      `  last failure: ${status.lastFailure.at} (${status.lastFailure.outcome})${cause}`,
    );
  }
}
