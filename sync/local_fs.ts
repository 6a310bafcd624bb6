/**
 * Local writes of a pass: ownership and modes of downloaded files (BinDirectory's chown and
 * chmod, batched over many files per call), the "changed since the listing" check before a
 * rename, and small helpers.
 * @module
 */
import { join } from "node:path";
import type { Entry } from "./types.ts";

/** Ownership and modes applied to what the sync writes locally. */
export interface OwnershipOptions {
  /** Directory holding `chown` and `chmod`. */
  binDirectory: string;
  /** `user` or `user:group`: applied to downloaded files and to directories the sync creates. */
  linuxChown?: string | undefined;
  /** chmod(1) modes applied in order to downloaded files, never to directories. */
  linuxChmod: readonly string[];
}

/** Most paths given to one chown/chmod call (keeps argv far below ARG_MAX). */
const PATHS_PER_CALL = 256;

async function runTool(binDirectory: string, tool: string, args: string[]): Promise<void> {
  const command = join(binDirectory, tool);
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" }).output();
  } catch (error) {
    throw new Error(`Cannot run "${command}": ${(error as Error).message}`, { cause: error });
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(
      `"${command} ${args[0]}" failed with exit code ${output.code}` +
        (stderr === "" ? "" : `: ${stderr}`),
    );
  }
}

/**
 * Applies Linux_chown to `files` and `dirs`, then each Linux_chmod mode in order to `files`,
 * with as few processes as possible. Rejects on the first failing call.
 */
export async function applyOwnership(
  files: readonly string[],
  dirs: readonly string[],
  options: OwnershipOptions,
): Promise<void> {
  if (options.linuxChown !== undefined && options.linuxChown !== "") {
    const all = [...files, ...dirs];
    for (let i = 0; i < all.length; i += PATHS_PER_CALL) {
      const chunk = all.slice(i, i + PATHS_PER_CALL);
      await runTool(options.binDirectory, "chown", [options.linuxChown, "--", ...chunk]);
    }
  }
  for (const mode of options.linuxChmod) {
    for (let i = 0; i < files.length; i += PATHS_PER_CALL) {
      const chunk = files.slice(i, i + PATHS_PER_CALL);
      await runTool(options.binDirectory, "chmod", [mode, "--", ...chunk]);
    }
  }
}

/** Whether any ownership or mode is configured. */
export function hasOwnership(options: OwnershipOptions): boolean {
  return (options.linuxChown !== undefined && options.linuxChown !== "") ||
    options.linuxChmod.length > 0;
}

/** The local entry of a path now (lstat, with its device and inode), or undefined when absent. */
export function statLocal(absPath: string, relPath: string): Entry | undefined {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(absPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const isDir = info.isDirectory;
  const entry: Entry = {
    path: relPath,
    kind: isDir ? "dir" : "file",
    size: isDir ? 0 : info.size,
    mtimeMs: info.mtime?.getTime() ?? 0,
    mtimePrecisionMs: 1,
    rawTime: info.isSymlink ? "symlink" : "",
  };
  // The baseline keeps them: they tell a move from a new file on the next pass.
  if (info.dev !== null) entry.dev = info.dev;
  if (info.ino !== null) entry.ino = info.ino;
  return entry;
}

/**
 * Whether the local path differs from what the listing saw (`planned`, undefined when it was
 * absent): it appeared, vanished, changed kind, size or mtime, or is now a symlink.
 */
export function localChangedSince(
  absPath: string,
  relPath: string,
  planned: Entry | undefined,
): boolean {
  const now = statLocal(absPath, relPath);
  if (planned === undefined) return now !== undefined;
  if (now === undefined) return true;
  if (now.rawTime === "symlink" || now.kind !== planned.kind) return true;
  if (now.kind === "dir") return false;
  return now.size !== planned.size || now.mtimeMs !== planned.mtimeMs;
}

/** Whether anything (a file, a directory, a link) is at `path`; other errors throw. */
export function pathExists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Removes a file, ignoring "not found" and any other error (cleanup of temporary files). */
export function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // best effort: a leftover temporary file is invisible to listings and harmless
  }
}

/**
 * Creates a local directory and its missing parents (mode 0755 before umask), returning those
 * it created, shallowest first (for Linux_chown).
 */
export function makeLocalDirs(absPath: string): string[] {
  const created: string[] = [];
  const missing: string[] = [];
  let current = absPath;
  while (statLocal(current, "") === undefined) {
    missing.push(current);
    const parent = current.slice(0, current.lastIndexOf("/"));
    if (parent === "" || parent === current) break;
    current = parent;
  }
  for (const dir of missing.reverse()) {
    try {
      Deno.mkdirSync(dir);
      created.push(dir);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  return created;
}
