/**
 * What every command is given: the resolved config path, the state directory override, the log
 * level flag, the environment and the output. Each path has one resolution order:
 * config: `--config` > env `FTP_CLONE_CONFIG` > `parametre.ini` beside the executable (beside
 * `mod.ts` when running from source); state directory: `--state-dir` > env `FTP_CLONE_STATE_DIR` >
 * `[Service] StateDirectory` (applied by the config loader).
 * @module
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { LogLevel } from "../config/mod.ts";
import type { GatedRecord } from "../sync/mod.ts";
import type { Output } from "./output.ts";

/** Environment variables the CLI reads, as a table for the help text and for tests. */
export const ENV = {
  config: "FTP_CLONE_CONFIG",
  stateDir: "FTP_CLONE_STATE_DIR",
  unitDir: "FTP_CLONE_UNIT_DIR",
  journal: "JOURNAL_STREAM",
  launcher: "FTP_CLONE_LAUNCHER",
} as const;

/** The file name looked for beside the executable. */
export const CONFIG_FILE_NAME = "parametre.ini";

/** An environment snapshot: a missing variable is undefined. */
export type Env = Record<string, string | undefined>;

/** The global options as commander parsed them. */
export interface GlobalFlags {
  config?: string;
  stateDir?: string;
  logLevel?: LogLevel;
  /** `-q`: only errors (no `ok:` or `warning:` lines, log level error). */
  quiet?: boolean;
  /** `-v`: log level debug. */
  verbose?: boolean;
}

/** What every command receives. */
export interface CliContext {
  readonly output: Output;
  readonly env: Env;
  /** Absolute path of parametre.ini. */
  readonly configPath: string;
  /** Absolute state directory from the flag or env, overriding StateDirectory; else undefined. */
  readonly stateDirOverride: string | undefined;
  /** `--log-level` (or `-q`, `-v`), which beats the ini's LogLevel; undefined when not given. */
  readonly logLevelFlag: LogLevel | undefined;
  /** How the user runs ftp-clone, for advice in messages: `./ftp-clone`, `ftp-clone`... */
  readonly command: string;
  /** The service's filter of repeated log lines (see logging.ts); undefined elsewhere. */
  readonly logGate?: (record: GatedRecord) => string | undefined;
  /** Whether stderr is the journal (env JOURNAL_STREAM). */
  readonly journal: boolean;
  /** The directory relative paths are resolved against. */
  readonly cwd: string;
}

/** Options of {@linkcode defaultConfigPath}. */
export interface DefaultConfigPathOptions {
  /** The running executable. @default {Deno.execPath()} */
  execPath?: string;
  /** The URL of a module in cli/, to find mod.ts from source. @default {import.meta.url} */
  moduleUrl?: string;
}

/**
 * `parametre.ini` beside the executable; when the executable is the deno binary itself (running
 * from source, not `deno compile`d), beside `mod.ts` instead.
 */
export function defaultConfigPath(options: DefaultConfigPathOptions = {}): string {
  const execPath = options.execPath ?? Deno.execPath();
  if (/^deno(\.exe)?$/i.test(basename(execPath))) {
    return fileURLToPath(new URL(`../${CONFIG_FILE_NAME}`, options.moduleUrl ?? import.meta.url));
  }
  return join(dirname(execPath), CONFIG_FILE_NAME);
}

/** Options of {@linkcode createContext}. */
export interface CreateContextOptions {
  output: Output;
  env: Env;
  /** @default {Deno.cwd()} */
  cwd?: string;
  /** Passed to {@linkcode defaultConfigPath}. */
  execPath?: string;
}

/** A non-empty value, or undefined for "" and undefined (an empty env var counts as unset). */
function given(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/**
 * How the user runs ftp-clone, as advice in messages should spell it: the release's launcher
 * (env `FTP_CLONE_LAUNCHER`) or a compiled binary, as `./ftp-clone` from its own directory, else
 * by its absolute path (the service's journal); `ftp-clone` otherwise.
 */
export function commandName(env: Env, cwd: string, execPath: string = Deno.execPath()): string {
  const launcher = given(env[ENV.launcher]);
  const program = launcher ?? (/^deno(\.exe)?$/i.test(basename(execPath)) ? undefined : execPath);
  if (program === undefined) return "ftp-clone";
  return relative(cwd, dirname(program)) === "" ? `./${basename(program)}` : program;
}

/** The output with `ok:` and `warning:` lines dropped (`-q`). */
function quietOutput(output: Output): Output {
  return { ...output, ok: () => {}, warning: () => {} };
}

/** Resolves the global flags against the environment into a {@linkcode CliContext}. */
export function createContext(flags: GlobalFlags, options: CreateContextOptions): CliContext {
  const cwd = options.cwd ?? Deno.cwd();
  const env = options.env;
  const configFlag = given(flags.config) ?? given(env[ENV.config]);
  const configPath = configFlag === undefined
    ? defaultConfigPath(options.execPath === undefined ? {} : { execPath: options.execPath })
    : resolve(cwd, configFlag);
  const stateDir = given(flags.stateDir) ?? given(env[ENV.stateDir]);
  const level = flags.logLevel ??
    (flags.verbose === true ? "debug" : flags.quiet === true ? "error" : undefined);
  return {
    output: flags.quiet === true ? quietOutput(options.output) : options.output,
    env,
    configPath,
    stateDirOverride: stateDir === undefined ? undefined : resolve(cwd, stateDir),
    logLevelFlag: level,
    command: commandName(env, cwd, options.execPath),
    journal: given(env[ENV.journal]) !== undefined,
    cwd,
  };
}

/** The unit directory for install/uninstall: `--unit-dir` > env `FTP_CLONE_UNIT_DIR` > default. */
export function resolveUnitDir(flag: string | undefined, ctx: CliContext): string {
  const dir = given(flag) ?? given(ctx.env[ENV.unitDir]);
  return dir === undefined ? DEFAULT_UNIT_DIR : resolve(ctx.cwd, dir);
}

/** Where `install` writes the unit unless told otherwise. */
export const DEFAULT_UNIT_DIR = "/etc/systemd/system";
