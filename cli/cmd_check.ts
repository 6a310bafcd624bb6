/**
 * `ftp-clone check`: validates parametre.ini, then tests every section for real (log in, list
 * Remote_dir, Local_dir usable) and prints one line per section. Changes nothing anywhere.
 * @module
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { getLogger } from "@logtape/logtape";
import { Command } from "commander";
import { type Config, formatIssue, loadConfig, type SectionConfig } from "../config/mod.ts";
import { connectRemoteFs, describeStoredServerTime, ServerProfiles } from "../sync/mod.ts";
import type { CliContext } from "./context.ts";
import { type Dispatch, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./dispatch.ts";
import { errorMessage } from "./error_message.ts";
import { loadConfigForCommand, loadOptionsOf, useConfiguredLogLevel } from "./load_config.ts";
import { connectOptionsOf } from "./section_runtime.ts";

/** The parsed arguments of `check`. */
export interface CheckArgs {
  /** Print one JSON document instead of lines. */
  json?: boolean;
}

/** How long one section may take to connect and log in, in ms. */
export const CHECK_CONNECT_TIMEOUT_MS = 15_000;

/** Declares `check`: its help. */
export function checkCommand(dispatch: Dispatch): Command {
  return new Command("check")
    .summary("validate parametre.ini and test every section's server and directories")
    .description(
      "Validates parametre.ini and prints every error, one per line, as\n" +
        "  <file>:<line>: [<section>] <key>: <problem>\n" +
        "then exits 2 if there is any. Otherwise, for every section: connects with its TLS\n" +
        "settings, logs in, checks that Remote_dir exists, and that Local_dir exists and is\n" +
        "writable (readable is enough with Direction = upload). Prints one line per section:\n" +
        "  ok: [FTP1] ...\n" +
        "  error: [FTP1] <reason>\n" +
        "Changes nothing, locally or on the servers. Exits 0 only if every section passes, 1\n" +
        "otherwise.",
    )
    .option(
      "--json",
      'print one JSON document for scripts: {"ok","config","valid","errors","warnings",' +
        '"sections":[{"name","ok","reasons"}]}',
    )
    .action((options: { json?: boolean }) => {
      dispatch((ctx) => runCheck(ctx, { json: options.json === true }));
    });
}

/** One section's verdict: no reasons means it passed. */
interface SectionVerdict {
  section: SectionConfig;
  reasons: string[];
}

/** The body of `check`: 0 all sections pass, 1 any fails, 2 configuration errors. */
export async function runCheck(ctx: CliContext, args: CheckArgs): Promise<number> {
  if (args.json) return await runCheckJson(ctx);
  const config = await loadConfigForCommand(ctx);
  if (config === undefined) return EXIT_USAGE;
  const count = config.sections.length;
  ctx.output.ok(
    `Configuration "${config.path}" is valid: ` +
      (count === 0 ? "no [FTPn] section" : `${count} section${count === 1 ? "" : "s"}`) + ".",
  );
  const verdicts = await checkSections(config);
  let failed = false;
  for (const { section, reasons } of verdicts) {
    if (reasons.length === 0) {
      ctx.output.ok(`[${section.name}] ${describeSuccess(section)}.`);
      ctx.output.line(`  server time: ${serverTimeOf(section, config.service.stateDirectory)}`);
    } else {
      failed = true;
      ctx.output.error(`[${section.name}] ${reasons.join("; ")}`);
    }
  }
  return failed ? EXIT_FAILURE : EXIT_OK;
}

/** `check --json`: the same checks, one document on stdout. */
async function runCheckJson(ctx: CliContext): Promise<number> {
  let result: Awaited<ReturnType<typeof loadConfig>>;
  try {
    result = await loadConfig(ctx.configPath, loadOptionsOf(ctx));
  } catch (error) {
    result = {
      ok: false,
      errors: [{ file: ctx.configPath, line: 0, message: errorMessage(error) }],
      warnings: [],
    };
  }
  const warnings = (result.ok ? result.config.warnings : result.warnings).map(formatIssue);
  if (!result.ok) {
    ctx.output.json({
      ok: false,
      config: ctx.configPath,
      valid: false,
      errors: result.errors.map(formatIssue),
      warnings,
      sections: [],
    });
    return EXIT_USAGE;
  }
  useConfiguredLogLevel(ctx, result.config);
  const verdicts = await checkSections(result.config);
  const ok = verdicts.every((v) => v.reasons.length === 0);
  ctx.output.json({
    ok,
    config: result.config.path,
    valid: true,
    errors: [],
    warnings,
    sections: verdicts.map(({ section, reasons }) => ({
      name: section.name,
      ok: reasons.length === 0,
      reasons,
    })),
  });
  return ok ? EXIT_OK : EXIT_FAILURE;
}

