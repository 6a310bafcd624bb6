/**
 * Renames on either side, A (`from`) -> B (`path`), with the rules of every other action: the
 * source must still be what was listed, the destination must be free (or, where the two names
 * are one for the file system, the source itself), and a rename that cannot be done falls back
 * to copy + delete with nothing lost. On success the baseline rows of the renamed tree move to
 * their new paths.
 * @module
 */
import { basename, dirname, join } from "node:path";
import type { RemoteFs } from "./ftp/mod.ts";
import { removeRemoteFile } from "./execute_delete.ts";
import {
  ChangedDuringPassError,
  checkLocalAncestors,
  checkRemotePath,
  type ExecuteDeps,
  localAbs,
  meaningOf,
  mkdirRemoteAt,
  onRemote,
  type OwnershipBatcher,
  remoteAbs,
} from "./execute_ops.ts";
import { copyLocalTree, copyRemoteTree } from "./execute_rename_tree.ts";
import { need } from "./execute_rows.ts";
import { uploadFile } from "./execute_upload.ts";
import { downloadTempName, uploadTempName } from "./exclude.ts";
import { localChangedSince, makeLocalDirs, removeQuietly } from "./local_fs.ts";
import { proveVersion, statRemoteNow } from "./remote_proof.ts";
import { isCrossDevice, moveToTrash } from "./trash.ts";
import type { BaselineUpdate, Entry, RenameAction } from "./types.ts";

/** The baseline updates of a rename: each moved row leaves its old path for its new one. */
export function movedRows(action: RenameAction): BaselineUpdate[] {
  return [
    ...action.rows.map(({ from }) => ({ path: from, row: null })),
    ...action.rows.map(({ row }) => ({ path: row.path, row })),
  ];
}

function lstatOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Whether the destination that answers is the source itself under another spelling (a
 * case-insensitive or normalising file system): the same inode, or, where the file system's
 * inode numbers follow the name used (FUSE exFAT), the same directory whose listing holds the
 * source's name and not the destination's.
 */
function isSourceItself(
  from: string,
  source: Deno.FileInfo,
  to: string,
  target: Deno.FileInfo,
): boolean {
  if (target.dev === source.dev && target.ino === source.ino) return true;
  if (dirname(from) !== dirname(to)) return false;
  const names = new Set([...Deno.readDirSync(dirname(to))].map((entry) => entry.name));
  return names.has(basename(from)) && !names.has(basename(to));
}

/**
 * Renames a local file or directory, making the directories above its destination first. The
 * destination may exist only as the source itself (a case-only rename on a case-insensitive file
 * system). Across file systems (EXDEV) a file is copied beside its destination, renamed there,
 * and the source goes to the trash; a directory is copied file by file (`execute_rename_tree.ts`).
 */
export function renameLocal(
  deps: ExecuteDeps,
  action: RenameAction,
  ownership: OwnershipBatcher,
): BaselineUpdate[] {
  const from = localAbs(deps, action.from);
  const to = localAbs(deps, action.path);
  checkLocalAncestors(deps, action.from);
  checkLocalAncestors(deps, action.path);
  if (localChangedSince(from, action.from, need(action.local, action, "local"))) {
    throw new ChangedDuringPassError(
      `"${from}" changed since it was listed: not renamed; the next pass will decide`,
    );
  }
  const source = Deno.lstatSync(from);
  const target = lstatOrUndefined(to);
  if (target !== undefined && !isSourceItself(from, source, to, target)) {
    throw new ChangedDuringPassError(
      `"${to}" appeared since the listing: "${from}" was not renamed onto it; the next pass ` +
        "will decide",
    );
  }
  ownership.addDirs(makeLocalDirs(dirname(to)));
  try {
    Deno.renameSync(from, to);
  } catch (error) {
    if (!isCrossDevice(error)) throw error;
    if (source.isDirectory) return copyLocalTree(deps, action);
    copyLocal(deps, action, { from, to, mtime: source.mtime });
  }
  return movedRows(action);
}

