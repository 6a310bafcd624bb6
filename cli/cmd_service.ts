/**
 * `ftp-clone service`: the synchronisation service in the foreground (what the systemd unit runs).
 * This file wires the service loop (sync/service.ts) to the real world: parametre.ini (with its
 * misconfigured sections left out at start, and said so), FTP connection pools with each
 * section's password read again before each pass, the Identifier written on first use, the
 * journal with repeated errors held back, and the answer to each reload.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { Command } from "commander";
import { formatIssue, loadConfig } from "../config/mod.ts";
import { RepeatGate, runService as runServiceLoop, type ServiceConfigLoad } from "../sync/mod.ts";
import type { CliContext } from "./context.ts";
import type { Dispatch } from "./dispatch.ts";
import { errorMessage } from "./error_message.ts";
import { loadLeavingOut, loadOptionsOf, useConfiguredLogLevel } from "./load_config.ts";
import { configureLogging } from "./logging.ts";
import { runtimeDirectory, writeReloadAnswer } from "./reload_answer.ts";
import { SectionRuntime } from "./section_runtime.ts";

/** The parsed arguments of `service` (none yet). */
export type ServiceArgs = Record<string, never>;

/** Declares `service`: its help. */
export function serviceCommand(dispatch: Dispatch): Command {
  return new Command("service")
    .summary("run the synchronisation service in the foreground (what the systemd unit runs)")
    .description(
      "Runs every section in a loop until stopped: a pass every ServiceWait minutes and, with\n" +
        "Watch = yes, a pass a few seconds after local changes settle. At most\n" +
        "ConcurrentSynchronisations sections pass at once. A failing section is logged and\n" +
        "retried at its next tick; the others go on. Logs go to stderr (to the journal under\n" +
        "systemd). SIGHUP reloads parametre.ini (a file with errors is refused and the running\n" +
        "configuration stays); SIGTERM or SIGINT stops cleanly and exits 0.\n" +
        "A section with configuration errors is reported and left out; errors outside the\n" +
        "[FTPn] sections stop the start (exit 2).\n" +
        "Normally started by systemd: see install.",
    )
    .action(() => {
      dispatch((ctx) => runService(ctx, {}));
    });
}

/** Options of {@linkcode loadServiceConfig}. */
export interface LoadServiceConfigOptions {
  /**
   * When every error belongs to an [FTPn] section, leave those sections out (their errors come
   * back in `skipped`) and run the others. Used at start; a reload refuses any error instead.
   */
  skipBadSections: boolean;
}

/** Loads parametre.ini for the service (see {@linkcode LoadServiceConfigOptions}). */
export async function loadServiceConfig(
  ctx: CliContext,
  load: LoadServiceConfigOptions,
): Promise<ServiceConfigLoad> {
  if (!load.skipBadSections) {
    const result = await loadConfig(ctx.configPath, loadOptionsOf(ctx));
    if (!result.ok) {
      return { ok: false, errors: [...result.errors, ...result.warnings].map(formatIssue) };
    }
    useConfiguredLogLevel(ctx, result.config);
    return {
      ok: true,
      config: result.config,
      warnings: result.config.warnings.map(formatIssue),
      skipped: [],
      leftOut: [],
    };
  }
  const result = await loadLeavingOut(ctx);
  if (!result.ok) {
    return { ok: false, errors: [...result.errors, ...result.warnings].map(formatIssue) };
  }
  useConfiguredLogLevel(ctx, result.config);
  const skipped = result.leftOut.flatMap((section) => [
    ...section.errors,
    `Section [${section.name}] has configuration errors: it is left out (the other sections ` +
    `run; "ftp-clone status" shows it as failed)`,
  ]);
  return {
    ok: true,
    config: result.config,
    warnings: result.warnings,
    skipped,
    leftOut: result.leftOut.map((section) => section.name),
  };
}

/** The body of `service`: runs until SIGTERM/SIGINT (exit 0); configuration errors exit 2. */
export function runService(ctx: CliContext, _args: ServiceArgs): Promise<number> {
  // The same error at every pass of a failing section is written once, then reminded.
  const gate = new RepeatGate();
  const logged: CliContext = { ...ctx, logGate: (record) => gate.admit(record) };
  configureLogging({
    level: ctx.logLevelFlag ?? "info",
    journal: ctx.journal,
    write: ctx.output.writeErr,
    gate: (record) => gate.admit(record),
  });
  const runtime = new SectionRuntime({ configPath: ctx.configPath, refreshPasswords: ctx });
  const answers = runtimeDirectory(ctx.env);
  let seq = 0;
  return runServiceLoop({
    loadConfig: async (when) => {
      const load = await loadServiceConfig(logged, { skipBadSections: when === "start" });
      if (load.ok) runtime.useStateDirectory(load.config.service.stateDirectory);
      return load;
    },
    makePool: (section) => runtime.makePool(section),
    identifierOf: (section) => runtime.identifierOf(section),
    marks: gate,
    onReloaded: (answer) => {
      if (answers === undefined) return;
      try {
        writeReloadAnswer(answers, {
          ...answer,
          pid: Deno.pid,
          seq: ++seq,
          at: new Date().toISOString(),
        });
      } catch (error) {
        getLogger(["ftp-clone", "service"]).error(
          "Cannot write the reload's answer into {dir}: {error}",
          { dir: answers, error: errorMessage(error) },
        );
      }
    },
  });
}