/** Every section's verdict, ConcurrentSynchronisations at a time, in file order. */
function checkSections(config: Config): Promise<SectionVerdict[]> {
  // What the servers teach is logged at debug: check reports its own findings, writes nothing.
  const profiles = new ServerProfiles({ quiet: true });
  return mapLimited(
    config.sections,
    Math.max(1, config.service.concurrentSynchronisations),
    (section) => checkSection(section, profiles),
  );
}

/** What the state directory holds about the section's server time (nothing is measured here). */
function serverTimeOf(section: SectionConfig, stateDir: string): string {
  const server = { host: section.server, port: section.port, user: section.user };
  return describeStoredServerTime(stateDir, server, section.serverTime);
}

/** `ftpes://user@host:port`, without the password. */
function serverUrl(section: SectionConfig): string {
  return `${section.type}://${section.user}@${section.server}:${section.port}`;
}

function describeSuccess(section: SectionConfig): string {
  const local = section.direction === "upload" ? "is readable" : "is writable";
  return `Logged in to ${serverUrl(section)}; Remote_dir "${section.remoteDir}" exists; ` +
    `Local_dir "${section.localDir}" ${local}`;
}

/** Runs every check of one section; never throws. */
async function checkSection(
  section: SectionConfig,
  profiles: ServerProfiles,
): Promise<SectionVerdict> {
  const log = getLogger(["ftp-clone", section.name, "check"]);
  const reasons: string[] = [];
  log.debug("Checking Local_dir {dir}", { dir: section.localDir });
  const local = await checkLocalDir(section);
  if (local !== undefined) reasons.push(local);
  if (section.passwordError !== undefined) {
    reasons.push(section.passwordError);
  } else {
    log.debug("Connecting to {url}, then listing Remote_dir {dir}", {
      url: serverUrl(section),
      dir: section.remoteDir,
    });
    const remote = await checkRemoteDir(section, profiles);
    if (remote !== undefined) reasons.push(remote);
  }
  return { section, reasons };
}

/** Why Local_dir is unusable, or undefined. */
async function checkLocalDir(section: SectionConfig): Promise<string | undefined> {
  const dir = section.localDir;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return `Local_dir "${dir}" does not exist`;
    return `Local_dir "${dir}" cannot be accessed: ${errorMessage(error)}`;
  }
  if (!info.isDirectory) return `Local_dir "${dir}" is not a directory`;
  // access(2) asks the kernel without writing anything (a test file would wake a watching
  // service); it also reports a read-only file system (EROFS).
  const upload = section.direction === "upload";
  const mode = constants.R_OK | constants.X_OK | (upload ? 0 : constants.W_OK);
  try {
    await access(dir, mode);
  } catch (error) {
    return `Local_dir "${dir}" is not ${upload ? "readable" : "writable"}: ${errorMessage(error)}`;
  }
  return undefined;
}

/** Why the server or Remote_dir is unusable, or undefined. Only this opens a connection. */
async function checkRemoteDir(
  section: SectionConfig,
  profiles: ServerProfiles,
): Promise<string | undefined> {
  let remote: Awaited<ReturnType<typeof connectRemoteFs>>;
  try {
    remote = await connectRemoteFs({
      ...connectOptionsOf(section),
      timeoutMs: CHECK_CONNECT_TIMEOUT_MS,
      profiles,
    });
  } catch (error) {
    return `Login to ${serverUrl(section)} failed: ${errorMessage(error)}`;
  }
  try {
    await remote.list(section.remoteDir);
    return undefined;
  } catch (error) {
    return `Remote_dir "${section.remoteDir}" cannot be listed on ${serverUrl(section)}: ` +
      errorMessage(error);
  } finally {
    await remote.close();
  }
}

/** `fn` over `items` with at most `limit` running at once; results in input order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
