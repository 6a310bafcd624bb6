/**
 * Conflicts: both versions are kept on both sides, the newer one under the name and the other
 * under the conflict name (`plan.ts` chooses which; Direction may limit the writes to one side).
 * @module
 */
import type { Action, BaselineUpdate, Entry, Side } from "./types.ts";
import type { ExecuteDeps } from "./execute_ops.ts";
import {
  mkdirLocalAt,
  mkdirRemoteAt,
  moveLocalAside,
  moveRemoteAside,
  type OwnershipBatcher,
} from "./execute_ops.ts";
import { downloadFile } from "./execute_download.ts";
import { uploadFile } from "./execute_upload.ts";
import { appearedMarker, fileRow, need } from "./execute_rows.ts";

/**
 * Keeps both versions of a conflicting path: first renames the loser on its own side (its
 * content is then safe whatever fails next), then gives that side the winner's version (or, in
 * a kind clash, the directory), then copies the loser across (unless `onlySide`).
 */
export async function keepBoth(
  deps: ExecuteDeps,
  action: Action & { type: "keepBoth" },
  options: { ownership: OwnershipBatcher; countBytes: (n: number) => void },
): Promise<BaselineUpdate[]> {
  const { ownership, countBytes } = options;
  const local = need(action.local, action, "local");
  const remote = need(action.remote, action, "remote");
  const { path, loserPath, winner } = action;
  const loser: Side = winner === "local" ? "remote" : "local";
  const clash = local.kind !== remote.kind;
  const loserEntry = loser === "local" ? local : remote;
  const movedLoser: Entry = { ...loserEntry, path: loserPath };
  // 1. Keep the loser's content first: rename it on its own side.
  if (loser === "local") moveLocalAside(deps, path, loserPath);
  else await moveRemoteAside(deps, path, loserPath);
  // 2. The loser's side gets the winner's version (or, in a kind clash, the directory).
  let pathRow: BaselineUpdate;
  if (clash) {
    const made = loser === "local"
      ? mkdirLocalAt(deps, path, ownership)
      : await mkdirRemoteAt(deps, path);
    pathRow = loser === "local" ? fileRow(path, made, remote) : fileRow(path, local, made);
  } else if (loser === "local") {
    const outcome = await downloadFile(deps, {
      remote,
      to: path,
      plannedLocal: undefined,
      ownership,
      onBytes: countBytes,
    });
    if (outcome.placed) {
      pathRow = fileRow(path, outcome.local, outcome.remote);
    } else {
      deps.onConflict?.(path, outcome.conflictPath);
      pathRow = fileRow(path, appearedMarker(remote), outcome.remote);
    }
  } else {
    const uploaded = await uploadFile(deps, {
      local,
      to: path,
      overwrite: false,
      onBytes: countBytes,
    });
    pathRow = fileRow(path, uploaded.local, uploaded.remote);
  }
  const updates = [pathRow];
  // 3. Unless Direction limits the pass to one side, the loser's version goes across too.
  if (action.onlySide === undefined) {
    if (loser === "local") {
      const uploaded = await uploadFile(deps, {
        local: movedLoser,
        to: loserPath,
        overwrite: false,
        onBytes: countBytes,
      });
      updates.push(fileRow(loserPath, uploaded.local, uploaded.remote));
    } else {
      const outcome = await downloadFile(deps, {
        remote: movedLoser,
        to: loserPath,
        plannedLocal: undefined,
        ownership,
        onBytes: countBytes,
      });
      if (outcome.placed) updates.push(fileRow(loserPath, outcome.local, outcome.remote));
    }
  }
  deps.log.warn(
    "Conflict: {path}: the {winner} version keeps the name, the other is {loserPath}",
    {
      path,
      winner,
      loserPath,
    },
  );
  return updates;
}
