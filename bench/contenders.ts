/**
 * The contenders and the exact commands each runs for a job: ftp-clone (`sync`), lftp
 * `mirror --parallel=8`, rclone `copy --transfers 8`, rclone `bisync`, and the ceilings `cp -r`
 * and curl (one large file).
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { DENO_RUN_FLAGS } from "../deploy/mod.ts";
import type { Endpoint } from "./endpoint.ts";
import { writeFtpCloneIni } from "./ftp_clone_ini.ts";

/** What a job does: fill an empty local dir, fill an empty remote dir, or a two-way pass. */
export type JobKind = "down" | "up" | "pass";
/** The data sets (bench/data.ts). */
export type Dataset = "S" | "L" | "X" | "C";

/** One timed operation, as one contender must carry it out. */
export interface Job {
  readonly kind: JobKind;
  readonly dataset: Dataset;
  readonly endpoint: Endpoint;
  /** FTP path of the remote directory (`/S`, `/runs/12`). */
  readonly remoteDir: string;
  /** The same directory on this machine (the server's root is local). */
  readonly remoteFsDir: string;
  /** The local directory (empty for down, the source for up, one side of a pass). */
  readonly localDir: string;
  /** The contender's own state for this job: ini, baseline, bisync listings. */
  readonly stateDir: string;
  /** L: the one file the curl ceiling transfers. */
  readonly bigFile: string | undefined;
}

/** A tool in the benchmark. */
export interface Contender {
  readonly name: string;
  /** cp and curl: what the machine can do at best, not a competitor. */
  readonly ceiling: boolean;
  /** Whether it takes part in this job. */
  supports(job: Pick<Job, "kind" | "dataset" | "endpoint">): boolean;
  /** True when the timed run moves only `bigFile` (curl). */
  readonly oneFile: boolean;
  /** Untimed commands that must run before a pass (a first sync that records a baseline). */
  prime(job: Job): Promise<string[][]>;
  /** The timed commands, run one after another. */
  commands(job: Job): Promise<string[][]>;
  /** The child's environment. */
  env(job: Job): Record<string, string>;
}

/** What the contenders need from the bench. */
export interface ContenderContext {
  /** The repository root (mod.ts of ftp-clone). */
  readonly repoRoot: string;
  /** Environment of the bench minus FTP_CLONE_* (HOME stays: Deno's cache lives there). */
  readonly baseEnv: Record<string, string>;
  /** A private HOME for lftp and rclone (no user rc files, no history). */
  readonly toolHome: string;
  /** The FTP password as `rclone obscure` printed it. */
  readonly rcloneObscuredPassword: string;
}

const PARALLEL = 8;

function lftpSettings(e: Endpoint): string[] {
  const tls = e.tls
    ? [
      "set ftp:ssl-force true",
      "set ftp:ssl-protect-data true",
      "set ftp:ssl-protect-list true",
      "set ssl:verify-certificate false",
    ]
    : ["set ftp:ssl-allow false"];
  return [
    "set cmd:fail-exit true",
    "set net:max-retries 2",
    "set net:timeout 30",
    "set net:reconnect-interval-base 1",
    ...tls,
    `open -u ${e.user},${e.password} -p ${e.port} ftp://${e.host}`,
  ];
}

function lftp(ctx: ContenderContext): Contender {
  return {
    name: "lftp mirror",
    ceiling: false,
    oneFile: false,
    supports: () => true,
    prime: () => Promise.resolve([]),
    commands: (job) => {
      const down = `mirror --parallel=${PARALLEL}`;
      const up = `mirror -R --parallel=${PARALLEL}`;
      const mirrors = job.kind === "down"
        ? [`${down} ${job.remoteDir} ${job.localDir}`]
        : job.kind === "up"
        ? [`${up} ${job.localDir} ${job.remoteDir}`]
        // A two-way pass with a one-way tool: newer files down, then newer files up.
        : [
          `${down} --only-newer ${job.remoteDir} ${job.localDir}`,
          `${up} --only-newer ${job.localDir} ${job.remoteDir}`,
        ];
      return Promise.resolve([[
        "lftp",
        "-c",
        [...lftpSettings(job.endpoint), ...mirrors].join("; "),
      ]]);
    },
    env: () => ({ ...ctx.baseEnv, HOME: ctx.toolHome }),
  };
}

