/**
 * `ftp-clone sync [SECTION...] [--dry-run]`: one pass over the named sections, then exit.
 * @module
 */
import { Command } from "commander";
import type { CliContext } from "./context.ts";
import type { SectionConfig } from "../config/mod.ts";
import {
  exitCodeFor,
  type PassReport,
  planLine,
  renameCounts,
  syncSections,
  updateMetricsFile,
} from "../sync/mod.ts";
import { type Dispatch, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./dispatch.ts";
import { errorMessage } from "./error_message.ts";
import { SectionRuntime } from "./section_runtime.ts";
import { loadConfigForCommand } from "./load_config.ts";
import { selectSections } from "./select_sections.ts";

/** The parsed arguments of `sync`. */
export interface SyncArgs {
  /** Section names as typed (case-insensitive); empty = every section. */
  sections: string[];
  /** Print the plan and change nothing. */
  dryRun: boolean;
  /** Print one JSON document instead of lines. */
  json?: boolean;
}

/** One section in `sync --json`. */
export interface SyncSectionResult extends Omit<PassReport, "section"> {
  name: string;
  /** With --dry-run: the planned actions (a rename's source in `from`). */
  actions?: { type: string; path: string; from?: string; reason: string }[];
}

/** Declares `sync`: its arguments, options and help. */
export function syncCommand(dispatch: Dispatch): Command {
  return new Command("sync")
    .summary("run one synchronisation pass now, then exit")
    .description(
      "Synchronises the named [FTPn] sections once (every section when none is named), in the\n" +
        "directions each section's Direction allows, then exits. Sections run\n" +
        "ConcurrentSynchronisations at a time. A section that the service or another sync is\n" +
        "passing is not touched (the error names the process holding it).\n" +
        "Exits 0 if every section succeeded, 1 if any failed, 2 on a configuration error.",
    )
    .argument("[section...]", "section names, e.g. FTP1 FTP2 (default: every section)")
    .option(
      "--dry-run",
      "print the planned actions, one line each with its reason, and change nothing: no file, " +
        "no baseline, no ini",
    )
    .option(
      "--json",
      'print one JSON document for scripts: {"ok","sections":[{"name","outcome","uploaded",' +
        '"downloaded","deletedLocal","deletedRemote","conflicts","bytes","errors",...}]} (with ' +
        '--dry-run, each section\'s "actions" too); logs still go to stderr',
    )
    .action((sections: string[], options: { dryRun?: boolean; json?: boolean }) => {
      dispatch((ctx) =>
        runSync(ctx, { sections, dryRun: options.dryRun === true, json: options.json === true })
      );
    });
}

/** The counts of one section's pass, as `sync` prints them. */
export function describeCounts(report: PassReport, seconds: number): string {
  return `${report.uploaded} uploaded, ${report.downloaded} downloaded, ` +
    `${report.deletedLocal} deleted locally, ${report.deletedRemote} deleted on the server, ` +
    `${report.conflicts} conflicts, ${renameCounts(report)}${report.errors.length} errors ` +
    `(${seconds.toFixed(1)} s)`;
}

/**
 * The body of `sync`: one pass over the selected sections, ConcurrentSynchronisations at a time.
 * Prints one line per section (and, with --dry-run, one line per planned action); 0 when every
 * section succeeded, 1 otherwise, 2 on a configuration error.
 */
export async function runSync(ctx: CliContext, args: SyncArgs): Promise<number> {
  const config = await loadConfigForCommand(ctx);
  if (config === undefined) return EXIT_USAGE;
  const sections = selectSections(config, args.sections, ctx);
  if (sections === undefined) return EXIT_USAGE;
  const runtime = new SectionRuntime({
    configPath: config.path,
    dryRun: args.dryRun,
    stateDir: config.service.stateDirectory,
  });
  const identifiers = new Map<SectionConfig, string>();
  const runnable: SectionConfig[] = [];
  const results = new Map<SectionConfig, SyncSectionResult>();
  let failed = false;
  for (const section of sections) {
    try {
      identifiers.set(section, await runtime.identifierOf(section));
      runnable.push(section);
    } catch (error) {
      const message = `[${section.name}] ${errorMessage(error)}`;
      if (args.json) results.set(section, failedResult(section, message));
      else ctx.output.error(message);
      failed = true;
    }
  }
  const started = new Map<SectionConfig, number>();
  const outcomes = await syncSections(runnable, {
    concurrency: config.service.concurrentSynchronisations,
    makePool: (section) => {
      started.set(section, performance.now());
      return runtime.makePool(section);
    },
    stateDir: config.service.stateDirectory,
    binDirectory: config.service.binDirectory,
    dryRun: args.dryRun,
    identifierOf: (section) => identifiers.get(section)!,
    onOutcome: (section, { report, plan }) => {
      const seconds = (performance.now() - (started.get(section) ?? 0)) / 1000;
      if (args.json) {
        const { section: _name, ...rest } = report;
        results.set(section, {
          name: section.name,
          ...rest,
          ...(args.dryRun
            ? {
              // A rename also names its source.
              actions: plan.actions.map((a) => ({
                type: a.type,
                path: a.path,
                ...("from" in a ? { from: a.from } : {}),
                reason: a.reason,
              })),
            }
            : {}),
        });
      } else if (report.outcome !== "ok") {
        // Each error was logged when it happened: not repeated here.
        const count = report.errors.length;
        ctx.output.error(
          `[${section.name}] pass ${report.outcome} with ${count} error${count === 1 ? "" : "s"} ` +
            "(logged above)",
        );
      } else if (args.dryRun) {
        ctx.output.ok(
          `[${section.name}] dry run: ${plan.actions.length} actions planned, nothing changed`,
        );
        for (const action of plan.actions) ctx.output.line(`  ${planLine(action)}`);
      } else {
        ctx.output.ok(`[${section.name}] ${describeCounts(report, seconds)}`);
      }
    },
  });
  const code = failed ? EXIT_FAILURE : exitCodeFor(outcomes);
  if (!args.dryRun && config.service.metricsFile !== undefined) {
    try {
      updateMetricsFile(
        config.service.metricsFile,
        config.service.stateDirectory,
        config.sections.map((s) => ({
          name: s.name,
          identifier: identifiers.get(s) ?? s.identifier,
        })),
        0,
      );
    } catch (error) {
      ctx.output.warning(errorMessage(error));
    }
  }
  if (args.json) {
    const list = sections.map((s) => results.get(s)).filter((r) => r !== undefined);
    ctx.output.json({ ok: code === EXIT_OK, sections: list });
  }
  return code;
}

/** A section that could not start its pass, as `sync --json` shows it. */
function failedResult(section: SectionConfig, message: string): SyncSectionResult {
  const now = new Date().toISOString();
  return {
    name: section.name,
    identifier: section.identifier ?? "",
    startedAt: now,
    finishedAt: now,
    outcome: "failed",
    uploaded: 0,
    downloaded: 0,
    deletedLocal: 0,
    deletedRemote: 0,
    conflicts: 0,
    bytes: 0,
    errors: [message],
  };
}
