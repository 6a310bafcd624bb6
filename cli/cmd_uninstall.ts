/**
 * `ftp-clone uninstall [--unit-dir DIR]`: stop, disable and remove the unit.
 * @module
 */
import { Command } from "commander";
import { join } from "node:path";
import { commandSystemctl, UNIT_NAME } from "../deploy/mod.ts";
import { type CliContext, DEFAULT_UNIT_DIR, ENV, resolveUnitDir } from "./context.ts";
import { type Dispatch, EXIT_FAILURE, EXIT_OK } from "./dispatch.ts";
import { errorMessage } from "./error_message.ts";
import {
  checkRoot,
  reportSystemctlFailure,
  stopService,
  type SystemdDeps,
} from "./cmd_service_control.ts";

/** The parsed arguments of `uninstall`. */
export interface UninstallArgs {
  /** Absolute directory the unit file is in. */
  unitDir: string;
}

/** Declares `uninstall`: its options and help. */
export function uninstallCommand(dispatch: Dispatch): Command {
  return new Command("uninstall")
    .summary("stop, disable and remove the systemd service")
    .description(
      `Stops and disables ${UNIT_NAME}, removes its unit file from the unit directory and\n` +
        "runs systemctl daemon-reload. parametre.ini, secret.key and the state directory\n" +
        "(baselines, trash) are left in place. Prints:\n" +
        "  ok: Service stopped.\n" +
        "  ok: Service uninstalled.\n" +
        "Exits 1 when no unit is installed there. Needs root.",
    )
    .option(
      "--unit-dir <dir>",
      `where the unit is (env ${ENV.unitDir}; default: ${DEFAULT_UNIT_DIR})`,
    )
    .action((options: { unitDir?: string }) => {
      dispatch((ctx) => runUninstall(ctx, { unitDir: resolveUnitDir(options.unitDir, ctx) }));
    });
}

/** The body of `uninstall`. */
export async function runUninstall(
  ctx: CliContext,
  args: UninstallArgs,
  deps: SystemdDeps = {},
): Promise<number> {
  if (!checkRoot(ctx, "uninstall", deps)) return EXIT_FAILURE;
  const systemctl = deps.systemctl ?? commandSystemctl();
  const unitPath = join(args.unitDir, UNIT_NAME);
  try {
    Deno.lstatSync(unitPath);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "it is not installed" : errorMessage(error);
    ctx.output.error(`Cannot uninstall the service: no unit "${unitPath}": ${why}`);
    return EXIT_FAILURE;
  }
  if (!(await stopService(ctx, systemctl))) return EXIT_FAILURE;
  const disabled = await systemctl.disable(UNIT_NAME);
  if (disabled.code !== 0) return reportSystemctlFailure(ctx, "disable", disabled);
  try {
    await Deno.remove(unitPath);
  } catch (error) {
    ctx.output.error(`Cannot remove the unit "${unitPath}": ${errorMessage(error)}`);
    return EXIT_FAILURE;
  }
  const reloaded = await systemctl.daemonReload();
  if (reloaded.code !== 0) return reportSystemctlFailure(ctx, "daemon-reload", reloaded);
  ctx.output.ok("Service uninstalled.");
  return EXIT_OK;
}
