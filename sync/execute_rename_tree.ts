/**
 * The fallback of a directory rename that cannot be done as one: copy, then delete, with nothing
 * lost. On the server (a refused RNFR/RNTO), the tree the user moved locally is uploaded under the
 * new name and the old name's files are deleted, each proved to be the version the baseline
 * holds (one changed since is kept, and the next pass brings it back). Locally (the new name on
 * another file system: EXDEV), the tree is copied with owners, modes and times, and the old one's
 * files go to the trash. Baseline rows follow only what was done.
 * @module
 */
import { join } from "node:path";
import { removeRemoteFile } from "./execute_delete.ts";
import {
  type ExecuteDeps,
  isTransient,
  localAbs,
  mkdirRemoteAt,
  onRemote,
  remoteAbs,
  RemoteVersionKeptError,
} from "./execute_ops.ts";
import { fileRow } from "./execute_rows.ts";
import { uploadFile } from "./execute_upload.ts";
import { makeLocalDirs, statLocal } from "./local_fs.ts";
import { cmp, depth } from "./plan_order.ts";
import { copyPreserving, moveToTrash } from "./trash.ts";
import type { BaselineUpdate, MovedRow, RenameAction } from "./types.ts";

/** The moved rows, parents before their content. */
function shallowFirst(rows: readonly MovedRow[]): MovedRow[] {
  return [...rows].sort((a, b) =>
    depth(a.row.path) - depth(b.row.path) || cmp(a.row.path, b.row.path)
  );
}

/**
 * Copies a remote directory whose rename the server refused: the local tree at the destination
 * is uploaded there, then the source's files are deleted once proved unchanged, and its
 * directories once empty.
 */
export async function copyRemoteTree(
  deps: ExecuteDeps,
  action: RenameAction,
  countBytes: (n: number) => void,
): Promise<BaselineUpdate[]> {
  deps.log.warn("The server refused to rename the directory {from}: copying {path} there instead", {
    from: remoteAbs(deps, action.from),
    path: remoteAbs(deps, action.path),
  });
  const rows = shallowFirst(action.rows);
  const updates: BaselineUpdate[] = rows.map(({ from }) => ({ path: from, row: null }));
  await mkdirRemoteAt(deps, action.path);
  for (const { row } of rows) {
    const local = statLocal(localAbs(deps, row.path), row.path);
    if (local?.kind !== row.kind) continue; // changed since the listing: the next pass decides
    if (row.kind === "dir") {
      updates.push(fileRow(row.path, local, await mkdirRemoteAt(deps, row.path)));
      continue;
    }
    const uploaded = await uploadFile(deps, {
      local,
      to: row.path,
      overwrite: false,
      onBytes: countBytes,
    });
    updates.push(fileRow(row.path, uploaded.local, uploaded.remote));
  }
  for (const { from, row } of rows.reverse()) {
    if (row.kind !== "file") continue;
    const abs = remoteAbs(deps, from);
    try {
      await onRemote(deps, (fs) => removeRemoteFile(fs, abs, from, row.remote));
    } catch (error) {
      if (!(error instanceof RemoteVersionKeptError)) throw error;
      deps.log.warn("{message}", { message: error.message, path: from });
    }
  }
  for (
    const from of [...rows.filter((r) => r.row.kind === "dir").map((r) => r.from), action.from]
  ) {
    await onRemote(deps, (fs) => fs.rmdir(remoteAbs(deps, from))).catch((error) => {
      if (isTransient(error)) throw error;
      // Not empty (something changed or appeared there): kept, the next pass decides.
    });
  }
  return updates;
}

/** Every file and directory under a local directory (relative to it), links left out. */
function localTree(root: string, prefix = "", out: { dirs: string[]; files: string[] } = {
  dirs: [],
  files: [],
}): { dirs: string[]; files: string[] } {
  for (const item of Deno.readDirSync(prefix === "" ? root : join(root, prefix))) {
    const rel = prefix === "" ? item.name : `${prefix}/${item.name}`;
    if (item.isDirectory) {
      out.dirs.push(rel);
      localTree(root, rel, out);
    } else if (item.isFile) {
      out.files.push(rel);
    }
  }
  return out;
}

/**
 * Copies a local directory whose rename crossed file systems: its files are copied under the new
 * name (owners, modes and times kept), then moved to the trash; its directories removed once
 * empty (a link or a special file keeps one).
 */
export function copyLocalTree(deps: ExecuteDeps, action: RenameAction): BaselineUpdate[] {
  const from = localAbs(deps, action.from);
  const to = localAbs(deps, action.path);
  deps.log.warn("{from} is on another file system than {path}: copying it there", {
    from,
    path: to,
  });
  const tree = localTree(from);
  makeLocalDirs(to);
  for (const dir of tree.dirs) makeLocalDirs(join(to, dir));
  for (const file of tree.files) {
    copyPreserving(join(from, file), join(to, file), { replace: false });
  }
  for (const file of tree.files) {
    moveToTrash(deps.stateDir, deps.identifier, `${action.from}/${file}`, deps.localRoot, {
      now: deps.now,
      reason: "renamed on the remote",
    });
  }
  for (const dir of [...tree.dirs.reverse(), ""]) {
    try {
      Deno.removeSync(dir === "" ? from : join(from, dir));
    } catch {
      // Not empty (a link, a special file): kept.
    }
  }
  const updates: BaselineUpdate[] = action.rows.map(({ from }) => ({ path: from, row: null }));
  for (const { row } of action.rows) {
    const local = statLocal(localAbs(deps, row.path), row.path);
    if (local?.kind === row.kind) updates.push(fileRow(row.path, local, row.remote));
  }
  return updates;
}
