/**
 * Loading parametre.ini for a command: every error printed one per line
 * (`<file>:<line>: [<section>] <key>: <problem>`), warnings printed as `warning: ...`, and the
 * log level taken from the ini unless `--log-level` (or `-q`, `-v`) was given.
 *
 * {@linkcode loadLeavingOut} is the loader of the service and of `status`: when every error
 * belongs to [FTPn] sections, it loads the others and says which sections were left out and why,
 * so that one broken section neither stops the service nor disappears without a word.
 * @module
 */
import {
  type Config,
  configFromText,
  type ConfigFromTextOptions,
  type ConfigIssue,
  formatIssue,
  loadConfig,
  type LoadOptions,
  loadSecretKey,
  parseIni,
  SecretKeyError,
} from "../config/mod.ts";
import type { CliContext } from "./context.ts";
import { errorMessage } from "./error_message.ts";
import { configureLogging } from "./logging.ts";

/** The options loadConfig gets from the command line and the environment. */
export function loadOptionsOf(ctx: CliContext): LoadOptions {
  return {
    env: ctx.env,
    command: ctx.command,
    ...(ctx.stateDirOverride === undefined ? {} : { stateDirOverride: ctx.stateDirOverride }),
  };
}

/** Logs at the ini's LogLevel, unless the command line chose a level. */
export function useConfiguredLogLevel(ctx: CliContext, config: Config): void {
  if (ctx.logLevelFlag !== undefined) return;
  configureLogging({
    level: config.service.logLevel,
    journal: ctx.journal,
    write: ctx.output.writeErr,
    ...(ctx.logGate === undefined ? {} : { gate: ctx.logGate }),
  });
}

/** Prints the errors of a refused file, one per line, then the count. */
export function printConfigErrors(ctx: CliContext, errors: readonly ConfigIssue[]): void {
  for (const issue of errors) ctx.output.errLine(formatIssue(issue));
  const count = errors.length;
  ctx.output.error(`Configuration "${ctx.configPath}" has ${count} error${count === 1 ? "" : "s"}`);
}

/**
 * Loads and validates the configuration, printing what is wrong with it. Returns undefined when
 * the file has errors (they were printed; the command should return `EXIT_USAGE`, 2).
 */
export async function loadConfigForCommand(ctx: CliContext): Promise<Config | undefined> {
  let result: Awaited<ReturnType<typeof loadConfig>>;
  try {
    result = await loadConfig(ctx.configPath, loadOptionsOf(ctx));
  } catch (error) {
    ctx.output.error(`Cannot load configuration "${ctx.configPath}": ${errorMessage(error)}`);
    return undefined;
  }
  for (const warning of result.ok ? result.config.warnings : result.warnings) {
    ctx.output.warning(formatIssue(warning));
  }
  if (!result.ok) {
    printConfigErrors(ctx, result.errors);
    return undefined;
  }
  useConfiguredLogLevel(ctx, result.config);
  return result.config;
}

/** An [FTPn] section left out because of its errors. */
export interface LeftOutSection {
  /** As written in the file. */
  name: string;
  /** Its Identifier line when readable (its last pass can still be shown); else undefined. */
  identifier: string | undefined;
  /** Its errors, formatted. */
  errors: string[];
}

/** What {@linkcode loadLeavingOut} found. */
export type PartialLoad =
  | {
    ok: true;
    /** The sections without errors (all of them when the file is valid). */
    config: Config;
    /** The file's warnings, formatted (gaps counted over every section of the file). */
    warnings: string[];
    leftOut: LeftOutSection[];
  }
  | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] };

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

/**
 * Loads parametre.ini; when every error belongs to an [FTPn] section, loads the rest and says
 * which sections were left out (see the module documentation). Errors elsewhere refuse the file.
 */
export async function loadLeavingOut(ctx: CliContext): Promise<PartialLoad> {
  const options = loadOptionsOf(ctx);
  const first = await loadConfig(ctx.configPath, options);
  if (first.ok) {
    return {
      ok: true,
      config: first.config,
      warnings: first.config.warnings.map(formatIssue),
      leftOut: [],
    };
  }
  const bad = new Map<string, ConfigIssue[]>();
  for (const issue of first.errors) {
    if (issue.line === 0 || issue.section === undefined || !FTP_SECTION.test(issue.section)) {
      return first;
    }
    const name = issue.section.toUpperCase();
    bad.set(name, [...(bad.get(name) ?? []), issue]);
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
  const second = await configFromText(withoutSections(text, new Set(bad.keys())), fromText);
  if (!second.ok) return first;
  const sections = parseIni(text).sections;
  const leftOut = [...bad].map(([upper, issues]): LeftOutSection => {
    const section = sections.find((s) => s.name.toUpperCase() === upper);
    const id = section?.entries.find((e) => e.key.toLowerCase() === "identifier")?.value;
    return {
      name: section?.name ?? upper,
      identifier: id !== undefined && /^[0-9a-f]{40}$/i.test(id) ? id.toLowerCase() : undefined,
      errors: issues.map(formatIssue),
    };
  });
  // The warnings of the whole file: blanking a section must not make it a numbering gap.
  return { ok: true, config: second.config, warnings: first.warnings.map(formatIssue), leftOut };
}
