/**
 * `ftp-clone status [--json]`: the last pass of every section, from the state directory.
 * @module
 */
import { Command } from "commander";
import type { CliContext } from "./context.ts";
import type { SectionConfig } from "../config/mod.ts";
import { describeStoredServerTime, type PassReport, readReport } from "../sync/mod.ts";
import { type Dispatch, EXIT_OK, EXIT_USAGE } from "./dispatch.ts";
import { loadConfigForCommand } from "./load_config.ts";

/** The parsed arguments of `status`. */
export interface StatusArgs {
  /** Print one JSON document instead of text. */
  json: boolean;
}

/** Declares `status`: its options and help. */
export function statusCommand(dispatch: Dispatch): Command {
  return new Command("status")
    .summary("show the last pass of every section")
    .description(
      "Shows, for every section, when its last pass started and ended, its outcome (ok, failed\n" +
        "or aborted), how many files it uploaded, downloaded and deleted on each side, its\n" +
        "conflicts, and its first 20 errors. Reads the state directory only: it does not connect\n" +
        "to any server.",
    )
    .option(
      "--json",
      'print one JSON document: {"sections":[{"name","identifier","lastPass"}]}, lastPass null ' +
        "before the first pass",
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
  /** null before the first pass. */
  lastPass: Omit<PassReport, "section" | "identifier"> | null;
}

/** Each section's last pass, read from the state directory (no connection is made). */
export function sectionStatuses(
  sections: readonly SectionConfig[],
  stateDir: string,
): SectionStatus[] {
  return sections.map((section) => {
    const report = section.identifier === undefined
      ? null
      : readReport(stateDir, section.identifier);
    if (report === null) {
      return { name: section.name, identifier: section.identifier ?? null, lastPass: null };
    }
    const { section: _name, identifier: _identifier, ...lastPass } = report;
    return { name: section.name, identifier: section.identifier ?? null, lastPass };
  });
}

/** The body of `status`: prints each section's last pass (text or --json); 0, or 2 on a config error. */
export async function runStatus(ctx: CliContext, args: StatusArgs): Promise<number> {
  const config = await loadConfigForCommand(ctx);
  if (config === undefined) return EXIT_USAGE;
  const statuses = sectionStatuses(config.sections, config.service.stateDirectory);
  if (args.json) {
    ctx.output.json({ sections: statuses });
    return EXIT_OK;
  }
  for (const status of statuses) {
    const pass = status.lastPass;
    if (pass === null) {
      ctx.output.line(`[${status.name}] no pass yet`);
      continue;
    }
    ctx.output.line(
      `[${status.name}] ${pass.outcome}: ${pass.startedAt} to ${pass.finishedAt}; ` +
        `${pass.uploaded} uploaded, ${pass.downloaded} downloaded, ` +
        `${pass.deletedLocal} deleted locally, ${pass.deletedRemote} deleted on the server, ` +
        `${pass.conflicts} conflicts, ${pass.errors.length} errors`,
    );
    for (const message of pass.errors) ctx.output.line(`  error: ${message}`);
    const section = config.sections.find((s) => s.name === status.name)!;
    const server = { host: section.server, port: section.port, user: section.user };
    ctx.output.line(
      `  server time: ${
        describeStoredServerTime(config.service.stateDirectory, server, section.serverTime)
      }`,
    );
  }
  return EXIT_OK;
}
