/**
 * Directories made by a pass, on either side; one that replaces a file changed on the other side
 * only first moves that file aside (locally to the trash; on the server, deleted once proved to
 * be the version the baseline holds).
 * @module
 */
import { removeRemoteFile } from "./execute_delete.ts";
import {
  ChangedDuringPassError,
  type ExecuteDeps,
  localAbs,
  mkdirLocalAt,
  mkdirRemoteAt,
  onRemote,
  type OwnershipBatcher,
  remoteAbs,
} from "./execute_ops.ts";
import { fileRow, need } from "./execute_rows.ts";
import { localChangedSince } from "./local_fs.ts";
import { moveToTrash } from "./trash.ts";
import type { Action, BaselineUpdate } from "./types.ts";

/** A directory to make, on either side. */
type MkdirAction = Extract<Action, { type: "mkdirLocal" | "mkdirRemote" }>;

/** Makes a local directory (the file there to the trash first when it replaces one). */
export function makeDirLocal(
  deps: ExecuteDeps,
  action: MkdirAction,
  ownership: OwnershipBatcher,
): BaselineUpdate[] {
  if (action.replaceFile && action.local?.kind === "file") {
    // A directory replaced this file on the server only: the file goes to the trash.
    if (localChangedSince(localAbs(deps, action.path), action.path, action.local)) {
      throw new ChangedDuringPassError(
        `"${localAbs(deps, action.path)}" changed since it was listed; the next pass will decide`,
      );
    }
    moveToTrash(deps.stateDir, deps.identifier, action.path, deps.localRoot, {
      now: deps.now,
      reason: "deleted on the remote",
    });
  }
  const local = mkdirLocalAt(deps, action.path, ownership);
  const remote = action.remote ??
    { path: action.path, kind: "dir", size: 0, mtimeMs: 0, mtimePrecisionMs: 1000, rawTime: "" };
  return [fileRow(action.path, local, remote)];
}

/** Makes a remote directory (the server's file there deleted first, once proved unchanged). */
export async function makeDirRemote(
  deps: ExecuteDeps,
  action: MkdirAction,
): Promise<BaselineUpdate[]> {
  if (action.replaceFile && action.remote?.kind === "file") {
    // A directory replaced this file locally only: the server's file goes, once proved.
    const abs = remoteAbs(deps, action.path);
    const expected = action.proveRemote ?? action.remote;
    await onRemote(deps, (fs) => removeRemoteFile(fs, abs, action.path, expected));
  }
  const remote = await mkdirRemoteAt(deps, action.path);
  return [fileRow(action.path, need(action.local, action, "local"), remote)];
}
