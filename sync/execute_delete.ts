/**
 * Deletions of a pass: a local file goes to the trash, a remote one is DELEted, directories
 * only when empty; a path changed since the listing is kept (a change beats a delete).
 * @module
 */
import type { Action, BaselineUpdate } from "./types.ts";
import type { ExecuteDeps } from "./execute_ops.ts";
import { checkLocalAncestors, isTransient, localAbs, onRemote, remoteAbs } from "./execute_ops.ts";
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

/** Deletes a remote file (unless rewritten since the listing) or an empty remote directory. */
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
    // Re-check the size just before DELE: a file rewritten since the listing is kept.
    let size: number | undefined;
    try {
      size = await fs.size(abs);
    } catch (error) {
      if (isTransient(error)) throw error;
      size = undefined; // gone already, or SIZE refused: DELE decides
    }
    if (size !== undefined && action.remote !== undefined && size !== action.remote.size) {
      deps.log.info("Kept {path}: it changed since the listing (a change beats a delete)", {
        path: abs,
      });
      return;
    }
    try {
      await fs.remove(abs);
    } catch (error) {
      if (isTransient(error) || size !== undefined) throw error;
    }
  });
  return [{ path: action.path, row: null }];
}
