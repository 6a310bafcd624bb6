/**
 * The command line of `deno task bench`.
 * @module
 */
import { parseArgs } from "node:util";
import { type Dataset } from "./contenders.ts";
import { FULL_SCALE, QUICK_SCALE, type Scale, scaleBy } from "./data.ts";

/** The data sets plus W, the watch latency (plain profile, ftp-clone only). */
export type BenchDataset = Dataset | "W";

/** A network profile: plain FTP, explicit FTPS, or plain FTP through the delay proxy. */
export type Profile = "plain" | "ftps" | "rtt20";

/** Every profile and the operations it runs, in order. */
export const PROFILE_OPS: Record<
  Profile,
  ReadonlyArray<{ op: string; dataset: Dataset; kind: "down" | "up" | "pass" }>
> = {
  plain: [
    { op: "S down", dataset: "S", kind: "down" },
    { op: "S up", dataset: "S", kind: "up" },
    { op: "L down", dataset: "L", kind: "down" },
    { op: "L up", dataset: "L", kind: "up" },
    { op: "X pass", dataset: "X", kind: "pass" },
    { op: "C pass", dataset: "C", kind: "pass" },
  ],
  ftps: [
    { op: "S down", dataset: "S", kind: "down" },
    { op: "S up", dataset: "S", kind: "up" },
  ],
  rtt20: [
    { op: "S down", dataset: "S", kind: "down" },
    { op: "S up", dataset: "S", kind: "up" },
    { op: "X pass", dataset: "X", kind: "pass" },
  ],
};

/** Short names accepted by --contenders, mapped to the table names. */
export const CONTENDER_IDS: Record<string, string> = {
  "ftp-clone": "ftp-clone",
  lftp: "lftp mirror",
  rclone: "rclone copy",
  bisync: "rclone bisync",
  cp: "cp -r (ceiling)",
  curl: "curl 1 file (ceiling)",
};

/** The parsed command line. */
export interface BenchOptions {
  quick: boolean;
  scale: Scale;
  reps: number;
  datasets: BenchDataset[];
  profiles: Profile[];
  /** Table names of the contenders to run. */
  contenders: string[];
  /** Seconds before one run is killed. */
  timeoutS: number;
  /** Round trip the rtt20 profile adds, in milliseconds. */
  rttMs: number;
  /** The ftps and rtt20 profiles run S and X with their file counts multiplied by this (1 = the
   * same data as plain): they cost 10-100x more per file. */
  profileScale: number;
  seed: number;
  /** Where RESULTS.md and results.json go; undefined: bench/ (a --quick run: the work dir). */
  outDir: string | undefined;
  /** Where data and runs live; undefined: a new temp dir. */
  workDir: string | undefined;
  /** Keep the work dir at the end. */
  keep: boolean;
  help: boolean;
}

/** The usage text. */
export const USAGE = `Usage: deno task bench [options]

  --quick              smoke run: S=500 files, L=2 x 16 MiB, X=2,000, C=+20, 1 repetition,
                       plain profile only; results go to the work dir, not bench/
  --only S,L,X,C,W     data sets to run (default: all; W = watch latency of ftp-clone service)
  --profiles LIST      plain,ftps,rtt20 (default: all; --quick: plain)
  --contenders LIST    ftp-clone,lftp,rclone,bisync,cp,curl (default: all)
  --reps N             repetitions per operation (default 3; --quick: 1)
  --scale F            multiply the full data sizes by F (e.g. 0.1, or 4 for 200,000 files in X)
  --timeout S          kill a run after S seconds (default 900)
  --rtt MS             round trip of the rtt20 profile (default 20)
  --profile-scale F    ftps and rtt20 run S and X with F x the files (default 0.1: 1,000 and
                       5,000; 1 = the full sets, many hours with 3 repetitions)
  --seed N             data seed (default 1)
  --out DIR            where RESULTS.md and results.json go (default bench/)
  --work-dir DIR       where data and runs live (default: a new temp dir, removed at the end)
  --keep               keep the work dir
  -h, --help           this help
`;

function list(
  value: string | undefined,
  allowed: readonly string[],
  what: string,
): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const item of items) {
    if (!allowed.includes(item)) {
      throw new Error(`Cannot use ${what} "${item}": expected one of ${allowed.join(", ")}`);
    }
  }
  return items;
}

function positive(value: string | undefined, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new Error(`Cannot use ${what} "${value}": expected a number > 0`);
  }
  return n;
}

/** Parses the arguments. @throws {Error} on an unknown option or a bad value */
export function parseOptions(args: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      profiles: { type: "string" },
      contenders: { type: "string" },
      reps: { type: "string" },
      scale: { type: "string" },
      timeout: { type: "string" },
      rtt: { type: "string" },
      "profile-scale": { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      "work-dir": { type: "string" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const quick = values.quick === true;
  const factor = values.scale === undefined ? undefined : positive(values.scale, "--scale", 1);
  const scale = factor !== undefined ? scaleBy(factor) : quick ? QUICK_SCALE : FULL_SCALE;
  const reps = positive(values.reps, "--reps", quick ? 1 : 3);
  if (!Number.isInteger(reps)) {
    throw new Error(`Cannot use --reps "${values.reps}": expected a whole number`);
  }
  const all = ["S", "L", "X", "C", "W"];
  const datasets = (list(values.only, all, "data set") ?? all) as BenchDataset[];
  const profiles = (list(values.profiles, Object.keys(PROFILE_OPS), "profile") ??
    (quick ? ["plain"] : ["plain", "ftps", "rtt20"])) as Profile[];
  const ids = list(values.contenders, Object.keys(CONTENDER_IDS), "contender") ??
    Object.keys(CONTENDER_IDS);
  return {
    quick,
    scale,
    reps,
    datasets,
    profiles,
    contenders: ids.map((id) => CONTENDER_IDS[id] ?? id),
    timeoutS: positive(values.timeout, "--timeout", 900),
    rttMs: positive(values.rtt, "--rtt", 20),
    profileScale: Math.min(1, positive(values["profile-scale"], "--profile-scale", 0.1)),
    seed: positive(values.seed, "--seed", 1),
    outDir: values.out,
    workDir: values["work-dir"],
    keep: values.keep === true,
    help: values.help === true,
  };
}
