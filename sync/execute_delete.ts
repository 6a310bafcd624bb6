/**
 * Deletions of a pass: a local file goes to the trash, a remote one is DELEted once proved to be
 * the baseline's version, directories only when empty; a path changed since the listing or the
 * last pass is kept (a change beats a delete).
 * @module
 */
import type { RemoteFs } from "./ftp/mod.ts";
import type { Action, BaselineUpdate, Entry } from "./types.ts";
import type { ExecuteDeps } from "./execute_ops.ts";
import {
  checkLocalAncestors,
  isTransient,
  localAbs,
  meaningOf,
  onRemote,
  remoteAbs,
  RemoteVersionKeptError,
} from "./execute_ops.ts";
import { proveVersion, statRemoteNow } from "./remote_proof.ts";
import { localChangedSince } from "./local_fs.ts";
import { moveToTrash } from "./trash.ts";

/** Deletes a local file (to the trash) or an empty local directory. */
export function deleteLocal(
  deps: ExecuteDeps,
  action: Action & { type: "deleteLocal" },
): BaselineUpdate[] {
  const abs = localAbs(deps, action.path);
  checkLocalAncestors(deps, action.path);
  if (localChangedSince(abs, action.path, action.local)) {
    deps.log.info("Kept {path}: it changed since the listing (a change beats a delete)", {
      path: abs,
    });
    return [{ path: action.path, row: null }];
  }
  if (action.kind === "file") {
    moveToTrash(deps.stateDir, deps.identifier, action.path, deps.localRoot, {
      now: deps.now,
      reason: "deleted on the remote",
    });
  } else {
    try {
      Deno.removeSync(abs);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        deps.log.warn("Kept the local directory {path}: {error}", {
          path: abs,
          error: (error as Error).message,
        });
      }
    }
  }
  return [{ path: action.path, row: null }];
}

/**
 * Deletes a remote file, once proved to be the version the baseline holds (else it is kept and
 * `RemoteVersionKeptError` thrown: a change beats a delete), or an empty remote directory.
 */
export async function deleteRemote(
  deps: ExecuteDeps,
  action: Action & { type: "deleteRemote" },
): Promise<BaselineUpdate[]> {
  const abs = remoteAbs(deps, action.path);
  await onRemote(deps, async (fs) => {
    if (action.kind === "dir") {
      try {
        await fs.rmdir(abs);
      } catch (error) {
        if (isTransient(error)) throw error;
        deps.log.warn("Kept the remote directory {path}: {error}", {
          path: abs,
          error: (error as Error).message,
        });
      }
      return;
    }
    await removeRemoteFile(fs, abs, action.path, action.proveRemote ?? action.remote);
  });
  return [{ path: action.path, row: null }];
}

/**
 * DELE of a remote file that must still be `expected` (proved at exact precision just before);
 * a file already gone is fine. Throws `RemoteVersionKeptError` when it is not provably that one.
 */
export async function removeRemoteFile(
  fs: RemoteFs,
  abs: string,
  relPath: string,
  expected: Entry | undefined,
): Promise<void> {
  const now = await statRemoteNow(fs, abs, relPath);
  if (now.state === "absent") return;
  const proof = expected === undefined ? "same" : proveVersion(expected, now);
  if (proof !== "same") {
    throw new RemoteVersionKeptError(
      `"${abs}" ${
        proof === "changed" ? "changed on the server since the last pass" : "cannot be proved " +
          "unchanged (the last pass knew its time only to the minute or day)"
      }: it was kept, not deleted (a change beats a delete); the next pass copies it back`,
    );
  }
  try {
    await fs.remove(abs);
  } catch (error) {
    if (meaningOf(error) !== "notFound") throw error;
  }
}
