/**
 * Equal bytes are never a conflict: a file of the same size on both sides, with different or
 * inexact times, is compared by content before anything is kept twice. In order of cost: the
 * remote's exact time (MDTM, when the listing's was coarse) equal to the local one; the server's
 * hash against the local file's; a download to a temporary file beside the local one. Equal
 * files are adopted and given the older of their two mtimes on both sides (the original's: a
 * mirror uploaded by FileZilla has upload times on the server, one fetched with wget the
 * reverse); different ones are left to the action's `ifDifferent`.
 * @module
 */
import { basename, dirname, join } from "node:path";
import { hashLocalFile, sameBytes, usableHash } from "./content_compare.ts";
import { downloadTempName } from "./exclude.ts";
import {
  ChangedDuringPassError,
  checkLocalAncestors,
  type ExecuteDeps,
  localAbs,
  meaningOf,
  onRemote,
  remoteAbs,
} from "./execute_ops.ts";
import { statRemoteFile } from "./execute_upload.ts";
import { fileRow, need } from "./execute_rows.ts";
import type { RemoteFs } from "./ftp/mod.ts";
import { localChangedSince, removeQuietly, statLocal } from "./local_fs.ts";
import type { Action, BaselineUpdate, Comparison, Entry } from "./types.ts";

/** What a comparison found, and the baseline row it earns when equal. */
export interface CompareOutcome {
  comparison: Comparison;
  /** Equal: the adopted row; different: none (the caller carries out `ifDifferent`). */
  updates: BaselineUpdate[];
  /** The remote entry with its exact time where one was read. */
  remote: Entry;
}

const SECOND_MS = 1000;

function second(ms: number): number {
  return Math.floor(ms / SECOND_MS);
}

/** The remote file vanished or changed during the comparison: the next pass decides. */
function remoteChanged(abs: string): ChangedDuringPassError {
  return new ChangedDuringPassError(
    `"${abs}" changed or disappeared on the server during the comparison; the next pass will ` +
      "decide",
  );
}

/** Rethrows an error, as `remoteChanged` when the file is gone. */
function rethrow(error: unknown, abs: string): never {
  if (meaningOf(error) === "notFound" || meaningOf(error) === "tooLarge") throw remoteChanged(abs);
  throw error;
}

/** Compares a local and a remote file of the same size; see the module doc. */
export async function compareFile(
  deps: ExecuteDeps,
  action: Action & { type: "compare" },
  countBytes: (n: number) => void,
): Promise<CompareOutcome> {
  const local = need(action.local, action, "local");
  const listed = need(action.remote, action, "remote");
  const source = localAbs(deps, action.path);
  const abs = remoteAbs(deps, action.path);
  checkLocalAncestors(deps, action.path);
  const localChanged = (): boolean => localChangedSince(source, action.path, local);
  if (localChanged()) {
    throw new ChangedDuringPassError(
      `"${source}" changed since it was listed; the next pass will compare it`,
    );
  }
  const found = await onRemote(deps, async (fs) => {
    let remote = listed;
    if (remote.mtimePrecisionMs > SECOND_MS) {
      try {
        remote = { ...listed, mtimeMs: await fs.mtime(abs), mtimePrecisionMs: SECOND_MS };
      } catch (error) {
        if (meaningOf(error) !== "unsupported") rethrow(error, abs);
      }
    }
    if (remote.mtimePrecisionMs <= SECOND_MS && second(remote.mtimeMs) === second(local.mtimeMs)) {
      return { comparison: { by: "mtime", equal: true } as const, remote };
    }
    const algorithm = usableHash(fs.capabilities.hashes);
    if (algorithm !== undefined) {
      try {
        const [theirs, ours] = await Promise.all([
          fs.hash(abs, algorithm),
          hashLocalFile(source, algorithm),
        ]);
        return { comparison: { by: "hash", equal: theirs === ours } as const, remote };
      } catch (error) {
        if (meaningOf(error) !== "unsupported") rethrow(error, abs);
      }
    }
    const equal = await downloadAndCompare(deps, fs, { abs, source, size: listed.size });
    countBytes(listed.size);
    return { comparison: { by: "download", equal } as const, remote };
  });
  if (localChanged()) {
    throw new ChangedDuringPassError(
      `"${source}" changed during its comparison with the server's; the next pass will compare it`,
    );
  }
  if (!found.comparison.equal) return { ...found, updates: [] };
  const aligned = await alignMtimes(deps, action, { local, remote: found.remote, source, abs });
  return { ...found, updates: [fileRow(action.path, aligned.local, aligned.remote)] };
}

/** Downloads the remote file beside the local one and compares the bytes; the copy is removed. */
async function downloadAndCompare(
  deps: ExecuteDeps,
  fs: RemoteFs,
  options: { abs: string; source: string; size: number },
): Promise<boolean> {
  const temp = join(dirname(options.source), downloadTempName(basename(options.source)));
  try {
    await fs.downloadToFile(options.abs, temp, {
      expectedSize: options.size,
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    }).catch((error) => rethrow(error, options.abs));
    if (Deno.lstatSync(temp).size !== options.size) throw remoteChanged(options.abs);
    return await sameBytes(temp, options.source);
  } finally {
    removeQuietly(temp);
  }
}

/**
 * Gives both sides the older of the two mtimes (to the second), where the side may be written
 * (`onlySide`) and the server can set it; returns the entries to record. A remote time known
 * only to the minute or day is left alone: which one is older cannot be told.
 */
async function alignMtimes(
  deps: ExecuteDeps,
  action: Action & { type: "compare" },
  options: { local: Entry; remote: Entry; source: string; abs: string },
): Promise<{ local: Entry; remote: Entry }> {
  const { source, abs } = options;
  let { local, remote } = options;
  if (remote.mtimePrecisionMs > SECOND_MS) return { local, remote };
  if (second(remote.mtimeMs) < second(local.mtimeMs) && action.onlySide !== "remote") {
    const mtime = new Date(remote.mtimeMs);
    if (localChangedSince(source, action.path, local)) {
      throw new ChangedDuringPassError(
        `"${source}" changed during its comparison; the next ` +
          "pass will compare it",
      );
    }
    Deno.utimeSync(source, mtime, mtime);
    local = statLocal(source, action.path)!;
  } else if (second(local.mtimeMs) < second(remote.mtimeMs) && action.onlySide !== "local") {
    remote = await onRemote(deps, async (fs) => {
      if (!await fs.setMtime(abs, local.mtimeMs)) return remote; // no MFMT: as the server shows
      return await statRemoteFile(fs, abs, action.path, remote.size);
    });
  }
  return { local, remote };
}
