/**
 * Runs the operations of one profile: for each operation and repetition, every contender in a
 * rotated order (interleaved, so load drifts hit all of them alike), each on fresh directories
 * prepared and checked outside the timing.
 * @module
 */
import type { Contender, Dataset, Job, JobKind } from "./contenders.ts";
import type { Endpoint } from "./endpoint.ts";
import { combine, measure, type Measurement } from "./measure.ts";
import type { RunRecord } from "./report.ts";
import { totalBytes, treeStats } from "./data.ts";
import { applyChanges, copyTree, unsyncedChanges, type Workspace } from "./workspace.ts";
import { progress } from "./log.ts";

/** What the runner needs. */
export interface RunnerContext {
  readonly ws: Workspace;
  readonly contenders: readonly Contender[];
  readonly reps: number;
  readonly timeoutS: number;
  /** Contender name -> why it is skipped. */
  readonly unavailable: Record<string, string>;
  /** Every run so far; the runner appends. */
  readonly records: RunRecord[];
}

/** One operation of a profile. */
export interface OpSpec {
  readonly op: string;
  readonly dataset: Dataset;
  readonly kind: JobKind;
  /** Directory (and file list) of the data set: `S`, or `S-small` for a smaller copy. */
  readonly dir: string;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "-");

/** A job's directories, what it should produce, and how to check it. */
interface Prepared {
  job: Job;
  files: number;
  bytes: number;
  /** Directories removed after the run. */
  cleanup: string[];
  /** Untimed work after priming (the C changes). */
  afterPrime?: () => void;
  /** undefined when there is nothing to check; else a note when the result is incomplete. */
  verify?: () => string | undefined;
}

/** Primed (profile, contender) pairs of the shared X tree. */
const primedX = new Set<string>();

function expectTree(dir: string, files: number, bytes: number): () => string | undefined {
  return () => {
    const got = treeStats(dir);
    return got.files === files && got.bytes === bytes
      ? undefined
      : `got ${got.files} files / ${got.bytes} bytes, expected ${files} / ${bytes}`;
  };
}

async function prepare(
  ctx: RunnerContext,
  spec: OpSpec,
  contender: Contender,
  where: { id: string; profile: string; endpoint: Endpoint },
): Promise<Prepared> {
  const ws = ctx.ws;
  const runDir = `${ws.runs}/${where.id}`;
  await Deno.mkdir(runDir, { recursive: true });
  const base = {
    dataset: spec.dataset,
    kind: spec.kind,
    endpoint: where.endpoint,
    stateDir: `${runDir}/state`,
    bigFile: ws.sets["L"]?.[0]?.path,
  };
  const specs = ws.sets[spec.dir] ?? [];
  const files = contender.oneFile ? 1 : specs.length;
  const bytes = contender.oneFile ? (specs[0]?.size ?? 0) : totalBytes(specs);
  if (spec.kind === "down") {
    const localDir = `${runDir}/local`;
    await Deno.mkdir(localDir);
    return {
      job: {
        ...base,
        remoteDir: `/${spec.dir}`,
        remoteFsDir: `${ws.root}/${spec.dir}`,
        localDir,
      },
      files,
      bytes,
      cleanup: [runDir],
      verify: expectTree(localDir, files, bytes),
    };
  }
  if (spec.kind === "up") {
    const remoteFsDir = `${ws.root}/runs/${where.id}`;
    await Deno.mkdir(remoteFsDir);
    await Deno.chown(remoteFsDir, ws.uid, ws.gid);
    return {
      job: {
        ...base,
        remoteDir: `/runs/${where.id}`,
        remoteFsDir,
        localDir: `${ws.local}/${spec.dir}`,
      },
      files,
      bytes,
      cleanup: [runDir, remoteFsDir],
      verify: expectTree(remoteFsDir, files, bytes),
    };
  }
  if (spec.dataset === "X") {
    // The shared X tree: nothing to do, so every contender and repetition passes over it.
    return {
      job: {
        ...base,
        remoteDir: `/${spec.dir}`,
        remoteFsDir: `${ws.root}/${spec.dir}`,
        localDir: `${ws.local}/${spec.dir}`,
        stateDir: `${ws.dir}/state/${where.profile}-${slug(contender.name)}`,
      },
      files: specs.length,
      bytes: 0,
      cleanup: [runDir],
    };
  }
  // C: fresh copies of X on both sides, primed, then changed on each side.
  const remoteFsDir = `${ws.root}/runs/${where.id}`;
  const localDir = `${runDir}/local`;
  await copyTree(ws, localDir, remoteFsDir);
  return {
    job: { ...base, remoteDir: `/runs/${where.id}`, remoteFsDir, localDir },
    files: ws.tree.length,
    bytes: totalBytes(ws.changes.local) + totalBytes(ws.changes.remote),
    cleanup: [runDir, remoteFsDir],
    afterPrime: () => applyChanges(ws, localDir, remoteFsDir),
    verify: () => {
      const bad = unsyncedChanges(ws, localDir, remoteFsDir);
      return bad === 0
        ? undefined
        : `${bad} of ${ws.changes.local.length * 2} changed files not in sync`;
    },
  };
}

async function runCommands(
  ctx: RunnerContext,
  commands: string[][],
  options: { env: Record<string, string>; logPrefix: string },
): Promise<Measurement | undefined> {
  const parts: Measurement[] = [];
  for (const [i, argv] of commands.entries()) {
    const m = await measure(argv, {
      env: options.env,
      timeoutS: ctx.timeoutS,
      logPrefix: `${options.logPrefix}-${i}`,
    });
    parts.push(m);
    if (m.exitCode !== 0) break;
  }
  return parts.length === 0 ? undefined : combine(parts);
}

