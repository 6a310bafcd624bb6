/**
 * Runs one contender command under GNU time (`/usr/bin/time`) and coreutils `timeout`, and reads
 * back wall seconds, user+sys CPU seconds and the peak RSS of the process tree.
 * @module
 */

/** What one command cost. */
export interface Measurement {
  /** Wall-clock seconds, measured here around the whole child. */
  seconds: number;
  /** User + system CPU seconds of the command and every descendant it waited for. */
  cpuSeconds: number;
  /** Largest resident set of any single process of the tree, in KiB (GNU time %M). */
  peakRssKiB: number;
  /** Exit status of the command (124 when `timeout` killed it). */
  exitCode: number;
  /** True when the command ran past its time limit and was killed. */
  timedOut: boolean;
  /** The last lines of its stderr (and stdout when stderr is empty), for error messages. */
  tail: string;
}

/** GNU time format: elapsed, user, system, max RSS (KiB), exit status. */
export const TIME_FORMAT = "%e %U %S %M %x";

/** The figures of a GNU time `-o` file written with TIME_FORMAT, or undefined if unreadable. */
export function parseTimeFile(
  text: string,
): { userS: number; sysS: number; maxRssKiB: number; exitCode: number } | undefined {
  // When the command fails, GNU time writes "Command exited with non-zero status N" (or
  // "Command terminated by signal N") first: the figures are always on the last line.
  const lines = text.trim().split("\n");
  const last = lines[lines.length - 1]?.trim().split(/\s+/) ?? [];
  if (last.length !== 5) return undefined;
  const [, user, sys, rss, exit] = last.map(Number) as [number, number, number, number, number];
  if ([user, sys, rss, exit].some((v) => !Number.isFinite(v))) return undefined;
  return { userS: user, sysS: sys, maxRssKiB: rss, exitCode: exit };
}

/** Options of {@linkcode measure}. */
export interface MeasureOptions {
  /** Full environment of the child (it does not inherit). */
  env: Record<string, string>;
  /** Kill the command after this many seconds. */
  timeoutS: number;
  /** Files `<logPrefix>.out`, `.err` and `.time` receive its output and figures. */
  logPrefix: string;
  cwd?: string;
}

/** Runs `argv` and measures it; never throws for a failing command (see exitCode). */
export async function measure(
  argv: readonly string[],
  options: MeasureOptions,
): Promise<Measurement> {
  const timeFile = `${options.logPrefix}.time`;
  const args = [
    "-f",
    TIME_FORMAT,
    "-o",
    timeFile,
    "timeout",
    "-k",
    "5",
    String(options.timeoutS),
    ...argv,
  ];
  const out = await Deno.open(`${options.logPrefix}.out`, {
    write: true,
    create: true,
    truncate: true,
  });
  const err = await Deno.open(`${options.logPrefix}.err`, {
    write: true,
    create: true,
    truncate: true,
  });
  const start = performance.now();
  const child = new Deno.Command("/usr/bin/time", {
    args,
    env: options.env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  }).spawn();
  await Promise.all([child.stdout.pipeTo(out.writable), child.stderr.pipeTo(err.writable)]);
  const status = await child.status;
  const seconds = (performance.now() - start) / 1000;
  const figures = parseTimeFile(await Deno.readTextFile(timeFile).catch(() => ""));
  const exitCode = figures?.exitCode ?? status.code;
  return {
    seconds,
    cpuSeconds: figures === undefined ? NaN : figures.userS + figures.sysS,
    peakRssKiB: figures?.maxRssKiB ?? NaN,
    exitCode,
    timedOut: exitCode === 124 || exitCode === 137,
    tail: await tailOf(options.logPrefix),
  };
}

async function tailOf(prefix: string): Promise<string> {
  const read = (p: string) => Deno.readTextFile(p).catch(() => "");
  const text = (await read(`${prefix}.err`)).trim() || (await read(`${prefix}.out`)).trim();
  return text.split("\n").slice(-3).join(" | ").slice(0, 300);
}

/** Adds up measurements of commands run one after another (peak RSS: the largest). */
export function combine(parts: readonly Measurement[]): Measurement {
  const failed = parts.find((p) => p.exitCode !== 0);
  return {
    seconds: parts.reduce((s, p) => s + p.seconds, 0),
    cpuSeconds: parts.reduce((s, p) => s + p.cpuSeconds, 0),
    peakRssKiB: Math.max(...parts.map((p) => p.peakRssKiB)),
    exitCode: failed?.exitCode ?? 0,
    timedOut: parts.some((p) => p.timedOut),
    tail: failed?.tail ?? parts[parts.length - 1]?.tail ?? "",
  };
}
