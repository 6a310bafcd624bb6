/**
 * `ftp-clone service`: the synchronisation service in the foreground (what the systemd unit runs).
 * This file wires the service loop (sync/service.ts) to the real world: parametre.ini (with its
 * misconfigured sections left out), FTP connection pools, Identifier written on first use.
 * @module
 */
import { Command } from "commander";
import {
  type Config,
  configFromText,
  type ConfigFromTextOptions,
  type ConfigIssue,
  formatIssue,
  loadConfig,
  loadSecretKey,
  parseIni,
  SecretKeyError,
} from "../config/mod.ts";
import { runService as runServiceLoop, type ServiceConfigLoad } from "../sync/mod.ts";
import type { CliContext } from "./context.ts";
import type { Dispatch } from "./dispatch.ts";
import { configureLogging } from "./logging.ts";
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

const FTP_SECTION = /^FTP[1-9][0-9]*$/i;

/** The text with the lines of the named sections blanked (line numbers stay the same). */
export function withoutSections(text: string, names: ReadonlySet<string>): string {
  const sections = parseIni(text).sections;
  const lines = text.split("\n");
  sections.forEach((section, index) => {
    if (!names.has(section.name.toUpperCase())) return;
    const end = sections[index + 1]?.line ?? lines.length + 1;
    for (let line = section.line; line < end; line++) {
      lines[line - 1] = lines[line - 1]?.endsWith("\r") ? "\r" : "";
    }
  });
  return lines.join("\n");
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
  const options = {
    env: ctx.env,
    ...(ctx.stateDirOverride === undefined ? {} : { stateDirOverride: ctx.stateDirOverride }),
  };
  const format = (issues: ConfigIssue[]): string[] => issues.map(formatIssue);
  const done = (config: Config, skipped: string[]): ServiceConfigLoad => {
    if (ctx.logLevelFlag === undefined) {
      configureLogging({
        level: config.service.logLevel,
        journal: ctx.journal,
        write: ctx.output.writeErr,
      });
    }
    return { ok: true, config, warnings: format(config.warnings), skipped };
  };
  const first = await loadConfig(ctx.configPath, options);
  if (first.ok) return done(first.config, []);
  if (!load.skipBadSections) {
    return { ok: false, errors: [...format(first.errors), ...format(first.warnings)] };
  }
  const bad = new Set<string>();
  for (const issue of first.errors) {
    if (issue.line === 0 || issue.section === undefined || !FTP_SECTION.test(issue.section)) {
      return { ok: false, errors: [...format(first.errors), ...format(first.warnings)] };
    }
    bad.add(issue.section.toUpperCase());
  }
  const text = await Deno.readTextFile(ctx.configPath);
  const fromText: ConfigFromTextOptions = { ...options, path: first.errors[0]!.file };
  try {
    const key = await loadSecretKey(fromText.path, { create: false });
    if (key !== undefined) fromText.secretKey = key;
  } catch (error) {
    if (!(error instanceof SecretKeyError)) throw error;
    fromText.secretKeyError = error.message;
  }
  const second = await configFromText(withoutSections(text, bad), fromText);
  if (!second.ok) return { ok: false, errors: format(first.errors) };
  const skipped = [
    ...format(first.errors),
    ...[...bad].map((name) => `Section [${name}] has configuration errors: it is left out`),
  ];
  return done(second.config, skipped);
}

/** The body of `service`: runs until SIGTERM/SIGINT (exit 0); configuration errors exit 2. */
export function runService(ctx: CliContext, _args: ServiceArgs): Promise<number> {
  const runtime = new SectionRuntime({ configPath: ctx.configPath });
  return runServiceLoop({
    loadConfig: async (when) => {
      const load = await loadServiceConfig(ctx, { skipBadSections: when === "start" });
      if (load.ok) runtime.useStateDirectory(load.config.service.stateDirectory);
      return load;
    },
    makePool: (section) => runtime.makePool(section),
    identifierOf: (section) => runtime.identifierOf(section),
  });
}