function rcloneEnv(
  ctx: ContenderContext,
  e: Endpoint,
  options: { writingMdtm: boolean },
): Record<string, string> {
  return {
    ...ctx.baseEnv,
    HOME: ctx.toolHome,
    RCLONE_CONFIG: `${ctx.toolHome}/rclone.conf`,
    RCLONE_CONFIG_BENCH_TYPE: "ftp",
    RCLONE_CONFIG_BENCH_HOST: e.host,
    RCLONE_CONFIG_BENCH_PORT: String(e.port),
    RCLONE_CONFIG_BENCH_USER: e.user,
    RCLONE_CONFIG_BENCH_PASS: ctx.rcloneObscuredPassword,
    ...(e.tls
      ? {
        RCLONE_CONFIG_BENCH_EXPLICIT_TLS: "true",
        RCLONE_CONFIG_BENCH_NO_CHECK_CERTIFICATE: "true",
        // Go's TLS 1.3 and vsftpd 3.0.3 fail at the handshake ("tls: illegal parameter").
        RCLONE_CONFIG_BENCH_DISABLE_TLS13: "true",
      }
      : {}),
    // vsftpd has no MLSD/MFMT: without this quirk flag rclone reports no modtime support, which
    // bisync refuses ("modification time support is missing"); it sets times with MDTM instead.
    ...(options.writingMdtm ? { RCLONE_CONFIG_BENCH_WRITING_MDTM: "true" } : {}),
  };
}

function rcloneCopy(ctx: ContenderContext): Contender {
  return {
    name: "rclone copy",
    ceiling: false,
    oneFile: false,
    supports: () => true,
    prime: () => Promise.resolve([]),
    commands: (job) => {
      const copy = ["rclone", "copy", "-q", "--transfers", String(PARALLEL)];
      const remote = `bench:${job.remoteDir}`;
      if (job.kind === "down") return Promise.resolve([[...copy, remote, job.localDir]]);
      if (job.kind === "up") return Promise.resolve([[...copy, job.localDir, remote]]);
      // A two-way pass with a one-way tool: --update skips files newer on the destination.
      return Promise.resolve([
        [...copy, "--update", remote, job.localDir],
        [...copy, "--update", job.localDir, remote],
      ]);
    },
    env: (job) => rcloneEnv(ctx, job.endpoint, { writingMdtm: false }),
  };
}

function rcloneBisync(ctx: ContenderContext): Contender {
  const bisync = (job: Job, resync: boolean): string[][] => {
    const remote = `bench:${job.remoteDir}`;
    // The source of a one-way fill is path1 of a first (--resync) run.
    const [path1, path2] = job.kind === "up" ? [job.localDir, remote] : [remote, job.localDir];
    return [[
      "rclone",
      "bisync",
      "-q",
      "--transfers",
      String(PARALLEL),
      "--workdir",
      `${job.stateDir}/bisync`,
      path1,
      path2,
      ...(resync ? ["--resync"] : []),
    ]];
  };
  return {
    name: "rclone bisync",
    ceiling: false,
    oneFile: false,
    supports: () => true,
    // A pass needs the listings of a prior --resync run, made outside the timing.
    prime: (job) => Promise.resolve(job.kind === "pass" ? bisync(job, true) : []),
    commands: (job) => Promise.resolve(bisync(job, job.kind !== "pass")),
    env: (job) => rcloneEnv(ctx, job.endpoint, { writingMdtm: true }),
  };
}

/** The service's default ServiceWait (ms): the time between two passes. */
const SERVICE_WAIT_MS = 8 * 60_000;

/**
 * Makes the next pass an average pass of the service, untimed: every baseline row's verification
 * time moves back by ServiceWait, as if the previous pass (the prime, or the previous repetition)
 * had run 8 minutes ago. The pass then verifies (MDTM) the files whose turn came in those 8
 * minutes: about files x 8 min / VerifyEvery (1 day), 280 of X's 50,000.
 */
