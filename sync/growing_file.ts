/**
 * Files that keep changing while they are uploaded (a log appended every few ms). After a few
 * tries within the pass, the upload sends a snapshot: a copy of the file taken into the state
 * directory (a reflink where the file system offers one), which cannot change under the upload.
 * The baseline's local half then records the snapshot's version with the time it was taken
 * (`snapshotEntry`), and the planner holds newer versions back (`heldWhileGrowing`) until the
 * file settles or an hour has passed: the file reaches the server within one pass, and a file
 * that never stops growing is sent at most once an hour, not on every pass.
 * @module
 */
import { join } from "node:path";
import { statLocal } from "./local_fs.ts";
import type { Entry } from "./types.ts";

/** A file unchanged for this long (ms, by its mtime against the pass's time) has settled. */
export const SETTLE_MS = 60_000;

/** A growing file is sent again at most this often (ms) while it does not settle. */
export const HOLD_MS = 3_600_000;

/** The local half's time text of a snapshot upload (local entries have none otherwise). */
const MARK = "ftp-clone:snapshot ";

/** The local half recorded for a snapshot of `source` (its version when copied) taken at `atMs`. */
export function snapshotEntry(source: Entry, atMs: number): Entry {
  return { ...source, rawTime: `${MARK}${atMs}` };
}

/** When the snapshot recorded in a local half was taken (ms), or undefined when it is none. */
function snapshotTakenAt(local: Entry): number | undefined {
  if (!local.rawTime.startsWith(MARK)) return undefined;
  const at = Number(local.rawTime.slice(MARK.length));
  return Number.isFinite(at) ? at : undefined;
}

/**
 * Why the changed local file `listed` waits, when the last upload of it was a snapshot
 * (`recorded`, the baseline's local half) and it has neither settled nor waited an hour;
 * undefined when it goes now.
 */
export function heldWhileGrowing(
  recorded: Entry,
  listed: Entry,
  nowMs: number,
): string | undefined {
  const takenAt = snapshotTakenAt(recorded);
  if (takenAt === undefined || listed.kind !== "file") return undefined;
  if (listed.mtimeMs <= nowMs - SETTLE_MS || nowMs - takenAt >= HOLD_MS) return undefined;
  const next = new Date(takenAt + HOLD_MS).toISOString();
  return `still growing since a snapshot of it was uploaded at ${
    new Date(takenAt).toISOString()
  }: ` +
    `uploaded once it has not changed for ${SETTLE_MS / 1000} s, or at ${next}`;
}

/** A snapshot on disk and the source's version it holds. */
export interface Snapshot {
  /** Absolute path of the copy (the caller removes it). */
  path: string;
  /** The source's entry as copied (size of the copy; the source's mtime when the copy began). */
  entry: Entry;
}

/** Copies tried before a snapshot of a file that changes during every copy is taken as is. */
const COPY_TRIES = 3;

/**
 * Copies `source` (the local file at `relPath`) into `<stateDir>/snapshots/`: the copy is
 * consistent when the file did not change while it was copied (tried up to three times; a
 * reflink is atomic), else the last copy is used (for a file appended to, a prefix of it).
 * Returns undefined when the file is gone or no longer a file.
 */
export function takeSnapshot(
  source: string,
  relPath: string,
  options: { stateDir: string; identifier: string },
): Snapshot | undefined {
  const dir = join(options.stateDir, "snapshots");
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const token = Array.from(
    crypto.getRandomValues(new Uint8Array(6)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  const path = join(dir, `${options.identifier}.${token}`);
  let entry: Entry | undefined;
  for (let i = 0; i < COPY_TRIES; i++) {
    const before = statLocal(source, relPath);
    if (before === undefined || before.kind !== "file" || before.rawTime === "symlink") {
      return undefined;
    }
    // copy_file_range(2): a reflink where the file system can (btrfs, XFS), else a copy.
    Deno.copyFileSync(source, path);
    const after = statLocal(source, relPath);
    entry = { ...before, size: Deno.statSync(path).size };
    if (after?.size === before.size && after.mtimeMs === before.mtimeMs) break;
  }
  return { path, entry: entry! };
}

/** Removes the snapshots a killed pass of this section left (the section's lock is held). */
export function removeSnapshots(options: { stateDir: string; identifier: string }): void {
  const dir = join(options.stateDir, "snapshots");
  let items: Deno.DirEntry[];
  try {
    items = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const item of items) {
    if (item.name.startsWith(`${options.identifier}.`)) {
      try {
        Deno.removeSync(join(dir, item.name));
      } catch {
        // best effort
      }
    }
  }
}
