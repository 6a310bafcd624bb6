/**
 * Watch latency: how long a new local file takes to reach the server while `ftp-clone service`
 * runs with Watch = yes (issue 6: within 3 s). ftp-clone only; the other tools have no watch mode.
 * @module
 */
import type { Endpoint } from "./endpoint.ts";
import { writeFtpCloneIni } from "./ftp_clone_ini.ts";
import type { RunRecord } from "./report.ts";
import type { Workspace } from "./workspace.ts";

/** Options of {@linkcode measureWatch}. */
export interface WatchOptions {
  endpoint: Endpoint;
  repoRoot: string;
  env: Record<string, string>;
  /** Changes measured, one after another. */
  changes: number;
  /** Seconds one change may take before it counts as failed. */
  timeoutS: number;
}

const FILE_BYTES = 4096;
const POLL_MS = 10;

/** Resolves with the seconds until `path` exists with `size` bytes, or undefined on timeout. */
async function arrival(path: string, size: number, since: number, timeoutS: number) {
  while (performance.now() - since < timeoutS * 1000) {
    try {
      if (Deno.statSync(path).size === size) return (performance.now() - since) / 1000;
    } catch {
      // Not there yet.
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return undefined;
}

/** Peak RSS (KiB) and CPU seconds of a live process, from /proc. */
function procFigures(pid: number): { rssKiB: number; cpuS: number } {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat (index 11, 12 after the command), in clock
    // ticks of 1/100 s on Linux.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssKiB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN), cpuS: ticks / 100 };
  } catch {
    return { rssKiB: NaN, cpuS: NaN };
  }
}

/** Runs the service over an empty pair of dirs and times `changes` new local files. */
export async function measureWatch(ws: Workspace, options: WatchOptions): Promise<RunRecord[]> {
  const runDir = `${ws.runs}/watch`;
  const localDir = `${runDir}/local`;
  const remoteFsDir = `${ws.root}/runs/watch`;
  await Deno.mkdir(localDir, { recursive: true });
  await Deno.mkdir(`${runDir}/state`, { recursive: true });
  await Deno.mkdir(remoteFsDir);
  await Deno.chown(remoteFsDir, ws.uid, ws.gid);
  const ini = await writeFtpCloneIni(runDir, {
    endpoint: options.endpoint,
    remoteDir: "/runs/watch",
    localDir,
    stateDir: `${runDir}/state`,
    watch: true,
  });
  const out = await Deno.open(`${ws.logs}/watch.out`, { write: true, create: true });
  const err = await Deno.open(`${ws.logs}/watch.err`, { write: true, create: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      `${options.repoRoot}/mod.ts`,
      "--config",
      ini,
      "--state-dir",
      `${runDir}/state`,
      "service",
    ],
    env: { ...options.env, NO_COLOR: "1" },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const piped = Promise.all([child.stdout.pipeTo(out.writable), child.stderr.pipeTo(err.writable)]);
  const records: RunRecord[] = [];
  const base = {
    profile: "plain",
    op: "W watch latency",
    contender: "ftp-clone service",
    ceiling: false,
    // Rates mean nothing for one small file: the table shows "-".
    files: 0,
    bytes: 0,
    verified: undefined,
  };
  try {
    // A first file covers the start-up pass and the watcher getting ready; not recorded.
    const warm = await change(ws, { localDir, remoteFsDir, name: "warm-up.txt" }, 60);
    if (warm === undefined) {
      return [{
        ...base,
        rep: 0,
        ok: false,
        seconds: NaN,
        cpuSeconds: NaN,
        peakRssKiB: NaN,
        note: "the service did not upload a first file within 60 s",
      }];
    }
    for (let i = 1; i <= options.changes; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const seconds = await change(
        ws,
        { localDir, remoteFsDir, name: `change-${i}.txt` },
        options.timeoutS,
      );
      const figures = procFigures(child.pid);
      records.push({
        ...base,
        rep: i,
        ok: seconds !== undefined,
        seconds: seconds ?? NaN,
        cpuSeconds: figures.cpuS,
        peakRssKiB: figures.rssKiB,
        ...(seconds === undefined ? { note: `not on the server after ${options.timeoutS} s` } : {}),
      });
    }
    return records;
  } finally {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    const killer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }, 10_000);
    await child.status;
    clearTimeout(killer);
    await piped.catch(() => {});
    await Deno.remove(runDir, { recursive: true }).catch(() => {});
    await Deno.remove(remoteFsDir, { recursive: true }).catch(() => {});
  }
}

/** Writes one new local file and waits for it on the server; seconds or undefined. */
function change(
  ws: Workspace,
  where: { localDir: string; remoteFsDir: string; name: string },
  timeoutS: number,
): Promise<number | undefined> {
  const bytes = ws.pool.subarray(0, FILE_BYTES);
  const t0 = performance.now();
  Deno.writeFileSync(`${where.localDir}/${where.name}`, bytes);
  return arrival(`${where.remoteFsDir}/${where.name}`, FILE_BYTES, t0, timeoutS);
}
