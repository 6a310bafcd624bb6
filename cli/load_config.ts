/**
 * Loading parametre.ini for a command: every error printed one per line
 * (`<file>:<line>: [<section>] <key>: <problem>`), warnings printed as `warning: ...`, and the
 * log level taken from the ini unless `--log-level` was given.
 * @module
 */
import { type Config, formatIssue, loadConfig } from "../config/mod.ts";
import type { CliContext } from "./context.ts";
import { errorMessage } from "./error_message.ts";
import { configureLogging } from "./logging.ts";

/**
 * Loads and validates the configuration, printing what is wrong with it. Returns undefined when
 * the file has errors (they were printed; the command should return `EXIT_USAGE`, 2).
 */
export async function loadConfigForCommand(ctx: CliContext): Promise<Config | undefined> {
  let result: Awaited<ReturnType<typeof loadConfig>>;
  try {
    result = await loadConfig(ctx.configPath, {
      env: ctx.env,
      ...(ctx.stateDirOverride === undefined ? {} : { stateDirOverride: ctx.stateDirOverride }),
    });
  } catch (error) {
    ctx.output.error(`Cannot load configuration "${ctx.configPath}": ${errorMessage(error)}`);
    return undefined;
  }
  for (const warning of result.ok ? result.config.warnings : result.warnings) {
    ctx.output.warning(formatIssue(warning));
  }
  if (!result.ok) {
    for (const issue of result.errors) ctx.output.errLine(formatIssue(issue));
    const count = result.errors.length;
    ctx.output.error(
      `Configuration "${ctx.configPath}" has ${count} error${count === 1 ? "" : "s"}`,
    );
    return undefined;
  }
  if (ctx.logLevelFlag === undefined) {
    configureLogging({
      level: result.config.service.logLevel,
      journal: ctx.journal,
      write: ctx.output.writeErr,
    });
  }
  return result.config;
}
