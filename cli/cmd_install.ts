/**
 * `ftp-clone install [--config PATH] [--unit-dir DIR]`: install, enable and (re)start the unit.
 * @module
 */
import { Command } from "commander";
import { basename, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { commandSystemctl, renderUnit, UNIT_NAME, type UnitExec } from "../deploy/mod.ts";
import { pathExists as exists } from "../sync/mod.ts";
import { type CliContext, DEFAULT_UNIT_DIR, ENV, resolveUnitDir } from "./context.ts";
import { type Dispatch, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./dispatch.ts";
import { errorMessage } from "./error_message.ts";
import { loadConfigForCommand } from "./load_config.ts";
import {
  checkRoot,
  reportSystemctlFailure,
  startService,
  stopService,
  type SystemdDeps,
} from "./cmd_service_control.ts";

export { UNIT_NAME };

/**
 * Set by the release tarball's `ftp-clone` launcher to its own path: the unit then runs the
 * launcher, which runs the bundled deno offline on the tarball's own cache.
 */
export const LAUNCHER_ENV = ENV.launcher;

/** The parsed arguments of `install`. */
export interface InstallArgs {
  /** Absolute directory the unit file goes to. */
  unitDir: string;
}

/** What `install` uses besides systemctl; tests pass their own. */
export interface InstallDeps extends SystemdDeps {
  /** The running executable. @default {Deno.execPath()} */
  execPath?: string;
}

/** Declares `install`: its options and help. */
export function installCommand(dispatch: Dispatch): Command {
  return new Command("install")
    .summary("install, enable and (re)start the systemd service")
    .description(
      `Writes the unit ${UNIT_NAME} into the unit directory, runs systemctl daemon-reload,\n` +
        "then enables and (re)starts the service. The unit runs this executable (or deno on this\n" +
        "source tree) with the absolute path of the configuration file given by --config.\n" +
        "Run it again after moving the executable or the configuration: it updates the unit.\n" +
        "Also run it again after adding a section whose Local_dir is under /usr, /etc, /boot\n" +
        "or /efi (read-only for the service unless listed in the unit); other places need not.\n" +
        "Warns about every section whose Password cannot be used (the original tool's encoding,\n" +
        "a missing secret.key...): the service would log that error at every pass.\n" +
        "Prints, the first two lines only when a unit was already installed:\n" +
        "  ok: Service stopped.\n" +
        "  ok: Service uninstalled.\n" +
        "  ok: Installation (or update) successful.\n" +
        "Needs root.",
    )
    .option(
      "--unit-dir <dir>",
      `where to write the unit (env ${ENV.unitDir}; default: ${DEFAULT_UNIT_DIR})`,
    )
    .action((options: { unitDir?: string }) => {
      dispatch((ctx) => runInstall(ctx, { unitDir: resolveUnitDir(options.unitDir, ctx) }));
    });
}

/**
 * What ExecStart runs: the executable itself when compiled; when the executable is the deno CLI
 * started by the release tarball's launcher (an absolute path), that launcher; else `deno run` on
 * this source tree's mod.ts with its deno.json (the import map).
 */
export function unitExec(execPath: string, launcher?: string): UnitExec {
  if (!/^deno(\.exe)?$/i.test(basename(execPath))) return { kind: "binary", path: execPath };
  if (launcher !== undefined && isAbsolute(launcher)) return { kind: "binary", path: launcher };
  return {
    kind: "source",
    deno: execPath,
    modTs: fileURLToPath(new URL("../mod.ts", import.meta.url)),
    denoConfig: fileURLToPath(new URL("../deno.json", import.meta.url)),
  };
}

/** The launcher named by {@linkcode LAUNCHER_ENV} when it is an existing file, else undefined. */
function launcherPath(ctx: CliContext): string | undefined {
  const launcher = ctx.env[LAUNCHER_ENV];
  if (launcher === undefined || !isAbsolute(launcher)) return undefined;
  try {
    return Deno.statSync(launcher).isFile ? launcher : undefined;
  } catch {
    return undefined;
  }
}

/** The body of `install`. */
export async function runInstall(
  ctx: CliContext,
  args: InstallArgs,
  deps: InstallDeps = {},
): Promise<number> {
  if (!checkRoot(ctx, "install", deps)) return EXIT_FAILURE;
  const systemctl = deps.systemctl ?? commandSystemctl();
  // The unit reads this file at every start: refuse one the service would refuse.
  const config = await loadConfigForCommand(ctx);
  if (config === undefined) return EXIT_USAGE;
  // Not a reason to refuse (the other sections run), but the service would log it at every pass.
  for (const section of config.sections) {
    if (section.passwordError !== undefined) {
      ctx.output.warning(`[${section.name}] ${section.passwordError}`);
    }
  }
  const state = await systemctl.systemState();
  if (state === "offline" || state === "unknown") {
    ctx.output.error(
      `Cannot install the service: systemd is not running as PID 1 on this machine ` +
        `("systemctl is-system-running" says "${state}")`,
    );
    return EXIT_FAILURE;
  }
  const unitPath = join(args.unitDir, UNIT_NAME);
  if (exists(unitPath)) {
    // Stop the old service first, so that the new unit starts from a clean state.
    if (!(await stopService(ctx, systemctl))) return EXIT_FAILURE;
    const disabled = await systemctl.disable(UNIT_NAME);
    if (disabled.code !== 0) return reportSystemctlFailure(ctx, "disable", disabled);
    await Deno.remove(unitPath);
    ctx.output.ok("Service uninstalled.");
  }
  const text = renderUnit({
    exec: unitExec(deps.execPath ?? Deno.execPath(), launcherPath(ctx)),
    configPath: config.path,
    localDirs: config.sections.map((section) => section.localDir),
    ...(config.service.metricsFile === undefined
      ? {}
      : { metricsFile: config.service.metricsFile }),
  });
  try {
    await Deno.mkdir(args.unitDir, { recursive: true });
    await Deno.writeTextFile(unitPath, text, { mode: 0o644 });
  } catch (error) {
    ctx.output.error(`Cannot write the unit "${unitPath}": ${errorMessage(error)}`);
    return EXIT_FAILURE;
  }
  const reloaded = await systemctl.daemonReload();
  if (reloaded.code !== 0) return reportSystemctlFailure(ctx, "daemon-reload", reloaded);
  const enabled = await systemctl.enable(UNIT_NAME);
  if (enabled.code !== 0) return reportSystemctlFailure(ctx, "enable", enabled);
  const quiet = { ...ctx, output: { ...ctx.output, ok: () => {} } };
  if (!(await startService(quiet, systemctl))) return EXIT_FAILURE;
  ctx.output.ok("Installation (or update) successful.");
  return EXIT_OK;
}
