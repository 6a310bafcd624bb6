/**
 * Exact times for the new remote files that could be moves (issue 16), a step between the walk
 * and the plan. A move on the server is recognised only at exact precision (`plan_moves.ts`),
 * and a LIST-only server (vsftpd) shows a file older than a day to the minute or the day (the
 * lister asks MDTM only for newer ones). So each new remote file whose size is that of a vanished
 * one with an exact time, and whose listed time could hold that exact time, is asked its MDTM;
 * the walk's result then carries the exact time. Nothing else is asked: a pass without vanished
 * remote files sends no command here.
 * @module
 */
import { meaningOf, type RemoteFsPool } from "./ftp/mod.ts";
import { sameMtime } from "./diff.ts";
import { remotePath } from "./remote_lister.ts";
import type { WalkResult } from "./walk.ts";
import type { Entry } from "./types.ts";

/** MDTMs asked in one task (one connection, sequentially). */
const BATCH = 32;
/**
 * New files of one size asked at most, as a multiple of the vanished files of that size (plus a
 * few): beyond it, equal candidates would make every move of that size ambiguous anyway.
 */
const MAX_PER_VANISHED = 2;
const MAX_EXTRA = 16;

/** Options of {@linkcode readMoveTimes}. */
export interface MoveTimesOptions {
  /** Remote_dir (absolute from the login root). */
  rootDir: string;
  signal?: AbortSignal | undefined;
}

/** The new remote files worth an MDTM (see the module doc), in path order. */
export function moveTimeCandidates(walked: Pick<WalkResult, "remoteChanges">): Entry[] {
  const vanished = new Map<number, Entry[]>();
  for (const change of walked.remoteChanges.values()) {
    if (change.kind === "created") continue;
    const before = change.before;
    if (before.kind !== "file" || before.mtimePrecisionMs > 1000) continue;
    const list = vanished.get(before.size);
    if (list === undefined) vanished.set(before.size, [before]);
    else list.push(before);
  }
  if (vanished.size === 0) return [];
  const bySize = new Map<number, Entry[]>();
  for (const change of walked.remoteChanges.values()) {
    if (change.kind !== "created") continue;
    const after = change.after;
    if (after.kind !== "file" || after.mtimePrecisionMs <= 1000) continue;
    const befores = vanished.get(after.size);
    if (befores === undefined || !befores.some((before) => sameMtime(before, after))) continue;
    const list = bySize.get(after.size);
    if (list === undefined) bySize.set(after.size, [after]);
    else list.push(after);
  }
  const out: Entry[] = [];
  for (const [size, list] of bySize) {
    if (list.length <= MAX_PER_VANISHED * vanished.get(size)!.length + MAX_EXTRA) out.push(...list);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Reads the exact times of {@linkcode moveTimeCandidates} over the pool and puts them in `walked`
 * (its remote listing and changes); returns how many were read. A time that cannot be read
 * leaves the file as listed (it is then no move); only an abort rejects.
 */
export async function readMoveTimes(
  walked: Pick<WalkResult, "remote" | "remoteChanges">,
  pool: RemoteFsPool,
  options: MoveTimesOptions,
): Promise<number> {
  const candidates = moveTimeCandidates(walked);
  let supported = true;
  let read = 0;
  const batches: Entry[][] = [];
  for (let i = 0; i < candidates.length; i += BATCH) batches.push(candidates.slice(i, i + BATCH));
  await Promise.all(batches.map(async (batch) => {
    try {
      await pool.use(async (remote) => {
        for (const entry of batch) {
          if (!supported) return;
          let exactMs: number;
          try {
            exactMs = await remote.mtime(remotePath(options.rootDir, entry.path));
          } catch (error) {
            if (meaningOf(error) === "unsupported") supported = false;
            if ((error as { transient?: unknown }).transient === true) throw error;
            continue; // gone since the listing, or an unreadable reply: as listed
          }
          const exact: Entry = { ...entry, mtimeMs: exactMs, mtimePrecisionMs: 1000 };
          walked.remote.set(entry.path, exact);
          walked.remoteChanges.set(entry.path, { kind: "created", after: exact });
          read++;
        }
      }, options.signal);
    } catch (error) {
      // A lost connection costs the rest of this batch its moves, not the pass.
      if (options.signal?.aborted) throw error;
    }
  }));
  return read;
}