function failure(m: Measurement, timeoutS: number): string {
  return m.timedOut ? `timed out after ${timeoutS} s` : `exit ${m.exitCode}: ${m.tail}`;
}

/** Runs one contender once on one operation and records it. */
async function runOne(
  ctx: RunnerContext,
  spec: OpSpec,
  contender: Contender,
  where: { id: string; profile: string; endpoint: Endpoint; rep: number },
): Promise<RunRecord> {
  const p = await prepare(ctx, spec, contender, where);
  const record = (m: Measurement | undefined, extra: Partial<RunRecord>): RunRecord => ({
    profile: where.profile,
    op: spec.op,
    contender: contender.name,
    ceiling: contender.ceiling,
    rep: where.rep,
    ok: false,
    seconds: m?.seconds ?? NaN,
    cpuSeconds: m?.cpuSeconds ?? NaN,
    peakRssKiB: m?.peakRssKiB ?? NaN,
    files: p.files,
    bytes: p.bytes,
    verified: undefined,
    ...extra,
  });
  const env = contender.env(p.job);
  const logPrefix = `${ctx.ws.logs}/${where.id}`;
  try {
    const primeKey = `${where.profile}\u0000${contender.name}`;
    const needsPrime = spec.dataset !== "X" || !primedX.has(primeKey);
    if (needsPrime) {
      await Deno.mkdir(p.job.stateDir, { recursive: true });
      const prime = await runCommands(ctx, await contender.prime(p.job), {
        env,
        logPrefix: `${logPrefix}-prime`,
      });
      if (prime !== undefined && prime.exitCode !== 0) {
        return record(undefined, { note: `prime failed: ${failure(prime, ctx.timeoutS)}` });
      }
      if (spec.dataset === "X") primedX.add(primeKey);
    }
    p.afterPrime?.();
    const m = await runCommands(ctx, await contender.commands(p.job), { env, logPrefix });
    if (m === undefined) return record(undefined, { note: "no command" });
    if (m.exitCode !== 0) return record(m, { note: failure(m, ctx.timeoutS) });
    const problem = p.verify?.();
    return record(m, {
      ok: true,
      verified: p.verify === undefined ? undefined : problem === undefined,
      ...(problem === undefined ? {} : { note: problem }),
    });
  } finally {
    for (const dir of p.cleanup) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Runs every operation of a profile; appends to ctx.records. */
export async function runProfile(
  ctx: RunnerContext,
  profile: string,
  options: { endpoint: Endpoint; ops: readonly OpSpec[] },
): Promise<void> {
  for (const spec of options.ops) {
    const active = ctx.contenders.filter((c) =>
      ctx.unavailable[c.name] === undefined &&
      c.supports({ kind: spec.kind, dataset: spec.dataset, endpoint: options.endpoint })
    );
    for (let rep = 1; rep <= ctx.reps; rep++) {
      // Rotate the order each repetition: nobody always runs first (cold caches) or last.
      const shift = (rep - 1) % Math.max(1, active.length);
      const order = [...active.slice(shift), ...active.slice(0, shift)];
      for (const contender of order) {
        const index = ctx.contenders.indexOf(contender);
        const id = `${profile}-${slug(spec.op)}-c${index}-r${rep}`;
        const where = { id, profile, endpoint: options.endpoint, rep };
        const r = await runOne(ctx, spec, contender, where).catch((e): RunRecord => ({
          // A failure of the bench itself (a copy, a clean-up): keep the other results.
          profile,
          op: spec.op,
          contender: contender.name,
          ceiling: contender.ceiling,
          rep,
          ok: false,
          seconds: NaN,
          cpuSeconds: NaN,
          peakRssKiB: NaN,
          files: 0,
          bytes: 0,
          verified: undefined,
          note: `bench error: ${e instanceof Error ? e.message : String(e)}`,
        }));
        ctx.records.push(r);
        const what = r.ok
          ? `${r.seconds.toFixed(2)} s, CPU ${r.cpuSeconds.toFixed(2)} s, ${
            (r.peakRssKiB / 1024).toFixed(0)
          } MiB` +
            (r.note === undefined ? "" : ` (${r.note})`)
          : `FAILED ${r.note ?? ""}`;
        progress(`${profile} ${spec.op} rep ${rep}/${ctx.reps} ${contender.name}: ${what}`);
      }
    }
  }
}

/** Checks that ftp-clone can sync at all (one file down); returns why not, or undefined. */
export async function probeFtpClone(
  ctx: RunnerContext,
  contender: Contender,
  endpoint: Endpoint,
): Promise<string | undefined> {
  const runDir = `${ctx.ws.runs}/probe`;
  const localDir = `${runDir}/local`;
  await Deno.mkdir(localDir, { recursive: true });
  const job: Job = {
    kind: "down",
    dataset: "S",
    endpoint,
    remoteDir: "/probe",
    remoteFsDir: `${ctx.ws.root}/probe`,
    localDir,
    stateDir: `${runDir}/state`,
    bigFile: undefined,
  };
  try {
    await Deno.mkdir(job.stateDir, { recursive: true });
    const m = await runCommands(ctx, await contender.commands(job), {
      env: contender.env(job),
      logPrefix: `${ctx.ws.logs}/probe`,
    });
    if (m === undefined) return "no command";
    if (m.exitCode !== 0) return failure(m, ctx.timeoutS);
    const got = treeStats(localDir);
    return got.files === 1 ? undefined : `a test sync of one file produced ${got.files} files`;
  } finally {
    await Deno.remove(runDir, { recursive: true }).catch(() => {});
  }
}
