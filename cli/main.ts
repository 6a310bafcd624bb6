/**
 * The program: commander parses the arguments (it never exits and never prints by itself: its
 * output goes through `output.ts`, its errors become exit code 2), then the selected command runs
 * with a resolved {@linkcode CliContext} and returns the exit code.
 * @module
 */
import { Command, CommanderError, Option } from "commander";
import denoJson from "../deno.json" with { type: "json" };
import type { LogLevel } from "../config/mod.ts";
import { checkCommand } from "./cmd_check.ts";
import { demoCommand } from "./cmd_demo.ts";
import { installCommand } from "./cmd_install.ts";
import { passwordCommand, redactPasswordUsageError } from "./cmd_password.ts";
import { reloadCommand } from "./cmd_reload.ts";
import { serviceCommand } from "./cmd_service.ts";
import { serviceControlCommand } from "./cmd_service_control.ts";
import { statusCommand } from "./cmd_status.ts";
import { syncCommand } from "./cmd_sync.ts";
import { trashCommand } from "./cmd_trash.ts";
import { uninstallCommand } from "./cmd_uninstall.ts";
import { createContext, DEFAULT_UNIT_DIR, ENV, type Env, type GlobalFlags } from "./context.ts";
import { type CommandRun, type Dispatch, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./dispatch.ts";
import { errorMessage } from "./error_message.ts";
import { configureLogging, resetLogging } from "./logging.ts";
import { type Output, processOutput } from "./output.ts";
import { createFromExample } from "./example_config.ts";

/** The version in deno.json. */
export const VERSION: string = denoJson.version;

/** What `--version` prints: ours, then the runtime's, and the platform (for bug reports). */
export const VERSION_LINE =
  `ftp-clone ${VERSION} (Deno ${Deno.version.deno}, V8 ${Deno.version.v8}, ${Deno.build.target})`;

const LOG_LEVELS: LogLevel[] = ["error", "warning", "info", "debug"];

/** Help width in columns: fixed, so help reads the same in a terminal, a pipe and the tests. */
const HELP_WIDTH = 100;

const PROGRAM_DESCRIPTION =
  "Two-way synchronisation of local directories with FTP, FTPS and FTPES directories.\n" +
  "parametre.ini holds one [FTPn] section per pair of directories and a [Service] section.\n" +
  "Run one pass with sync, or install the systemd service that keeps them in sync.";

const PROGRAM_EPILOGUE = `
Environment:
  ${ENV.config}     the configuration file when --config is not given
  ${ENV.stateDir}  the state directory when --state-dir is not given
  ${ENV.unitDir}   where install and uninstall put the unit (default ${DEFAULT_UNIT_DIR})
  ${ENV.journal}       set by systemd: log lines carry journal priorities, no timestamps

Exit codes:
  0  success
  1  a section failed (connection, transfer, safety guard) or a service command failed
  2  usage or configuration error

Run "ftp-clone <command> --help" for a command's arguments and options.`;

/** Options of {@linkcode main}, for tests; the defaults are the real process. */
export interface MainOptions {
  /** @default {processOutput()} */
  output?: Output;
  /** @default {Deno.env.toObject()} */
  env?: Env;
  /** @default {Deno.cwd()} */
  cwd?: string;
}

/** Builds the commander program; `dispatch` receives the selected command's body. */
export function buildProgram(output: Output, dispatch: Dispatch): Command {
  const program = new Command("ftp-clone")
    .description(PROGRAM_DESCRIPTION)
    .version(VERSION_LINE, "-V, --version", "print the version, Deno's and the platform, and exit")
    .helpOption("-h, --help", "print this help and exit")
    .helpCommand("help [command]", "print the help of a command")
    .addOption(
      new Option(
        "--config <path>",
        `the configuration file (env ${ENV.config}; default: parametre.ini beside the executable)`,
      ),
    )
    .addOption(
      new Option(
        "--state-dir <dir>",
        `where baselines, trash and locks live; overrides [Service] StateDirectory (env ${ENV.stateDir})`,
      ),
    )
    .addOption(
      new Option("--log-level <level>", "log level; overrides [Service] LogLevel (default: info)")
        .choices(LOG_LEVELS),
    )
    .addOption(
      new Option("-q, --quiet", "print only errors (and what the command is for: JSON, tables)")
        .conflicts(["verbose", "logLevel"]),
    )
    .addOption(
      new Option("-v, --verbose", "log every detail (--log-level debug)").conflicts("logLevel"),
    )
    .addHelpText("after", PROGRAM_EPILOGUE)
    // Inherited by every subcommand added with copyInheritedSettings below.
    .exitOverride()
    .configureOutput({
      writeOut: output.writeOut,
      writeErr: output.writeErr,
      outputError: (text, write) => write(text),
      getOutHelpWidth: () => HELP_WIDTH,
      getErrHelpWidth: () => HELP_WIDTH,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(run "ftp-clone --help" for usage)')
    .allowExcessArguments(false);

  const commands = [
    syncCommand(dispatch),
    statusCommand(dispatch),
    trashCommand(dispatch),
    checkCommand(dispatch),
    passwordCommand(dispatch),
    serviceCommand(dispatch),
    installCommand(dispatch),
    uninstallCommand(dispatch),
    serviceControlCommand("start", dispatch),
    serviceControlCommand("stop", dispatch),
    serviceControlCommand("restart", dispatch),
    reloadCommand(dispatch),
    demoCommand(dispatch),
  ];
  for (const command of commands) {
    command
      .copyInheritedSettings(program)
      .helpOption("-h, --help", "print this help and exit")
      .showHelpAfterError(`(run "ftp-clone ${command.name()} --help" for usage)`);
    if (command.name() === "password") {
      command.configureOutput({
        outputError: (text, write) => write(redactPasswordUsageError(text)),
      });
    }
    // Nested commands (trash list, trash restore) inherit the same settings from their parent.
    for (const sub of command.commands) {
      sub
        .copyInheritedSettings(command)
        .helpOption("-h, --help", "print this help and exit")
        .showHelpAfterError(`(run "ftp-clone ${command.name()} ${sub.name()} --help" for usage)`);
    }
    program.addCommand(command);
  }
  return program;
}

/** Parses `args`, runs the command, returns its exit code (0 ok, 1 failure, 2 usage/config). */
export async function main(args: string[], options: MainOptions = {}): Promise<number> {
  const output = options.output ?? processOutput();
  const env = options.env ?? Deno.env.toObject();
  let run: CommandRun | undefined;
  const program = buildProgram(output, (selected) => run = selected);
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for and --version end with exit code 0; every other commander error (help
      // shown because no command was given included) is a usage error.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    output.error(`Cannot parse the command line: ${errorMessage(error)}`);
    return EXIT_USAGE;
  }
  if (run === undefined) {
    // Commander prints the help and throws when no command is given; this is a safety net.
    program.outputHelp({ error: true });
    return EXIT_USAGE;
  }
  const ctx = createContext(program.opts<GlobalFlags>(), {
    output,
    env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  createFromExample(ctx, program.opts<GlobalFlags>().config === undefined);
  configureLogging({
    level: ctx.logLevelFlag ?? "info",
    journal: ctx.journal,
    write: output.writeErr,
  });
  try {
    return await run(ctx);
  } catch (error) {
    // A bug or an unexpected system error: say what failed, without a stack trace.
    output.error(errorMessage(error));
    return EXIT_FAILURE;
  } finally {
    resetLogging();
  }
}
