/**
 * `ftp-clone reload [--pid PID]`: makes the running service read parametre.ini again, and fails
 * when the file is refused. Without `--pid` it validates the file, then runs `systemctl reload`,
 * which runs the unit's `ExecReload=`: this same command with `--pid $MAINPID`, which validates
 * again (the unit's own view of the file), sends SIGHUP and waits for the service's answer
 * (reload_answer.ts). So `systemctl reload ftp-clone-service` fails, with the reason in
 * `systemctl status`, when the file has errors, instead of saying it reloaded.
 * @module
 */
import { Command, InvalidArgumentError } from "commander";
import { UNIT_NAME } from "../deploy/mod.ts";
import { commandSystemctl } from "../deploy/mod.ts";
import type { CliContext } from "./context.ts";
import { type Dispatch, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./dispatch.ts";
import { errorMessage } from "./error_message.ts";
import { loadConfigForCommand } from "./load_config.ts";
import { checkRoot, reportSystemctlFailure, type SystemdDeps } from "./cmd_service_control.ts";
import { isNewAnswer, readReloadAnswer, runtimeDirectory } from "./reload_answer.ts";

/** The parsed arguments of `reload`. */
export interface ReloadArgs {
  /** The service's pid (the unit passes $MAINPID); undefined: go through systemctl. */
  pid?: number;
  /** Most ms to wait for the service's answer. @default {50000} (the unit allows 60 s) */
  timeoutMs?: number;
}

/** How often the answer file is looked at, in ms. */
const POLL_MS = 100;

function parsePid(value: string): number {
  const pid = Number(value);
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(pid)) {
    throw new InvalidArgumentError("expected a process id (a whole number)");
  }
  return pid;
}

/** Declares `reload`: its options and help. */
export function reloadCommand(dispatch: Dispatch): Command {
  return new Command("reload")
    .summary("make the running service read parametre.ini again; fails if the file is refused")
    .description(
      "Validates parametre.ini like check: a file with errors is refused with its\n" +
        "<file>:<line>: [<section>] <key>: <problem> lines and exit 2, and the service keeps\n" +
        `the configuration it has. Otherwise runs systemctl reload ${UNIT_NAME}, which waits\n` +
        "until the service has read the file, and prints:\n" +
        "  ok: Configuration reloaded.\n" +
        "With --pid (what the unit's ExecReload= runs): validates, sends SIGHUP to that process\n" +
        "and waits for its answer. Needs root.",
    )
    .option("--pid <pid>", "the service's process (the unit passes $MAINPID)", parsePid)
    .action((options: { pid?: number }) => {
      dispatch((ctx) => runReload(ctx, options.pid === undefined ? {} : { pid: options.pid }));
    });
}

/** What `reload` uses; tests pass fakes. */
export interface ReloadDeps extends SystemdDeps {
  /** Sends SIGHUP. @default {Deno.kill} */
  kill?: (pid: number, signal: Deno.Signal) => void;
  /** @default {setTimeout-based sleep} */
  sleep?: (ms: number) => Promise<void>;
}

/** The body of `reload`: 0 reloaded, 1 systemctl or the service failed, 2 the file is refused. */
export async function runReload(
  ctx: CliContext,
  args: ReloadArgs,
  deps: ReloadDeps = {},
): Promise<number> {
  if (!checkRoot(ctx, "reload", deps)) return EXIT_FAILURE;
  const config = await loadConfigForCommand(ctx);
  if (config === undefined) {
    ctx.output.error("The service keeps running with the configuration it has");
    return EXIT_USAGE;
  }
  if (args.pid === undefined) {
    const systemctl = deps.systemctl ?? commandSystemctl();
    const result = await systemctl.reload(UNIT_NAME);
    if (result.code !== 0) return reportSystemctlFailure(ctx, "reload", result);
    ctx.output.ok("Configuration reloaded.");
    return EXIT_OK;
  }
  const dir = runtimeDirectory(ctx.env);
  const before = dir === undefined ? undefined : readReloadAnswer(dir);
  try {
    (deps.kill ?? Deno.kill)(args.pid, "SIGHUP");
  } catch (error) {
    ctx.output.error(`Cannot signal the service (process ${args.pid}): ${errorMessage(error)}`);
    return EXIT_FAILURE;
  }
  if (dir === undefined) {
    ctx.output.ok(`Sent SIGHUP to process ${args.pid} (no RUNTIME_DIRECTORY: no answer awaited).`);
    return EXIT_OK;
  }
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const timeoutMs = args.timeoutMs ?? 50_000;
  for (let waited = 0; waited <= timeoutMs; waited += POLL_MS) {
    const answer = readReloadAnswer(dir);
    if (isNewAnswer(answer, before, args.pid)) {
      if (answer.ok) {
        ctx.output.ok(`Configuration reloaded: ${answer.sections} section(s).`);
        return EXIT_OK;
      }
      for (const line of answer.errors) ctx.output.errLine(line);
      ctx.output.error("The service refused the new configuration and keeps the one it has");
      return EXIT_USAGE;
    }
    await sleep(POLL_MS);
  }
  ctx.output.error(
    `The service (process ${args.pid}) did not answer the reload within ${timeoutMs / 1000} s`,
  );
  return EXIT_FAILURE;
}
