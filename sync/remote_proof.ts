/**
 * What the server holds at a path now, read at the best precision it offers (SIZE and MDTM;
 * a listing of the directory where either is missing), and the proof that it is still a given
 * version before that version is replaced or deleted.
 * @module
 */
import { meaningOf, type PublishTarget, type RemoteFs } from "./ftp/mod.ts";
import { isInFlight, isOurUpload } from "./in_flight.ts";
import type { Entry } from "./types.ts";

/** An exact time: MDTM's or MLSD's whole seconds, or better. */
export const EXACT_MS = 1000;

/** The server's answer to "what is at this path now". */
export type RemoteNow =
  | { state: "absent" }
  | { state: "present"; entry: Entry };

function isUnsupported(error: unknown): boolean {
  return meaningOf(error) === "unsupported";
}

/** Rejects unless the error says the path does not exist; resolves undefined then. */
function absentOr(error: unknown): undefined {
  if (meaningOf(error) === "notFound") return undefined;
  throw error;
}

/** The entry of `abs` in a listing of its directory, or undefined when it is not listed. */
async function listed(fs: RemoteFs, abs: string, relPath: string): Promise<Entry | undefined> {
  const slash = abs.lastIndexOf("/");
  const name = abs.slice(slash + 1);
  const found = (await fs.list(abs.slice(0, slash) || "/")).find((entry) => entry.name === name);
  if (found === undefined) return undefined;
  return {
    path: relPath,
    kind: found.kind === "dir" ? "dir" : "file",
    size: found.kind === "dir" ? 0 : found.size,
    mtimeMs: found.mtimeMs ?? 0,
    mtimePrecisionMs: found.mtimeMs === undefined
      ? Number.MAX_SAFE_INTEGER
      : found.mtimePrecisionMs,
    rawTime: found.rawTime,
  };
}

/**
 * What is at `abs` now: SIZE then MDTM (two round trips, exact); where the server has no SIZE
 * or no MDTM, its directory's listing fills in (the size, or the listing's time at its
 * precision). One round trip for a name that is free (SIZE: no such file).
 */
export async function statRemoteNow(
  fs: RemoteFs,
  abs: string,
  relPath: string,
): Promise<RemoteNow> {
  let size: number | undefined;
  let sizeKnown = true;
  try {
    size = await fs.size(abs);
  } catch (error) {
    if (isUnsupported(error)) sizeKnown = false;
    else if (absentOr(error) === undefined) size = undefined;
  }
  let mtimeMs: number | undefined;
  let mtimeKnown = true;
  if (size !== undefined || !sizeKnown) {
    try {
      mtimeMs = await fs.mtime(abs);
    } catch (error) {
      if (isUnsupported(error)) mtimeKnown = false;
      else if (absentOr(error) === undefined) mtimeMs = undefined;
    }
  }
  if (sizeKnown && mtimeKnown) {
    // "No such file" (SIZE and MDTM say so of a directory too, which then refuses whatever
    // would replace it as a file).
    if (size === undefined || mtimeMs === undefined) return { state: "absent" };
    return {
      state: "present",
      entry: {
        path: relPath,
        kind: "file",
        size,
        mtimeMs,
        mtimePrecisionMs: EXACT_MS,
        rawTime: "",
      },
    };
  }
  const entry = await listed(fs, abs, relPath);
  if (entry === undefined) return { state: "absent" };
  if (entry.kind === "file" && mtimeKnown && mtimeMs !== undefined) {
    return { state: "present", entry: { ...entry, mtimeMs, mtimePrecisionMs: EXACT_MS } };
  }
  return { state: "present", entry };
}

/** What `statRemoteNow` would say, from the SIZE and MDTM a publish read (`RemoteFs.publish`). */
export function remoteNowOf(
  read: PublishTarget & { state: "absent" | "present" },
  relPath: string,
): RemoteNow {
  if (read.state === "absent") return { state: "absent" };
  return {
    state: "present",
    entry: {
      path: relPath,
      kind: "file",
      size: read.size,
      mtimeMs: read.mtimeMs,
      mtimePrecisionMs: EXACT_MS,
      rawTime: "",
    },
  };
}

/** Whether the server still holds a version (see {@linkcode proveVersion}). */
export type Proof = "same" | "changed" | "unprovable";

/**
 * Whether `now` (read by `statRemoteNow`) is the version `expected` (a baseline's remote half):
 * - `same`: the same size and, both times exact, the same second; or the server tells times
 *   only as coarsely as `now` shows (no MDTM) and they agree at that precision (what the
 *   listing says is all there is);
 * - `changed`: another size, kind or time;
 * - `unprovable`: `expected` is coarse (a row from a LIST minute or day) and the exact time
 *   falls within it: a rewrite within that minute or day cannot be told apart.
 * An in-flight record (a direct upload cut short) is "same" for whatever that upload left.
 */
export function proveVersion(expected: Entry, now: RemoteNow): Proof {
  if (now.state === "absent") return "changed";
  const entry = now.entry;
  if (isInFlight(expected)) return isOurUpload(expected, entry) ? "same" : "changed";
  if (entry.kind !== expected.kind || entry.size !== expected.size) return "changed";
  if (entry.kind === "dir") return "same";
  const precision = Math.max(expected.mtimePrecisionMs, entry.mtimePrecisionMs, EXACT_MS);
  const sameBucket = Math.floor(entry.mtimeMs / precision) ===
    Math.floor(expected.mtimeMs / precision);
  if (!sameBucket) return "changed";
  if (entry.mtimePrecisionMs > EXACT_MS || expected.mtimePrecisionMs <= EXACT_MS) return "same";
  return "unprovable";
}
