/**
 * Writes values into parametre.ini: only those values' bytes change (see IniDocument.withValues),
 * the write is atomic (temporary file in the same directory, fsync, rename), the file keeps its
 * mode and owner, and an exclusive flock(2) on the file itself serialises writers (`password` and
 * a running service). flock is released by the kernel when a process dies, so no lock is ever
 * stale; a writer that waited on a file that was meanwhile replaced retries on the new file.
 * @module
 */
import { basename, dirname, join } from "node:path";
import { IniEditError, parseIni, UnknownSectionError } from "./ini_document.ts";

/**
 * Sets `updates` (INI key -> value) in `section` of the file at `path` (a symbolic link is
 * followed: its target is rewritten). Does nothing when the values are already set.
 * @throws {UnknownSectionError} when the section does not exist (nothing written)
 * @throws {IniEditError} when the section is duplicated or a value cannot be stored
 */
export async function setIniValues(
  path: string,
  section: string,
  updates: Record<string, string>,
): Promise<void> {
  const target = await Deno.realPath(path);
  for (;;) {
    const file = await Deno.open(target, { read: true });
    try {
      await file.lock(true);
      const held = await file.stat();
      const now = await Deno.stat(target).catch(() => undefined);
      // Another writer renamed a new file into place while we waited: lock that one instead.
      if (now === undefined || now.ino !== held.ino || now.dev !== held.dev) continue;
      const bytes = await Deno.readFile(target);
      const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
      const updated = edit(text, target, section, updates);
      if (updated !== text) await replaceFile(target, updated, held);
      return;
    } finally {
      file.close(); // releases the lock
    }
  }
}

function edit(
  text: string,
  path: string,
  section: string,
  updates: Record<string, string>,
): string {
  try {
    return parseIni(text).withValues(section, updates);
  } catch (e) {
    if (e instanceof UnknownSectionError) throw new UnknownSectionError(section, { path });
    if (e instanceof IniEditError) throw new IniEditError(`${e.message} (file "${path}")`);
    throw e;
  }
}

/** Writes `text` to a temporary file beside `target` with its mode and owner, then renames it over. */
async function replaceFile(target: string, text: string, like: Deno.FileInfo): Promise<void> {
  const random = crypto.getRandomValues(new Uint32Array(1))[0]?.toString(36) ?? "0";
  const tmp = join(dirname(target), `.${basename(target)}.${Deno.pid}.${random}.tmp`);
  const mode = (like.mode ?? 0o600) & 0o7777;
  let renamed = false;
  try {
    const out = await Deno.open(tmp, { write: true, createNew: true, mode });
    try {
      const data = new TextEncoder().encode(text);
      let written = 0;
      while (written < data.length) written += await out.write(data.subarray(written));
      // The umask may have removed bits of `mode` at creation: set it exactly.
      await Deno.chmod(tmp, mode);
      const created = await out.stat();
      if (like.uid !== null && like.gid !== null) {
        if (created.uid !== like.uid || created.gid !== like.gid) {
          await Deno.chown(tmp, like.uid, like.gid);
        }
      }
      await out.sync();
    } finally {
      out.close();
    }
    await Deno.rename(tmp, target);
    renamed = true;
    await syncDirectory(dirname(target));
  } finally {
    if (!renamed) await Deno.remove(tmp).catch(() => {});
  }
}

/** Makes the rename durable; best effort (not every file system allows fsync on a directory). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // The rename happened; only its durability across a power loss is less certain.
  }
}
