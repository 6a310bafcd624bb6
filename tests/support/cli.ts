/**
 * Runs the CLI as users do, `deno run -A mod.ts ...` in a child process, and captures stdout,
 * stderr and the exit code separately.
 *
 * ```ts
 * const r = await runCli(["--config", ini, "check"]);
 * assert.equal(r.code, 2);
 * assert.equal(r.stdout, "");
 * ```
 * The child never inherits FTP_CLONE_* or JOURNAL_STREAM from the test's environment: only what
 * `env` gives it.
 * @module
 */
import { fileURLToPath } from "node:url";

/** The repository's mod.ts. */
export const MOD_TS: string = fileURLToPath(new URL("../../mod.ts", import.meta.url));

/** The repository root. */
export const REPO_ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** Options of {@linkcode runCli}. */
export interface RunCliOptions {
  /** Extra environment (FTP_CLONE_CONFIG, JOURNAL_STREAM, ...). */
  env?: Record<string, string>;
  /** Bytes or text written to stdin, which is then closed; stdin is empty when not given. */
  stdin?: string | Uint8Array;
  /** @default {the repository root} */
  cwd?: string;
  /** Kill the CLI after this many ms (the test then fails on its exit code). @default {60_000} */
  timeoutMs?: number;
}

/** What the CLI did. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Variables of the test's own environment that must not leak into the CLI. */
const SCRUBBED = /^(FTP_CLONE_|JOURNAL_STREAM$|STATE_DIRECTORY$|NO_COLOR$)/;

/** The environment of a CLI child: the test's own minus our variables, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (!SCRUBBED.test(key)) env[key] = value;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

/** Runs `deno run -A mod.ts ...args` and waits for it to exit. */
export async function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MOD_TS, ...args],
    cwd: options.cwd ?? REPO_ROOT,
    env: cliEnv(options.env),
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  }, options.timeoutMs ?? 60_000);
  try {
    const writer = child.stdin.getWriter();
    if (options.stdin !== undefined) {
      const bytes = typeof options.stdin === "string"
        ? new TextEncoder().encode(options.stdin)
        : options.stdin;
      await writer.write(bytes).catch(() => {
        // The CLI may exit without reading stdin (a usage error): not the test's concern.
      });
    }
    await writer.close().catch(() => {});
    const { code, stdout, stderr } = await child.output();
    const decoder = new TextDecoder();
    return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
  } finally {
    clearTimeout(timer);
  }
}
