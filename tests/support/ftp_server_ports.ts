/**
 * Port blocks for test servers: one control port plus a passive range, claimed across processes.
 *
 * Parallel test files (separate processes) start servers at the same moment, so a bind test alone
 * races. A block is therefore also claimed with a lock file created with `createNew` (atomic) in a
 * shared directory; the file holds the owner's pid so that blocks of dead processes are reclaimed
 * (and the server and temp dirs such a process left behind are killed and removed).
 * @module
 */
import { instanceProcesses } from "./ftp_server_procs.ts";

/** First port of the block area; below the kernel's ephemeral range (32768-60999) on purpose, so
 * that outgoing client sockets never take a passive port. */
const AREA_START = 20000;
/** Ports per block: 1 control port + 99 passive ports (pure-ftpd allows range/2 = 49 clients). */
export const BLOCK_SIZE = 100;
/** Number of blocks in the area (20000-31999). */
const BLOCK_COUNT = 120;
/** Where claims live; shared by every process on the machine. */
const LOCK_DIR = "/tmp/ftp-clone-test-ports";

/** A claimed block of ports: `port` for control, `pasvMin..pasvMax` for passive data. */
export interface PortBlock {
  readonly port: number;
  readonly pasvMin: number;
  readonly pasvMax: number;
  /** Record the server's listener pid in the claim, so a later claimer can kill a server whose
   * harness process died without cleaning up. */
  setListener(pid: number, dirs: readonly string[]): Promise<void>;
  /** Give the block back (removes the lock file). Idempotent. */
  release(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Content of a lock file (JSON). */
interface Claim {
  owner: number;
  listener?: number;
  /** Temp dirs to remove if the owner dies without cleaning up. */
  dirs?: string[];
}

/** SIGKILL the server tree a dead harness process left behind (its pid is in the lock file). */
function killStaleServer(listener: number): void {
  if (Number.isNaN(listener) || listener <= 1) return;
  // instanceProcesses walks the tree only if the pid still runs a server binary (pid reuse).
  for (const pid of instanceProcesses(listener, undefined)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Gone.
    }
  }
}

/** True when every port in [from, to] can be bound on 127.0.0.1 right now. */
export function portsFree(from: number, to: number): boolean {
  for (let p = from; p <= to; p++) {
    try {
      Deno.listen({ hostname: "127.0.0.1", port: p }).close();
    } catch {
      return false;
    }
  }
  return true;
}

async function tryClaim(base: number): Promise<boolean> {
  const path = `${LOCK_DIR}/${base}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const f = await Deno.open(path, { createNew: true, write: true });
      await f.write(new TextEncoder().encode(JSON.stringify({ owner: Deno.pid } satisfies Claim)));
      f.close();
      return true;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      // Reclaim only if the owner is dead. Another process may reclaim at the same time; the
      // remove + createNew pair keeps exactly one winner (the loser's createNew fails).
      let claim: Claim;
      try {
        claim = JSON.parse(await Deno.readTextFile(path));
      } catch {
        continue; // Vanished or half-written: try createNew once more.
      }
      if (typeof claim.owner !== "number" || pidAlive(claim.owner)) return false;
      killStaleServer(claim.listener ?? NaN);
      for (const dir of claim.dirs ?? []) {
        // Only dirs the harness made itself (see setListener callers).
        if (/^\/.*\/ftp-clone-(srv|root)-[^/]+$/.test(dir)) {
          await Deno.remove(dir, { recursive: true }).catch(() => {});
        }
      }
      await Deno.remove(path).catch(() => {});
    }
  }
  return false;
}

/** Reclaim every claim whose owner process died: kill the server it left, remove its temp dirs. */
export async function sweepStaleClaims(): Promise<void> {
  await Deno.mkdir(LOCK_DIR, { recursive: true, mode: 0o1777 });
  for await (const e of Deno.readDir(LOCK_DIR)) {
    const m = /^(\d+)\.lock$/.exec(e.name);
    if (m && (await tryClaim(Number(m[1])))) {
      await Deno.remove(`${LOCK_DIR}/${e.name}`).catch(() => {});
    }
  }
}

let swept = false;

/** Claim a free block of BLOCK_SIZE ports (lock file + bind test); throws if none is free. */
export async function claimPortBlock(): Promise<PortBlock> {
  await Deno.mkdir(LOCK_DIR, { recursive: true, mode: 0o1777 });
  if (!swept) {
    swept = true; // Once per process is enough: later leftovers are met by tryClaim anyway.
    await sweepStaleClaims();
  }
  const start = Math.floor(Math.random() * BLOCK_COUNT);
  for (let i = 0; i < BLOCK_COUNT; i++) {
    const base = AREA_START + ((start + i) % BLOCK_COUNT) * BLOCK_SIZE;
    if (!(await tryClaim(base))) continue;
    const path = `${LOCK_DIR}/${base}.lock`;
    if (!portsFree(base, base + BLOCK_SIZE - 1)) {
      await Deno.remove(path).catch(() => {});
      continue;
    }
    let released = false;
    return {
      port: base,
      pasvMin: base + 1,
      pasvMax: base + BLOCK_SIZE - 1,
      setListener: async (pid: number, dirs: readonly string[]) => {
        if (released) return;
        const claim: Claim = { owner: Deno.pid, listener: pid, dirs: [...dirs] };
        await Deno.writeTextFile(path, JSON.stringify(claim));
      },
      release: async () => {
        if (released) return;
        released = true;
        await Deno.remove(path).catch(() => {});
      },
    };
  }
  throw new Error(
    `Cannot find a free block of ${BLOCK_SIZE} ports in ${AREA_START}-${
      AREA_START + BLOCK_COUNT * BLOCK_SIZE - 1
    } (claims in "${LOCK_DIR}")`,
  );
}

/** Release a block synchronously (for unload handlers). */
export function releasePortBlockSync(port: number): void {
  try {
    Deno.removeSync(`${LOCK_DIR}/${port}.lock`);
  } catch {
    // Already gone.
  }
}
