/**
 * The systemctl driver: an interface so that the commands can be tested with a fake, and its
 * implementation that runs `systemctl` with `Deno.Command`.
 * @module
 */

/** What one systemctl call did. */
export interface SystemctlResult {
  /** systemctl's exit code. */
  code: number;
  stdout: string;
  stderr: string;
}

/** The systemctl verbs the commands use (each on one unit, or none for daemon-reload). */
export interface Systemctl {
  /** `systemctl is-system-running`: "running", "degraded", "offline" (no systemd as PID 1)... */
  systemState(): Promise<string>;
  daemonReload(): Promise<SystemctlResult>;
  enable(unit: string): Promise<SystemctlResult>;
  disable(unit: string): Promise<SystemctlResult>;
  start(unit: string): Promise<SystemctlResult>;
  stop(unit: string): Promise<SystemctlResult>;
  restart(unit: string): Promise<SystemctlResult>;
  /** `systemctl reload`: runs the unit's ExecReload= and waits for it. */
  reload(unit: string): Promise<SystemctlResult>;
  /** `systemctl reset-failed`: clears the start limit after failed starts. */
  resetFailed(unit: string): Promise<SystemctlResult>;
  /** `systemctl is-active`: "active", "inactive", "failed", "activating"... */
  isActive(unit: string): Promise<string>;
}

/** Options of {@linkcode commandSystemctl}. */
export interface CommandSystemctlOptions {
  /** The systemctl executable. @default {"systemctl"} */
  command?: string;
  /** Environment of the child (the tests' fake reads its log path from it). */
  env?: Record<string, string>;
}

/** A {@linkcode Systemctl} that runs the real (or a fake) `systemctl` program. */
export function commandSystemctl(options: CommandSystemctlOptions = {}): Systemctl {
  const command = options.command ?? "systemctl";
  const run = async (...args: string[]): Promise<SystemctlResult> => {
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command(command, {
        args,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        ...(options.env === undefined ? {} : { env: options.env }),
      }).output();
    } catch (error) {
      const why = error instanceof Deno.errors.NotFound
        ? "the program was not found (is systemd installed?)"
        : (error as Error).message;
      return { code: 127, stdout: "", stderr: `Cannot run "${command}": ${why}` };
    }
    const decoder = new TextDecoder();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  };
  return {
    systemState: async () => (await run("is-system-running")).stdout.trim() || "offline",
    daemonReload: () => run("daemon-reload"),
    enable: (unit) => run("enable", "--quiet", unit),
    disable: (unit) => run("disable", "--quiet", unit),
    start: (unit) => run("start", unit),
    stop: (unit) => run("stop", unit),
    restart: (unit) => run("restart", unit),
    reload: (unit) => run("reload", unit),
    resetFailed: (unit) => run("reset-failed", unit),
    isActive: async (unit) => (await run("is-active", unit)).stdout.trim(),
  };
}