async function ageVerification(stateDir: string): Promise<void> {
  for await (const entry of Deno.readDir(stateDir)) {
    if (!entry.name.endsWith(".db")) continue;
    const db = new DatabaseSync(`${stateDir}/${entry.name}`);
    try {
      db.prepare("UPDATE files SET remote_verified_ms = remote_verified_ms - ?").run(
        SERVICE_WAIT_MS,
      );
    } finally {
      db.close();
    }
  }
}

function ftpClone(ctx: ContenderContext): Contender {
  const sync = async (job: Job): Promise<string[][]> => {
    const ini = `${job.stateDir}/parametre.ini`;
    // Written once per state dir: ftp-clone may store an Identifier in it on the first pass.
    const exists = await Deno.stat(ini).then(() => true, () => false);
    if (!exists) {
      await Deno.mkdir(`${job.stateDir}/state`, { recursive: true });
      await writeFtpCloneIni(job.stateDir, {
        endpoint: job.endpoint,
        remoteDir: job.remoteDir,
        localDir: job.localDir,
        stateDir: `${job.stateDir}/state`,
        connections: PARALLEL,
      });
    }
    return [[
      Deno.execPath(),
      "run",
      // As the systemd unit runs it (memory settings included).
      ...DENO_RUN_FLAGS,
      `${ctx.repoRoot}/mod.ts`,
      "--config",
      ini,
      "--state-dir",
      `${job.stateDir}/state`,
      "--log-level",
      "warning",
      "sync",
    ]];
  };
  return {
    name: "ftp-clone",
    ceiling: false,
    oneFile: false,
    supports: () => true,
    prime: (job) => job.kind === "pass" ? sync(job) : Promise.resolve([]),
    commands: async (job) => {
      if (job.kind === "pass") await ageVerification(`${job.stateDir}/state`);
      return await sync(job);
    },
    env: () => ({ ...ctx.baseEnv, NO_COLOR: "1" }),
  };
}

function cp(ctx: ContenderContext): Contender {
  return {
    name: "cp -r (ceiling)",
    ceiling: true,
    oneFile: false,
    supports: (job) => job.kind !== "pass",
    prime: () => Promise.resolve([]),
    commands: (job) =>
      Promise.resolve([
        job.kind === "down"
          ? ["cp", "-r", `${job.remoteFsDir}/.`, job.localDir]
          : ["cp", "-r", `${job.localDir}/.`, job.remoteFsDir],
      ]),
    env: () => ctx.baseEnv,
  };
}

function curl(ctx: ContenderContext): Contender {
  return {
    name: "curl 1 file (ceiling)",
    ceiling: true,
    oneFile: true,
    supports: (job) => job.dataset === "L" && job.kind !== "pass",
    prime: () => Promise.resolve([]),
    commands: (job) => {
      const e = job.endpoint;
      const file = job.bigFile ?? "big-0.bin";
      const url = `ftp://${e.host}:${e.port}${job.remoteDir}/${file}`;
      const base = ["curl", "-sS", "--fail", "--user", `${e.user}:${e.password}`];
      if (e.tls) base.push("--ssl-reqd", "-k");
      return Promise.resolve([
        job.kind === "down"
          ? [...base, "-o", `${job.localDir}/${file}`, url]
          : [...base, "-T", `${job.localDir}/${file}`, url],
      ]);
    },
    env: () => ({ ...ctx.baseEnv, HOME: ctx.toolHome }),
  };
}

/** Every contender name, in table order. */
export const CONTENDER_NAMES = [
  "ftp-clone",
  "lftp mirror",
  "rclone copy",
  "rclone bisync",
  "cp -r (ceiling)",
  "curl 1 file (ceiling)",
] as const;

/** The contenders, in table order. */
export function makeContenders(ctx: ContenderContext): Contender[] {
  return [ftpClone(ctx), lftp(ctx), rcloneCopy(ctx), rcloneBisync(ctx), cp(ctx), curl(ctx)];
}
