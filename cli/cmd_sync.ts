/**
 * `ftp-clone sync [SECTION...] [--dry-run]`: one pass over the named sections, then exit.
 * @module
 */
import { Command } from "commander";
import type { CliContext } from "./context.ts";
import type { SectionConfig } from "../config/mod.ts";
import { type Action, exitCodeFor, type PassReport, syncSections } from "../sync/mod.ts";
import { type Dispatch, EXIT_FAILURE, EXIT_USAGE } from "./dispatch.ts";
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
    .action((sections: string[], options: { dryRun?: boolean }) => {
      dispatch((ctx) => runSync(ctx, { sections, dryRun: options.dryRun === true }));
    });
}

/** One line for an action of a dry run: what, where, why. */
export function describeAction(action: Action): string {
  const what = action.type === "keepBoth"
    ? `keep both ${action.path} (the ${action.winner} version keeps the name, the other becomes ` +
      `${action.loserPath})`
    : `${action.type} ${action.path}`;
  return `${what}: ${action.reason}`;
}

/** The counts of one section's pass, as `sync` prints them. */
export function describeCounts(report: PassReport, seconds: number): string {
  return `${report.uploaded} uploaded, ${report.downloaded} downloaded, ` +
    `${report.deletedLocal} deleted locally, ${report.deletedRemote} deleted on the server, ` +
    `${report.conflicts} conflicts, ${report.errors.length} errors (${seconds.toFixed(1)} s)`;
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
  let failed = false;
  for (const section of sections) {
    try {
      identifiers.set(section, await runtime.identifierOf(section));
      runnable.push(section);
    } catch (error) {
      ctx.output.error(`[${section.name}] ${errorMessage(error)}`);
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
      if (report.outcome !== "ok") {
        ctx.output.error(`[${section.name}] pass ${report.outcome}: ${report.errors.join("; ")}`);
      } else if (args.dryRun) {
        ctx.output.ok(
          `[${section.name}] dry run: ${plan.actions.length} actions planned, nothing changed`,
        );
        for (const action of plan.actions) ctx.output.line(`  ${describeAction(action)}`);
      } else {
        ctx.output.ok(`[${section.name}] ${describeCounts(report, seconds)}`);
      }
    },
  });
  return failed ? EXIT_FAILURE : exitCodeFor(outcomes);
}