/** The EXDEV fallback: copy to a temporary file beside `to`, rename it, trash the source. */
function copyLocal(
  deps: ExecuteDeps,
  action: RenameAction,
  options: { from: string; to: string; mtime: Date | null },
): void {
  const temp = join(dirname(options.to), downloadTempName(basename(options.to)));
  try {
    Deno.copyFileSync(options.from, temp);
    if (options.mtime !== null) Deno.utimeSync(temp, options.mtime, options.mtime);
    if (lstatOrUndefined(options.to) !== undefined) {
      throw new ChangedDuringPassError(`"${options.to}" appeared during the rename`);
    }
    Deno.renameSync(temp, options.to);
  } catch (error) {
    removeQuietly(temp);
    throw error;
  }
  moveToTrash(deps.stateDir, deps.identifier, action.from, deps.localRoot, {
    now: deps.now,
    reason: "renamed on the remote",
  });
}

/**
 * Renames a remote file or directory (RNFR/RNTO), the source proved to be the listed version
 * first and the directories the destination needs made. Where the destination name answers as
 * taken, the rename goes through a temporary name (a case-insensitive server shows the source
 * itself under the new name), and back if the name is really taken. A server that refuses the
 * rename gets a copy of the local file or tree (already at the destination locally) and then
 * loses the source, once both names are seen apart (a file) or each file is proved unchanged.
 */
export async function renameRemote(
  deps: ExecuteDeps,
  action: RenameAction,
  countBytes: (n: number) => void,
): Promise<BaselineUpdate[]> {
  checkRemotePath(action.path);
  const from = remoteAbs(deps, action.from);
  const to = remoteAbs(deps, action.path);
  const listed = need(action.remote, action, "remote");
  for (const parent of action.parents ?? []) await mkdirRemoteAt(deps, parent);
  const refused = await onRemote(deps, async (fs) => {
    if (listed.kind === "file") {
      const proof = proveVersion(listed, await statRemoteNow(fs, from, action.from));
      if (proof !== "same") {
        throw new ChangedDuringPassError(
          `"${from}" changed on the server since the listing: not renamed; the next pass ` +
            "will decide",
        );
      }
    }
    try {
      if ((await statRemoteNow(fs, to, action.path)).state === "absent") {
        await fs.rename(from, to);
      } else {
        await renameThroughTemp(fs, { from, to, relTo: action.path });
      }
      return false;
    } catch (error) {
      const meaning = meaningOf(error);
      if (meaning === "unsupported" || meaning === "refused") return true;
      throw error;
    }
  });
  if (!refused) return movedRows(action);
  if (listed.kind === "dir") return await copyRemoteTree(deps, action, countBytes);
  const uploaded = await copyRemote(deps, action, countBytes);
  // The copy is what the server now holds under the new name.
  return movedRows(action).map((update) =>
    update.row === null ? update : { ...update, row: { ...update.row, remote: uploaded } }
  );
}

/** A -> T -> B, and T -> A again when B turns out to be taken. */
async function renameThroughTemp(
  fs: RemoteFs,
  options: { from: string; to: string; relTo: string },
): Promise<void> {
  const slash = options.to.lastIndexOf("/");
  const temp = `${options.to.slice(0, slash)}/${uploadTempName(options.to.slice(slash + 1))}`;
  await fs.rename(options.from, temp);
  if ((await statRemoteNow(fs, options.to, options.relTo)).state === "absent") {
    await fs.rename(temp, options.to);
    return;
  }
  await fs.rename(temp, options.from);
  throw new ChangedDuringPassError(
    `"${options.to}" exists on the server: "${options.from}" was not renamed onto it; the next ` +
      "pass will decide",
  );
}

/**
 * The fallback of a refused remote rename: the local file (at the destination locally) is
 * uploaded to the destination, then the source is deleted, proved to be the listed version and
 * seen apart from the destination in a listing (a case-insensitive server shows one file).
 */
async function copyRemote(
  deps: ExecuteDeps,
  action: RenameAction,
  countBytes: (n: number) => void,
): Promise<Entry> {
  const local = need(action.local, action, "local");
  deps.log.warn("The server refused to rename {from}: copying {path} there instead", {
    from: remoteAbs(deps, action.from),
    path: remoteAbs(deps, action.path),
  });
  const uploaded = await uploadFile(deps, {
    local,
    to: action.path,
    overwrite: false,
    onBytes: countBytes,
  });
  const from = remoteAbs(deps, action.from);
  await onRemote(deps, async (fs) => {
    const parent = from.slice(0, from.lastIndexOf("/")) || "/";
    const names = new Set((await fs.list(parent)).map((entry) => entry.name));
    if (!names.has(basename(from)) || !names.has(basename(remoteAbs(deps, action.path)))) return;
    await removeRemoteFile(fs, from, action.from, action.remote);
  });
  return uploaded.remote;
}
