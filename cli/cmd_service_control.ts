/**
 * `ftp-clone start`, `stop` and `restart`: the installed service, through systemctl.
 * @module
 */
import { Command } from "commander";
import {
  commandSystemctl,
  type Systemctl,
  type SystemctlResult,
  UNIT_NAME,
} from "../deploy/mod.ts";
import type { CliContext } from "./context.ts";
import { type Dispatch, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./dispatch.ts";
import { loadConfigForCommand } from "./load_config.ts";
import { notRootError } from "./require_root.ts";

/** What `start`, `stop` and `restart` ask systemctl to do. */
export type ServiceAction = "start" | "stop" | "restart";

/** What the systemd commands use; tests pass fakes. */
export interface SystemdDeps {
  /** @default {commandSystemctl()} (the `systemctl` on PATH) */
  systemctl?: Systemctl;
  /** The effective user id. @default {Deno.uid()} */
  uid?: number | null;
}

const HELP: Record<ServiceAction, { summary: string; prints: string }> = {
  start: { summary: "start the installed systemd service", prints: "ok: Service started." },
  stop: {
    summary: "stop the installed systemd service (running transfers end at a safe point)",
    prints: "ok: Service stopped.",
  },
  restart: {
    summary: "stop, then start the installed systemd service",
    prints: "ok: Service stopped.\n  ok: Service started.",
  },
};

/** Declares `start`, `stop` or `restart`: its help. */
export function serviceControlCommand(action: ServiceAction, dispatch: Dispatch): Command {
  const help = HELP[action];
  const validates = action === "stop"
    ? ""
    : "First validates parametre.ini like check: a file with errors is refused with its\n" +
      "<file>:<line>: [<section>] <key>: <problem> lines and exit 2, and nothing is stopped, so\n" +
      "a running service keeps running on the file it has.\n";
  return new Command(action)
    .summary(help.summary)
    .description(
      validates + `Runs systemctl ${action} ${UNIT_NAME} and prints:\n  ${help.prints}\n` +
        "On failure, prints systemctl's error and exits 1. Needs root.",
    )
    .action(() => {
      dispatch((ctx) => runServiceControl(ctx, action));
    });
}

/**
 * Prints that `systemctl <verb>` failed, with systemctl's own message (every line of it), and
 * returns {@linkcode EXIT_FAILURE}.
 */
export function reportSystemctlFailure(
  ctx: CliContext,
  verb: string,
  result: SystemctlResult,
): number {
  const detail = (result.stderr.trim() || result.stdout.trim() || `exit code ${result.code}`)
    .split("\n").join("; ");
  ctx.output.error(`"systemctl ${verb} ${UNIT_NAME}" failed (exit code ${result.code}): ${detail}`);
  return EXIT_FAILURE;
}

/** The root check shared by the systemd commands: prints the error and returns false if not root. */
export function checkRoot(ctx: CliContext, command: string, deps: SystemdDeps): boolean {
  const error = notRootError(command, deps.uid === undefined ? {} : { uid: deps.uid });
  if (error === undefined) return true;
  ctx.output.error(error);
  return false;
}

/** Stops the unit and prints `ok: Service stopped.`; false (error printed) when systemctl failed. */
export async function stopService(ctx: CliContext, systemctl: Systemctl): Promise<boolean> {
  const result = await systemctl.stop(UNIT_NAME);
  if (result.code !== 0) {
    reportSystemctlFailure(ctx, "stop", result);
    return false;
  }
  ctx.output.ok("Service stopped.");
  return true;
}

/**
 * Starts the unit (after `reset-failed`, which clears the start limit of earlier failures) and
 * prints `ok: Service started.`; false (error printed) when systemctl failed. With Type=notify,
 * systemctl returns once the service said READY=1, or fails if it died while starting.
 */
export async function startService(ctx: CliContext, systemctl: Systemctl): Promise<boolean> {
  await systemctl.resetFailed(UNIT_NAME);
  const result = await systemctl.start(UNIT_NAME);
  if (result.code !== 0) {
    reportSystemctlFailure(ctx, "start", result);
    return false;
  }
  ctx.output.ok("Service started.");
  return true;
}

/**
 * The body of `start`/`stop`/`restart` (restart = stop, then start: it prints both lines). Start
 * and restart validate the file before anything is stopped (exit 2 when it has errors).
 */
export async function runServiceControl(
  ctx: CliContext,
  action: ServiceAction,
  deps: SystemdDeps = {},
): Promise<number> {
  if (!checkRoot(ctx, action, deps)) return EXIT_FAILURE;
  // The service would refuse the file (or leave sections out): never trade a running service
  // for it. The errors name the lines, where systemctl would only point at the journal.
  if (action !== "stop" && (await loadConfigForCommand(ctx)) === undefined) return EXIT_USAGE;
  const systemctl = deps.systemctl ?? commandSystemctl();
  if (action !== "start" && !(await stopService(ctx, systemctl))) return EXIT_FAILURE;
  if (action !== "stop" && !(await startService(ctx, systemctl))) return EXIT_FAILURE;
  return EXIT_OK;
}
