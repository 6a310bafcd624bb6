/**
 * `ftp-clone trash list [SECTION]` and `ftp-clone trash restore SECTION PATH [--to DIR]`: what
 * passes moved to the trash (`<StateDirectory>/trash/<Identifier>/`), and putting a version back.
 *
 * Restoring never overwrites a file silently: when the original place is taken, it refuses unless
 * `--to DIR` (elsewhere) or `--replace` (the current file goes to the trash first, so it can be
 * restored in turn) is given. The file is moved out of the trash with a hard link then an unlink
 * (or, across filesystems, a copy that keeps owner, group, mode and times, under a temporary name
 * then a link), so it never appears half-written under its final name, keeps who owns it, and an
 * existing file is never clobbered even in a race. The
 * section's lock is held meanwhile, so a pass of the service never runs at the same time; the next
 * pass sees the restored file as a local change and uploads it.
 * @module
 */
import { Command } from "commander";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { SectionConfig } from "../config/mod.ts";
import {
  copyPreserving,
  isCrossDevice,
  listTrash,
  moveToTrash,
  pathExists as exists,
  trashDir,
  trashFile,
  type TrashRecord,
  tryLockSection,
} from "../sync/mod.ts";
import type { CliContext } from "./context.ts";
import { type Dispatch, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./dispatch.ts";
import { errorMessage } from "./error_message.ts";
import { loadConfigForCommand } from "./load_config.ts";
import { selectSections } from "./select_sections.ts";

/** The parsed arguments of `trash list`. */
export interface TrashListArgs {
  /** Section names (all sections when empty). */
  sections: string[];
  /** Print one JSON document instead of text. */
  json: boolean;
}

/** The parsed arguments of `trash restore`. */
export interface TrashRestoreArgs {
  section: string;
  /** The original relative path, or the trash file (relative to the section's trash, or absolute). */
  path: string;
  /** Restore into this directory (absolute) instead of the original place. */
  to?: string;
  /** Move a file at the original place to the trash first instead of refusing. */
  replace: boolean;
}

/** Declares `trash` and its subcommands `list` and `restore`. */
export function trashCommand(dispatch: Dispatch): Command {
  const list = new Command("list")
    .summary("list what passes moved to the trash, newest first")
    .description(
      "Lists, for each section (or the one given), the files that passes moved to the trash,\n" +
        "newest first: when (UTC), the size, the path in Local_dir, why (deleted on the remote,\n" +
        "overwritten by a download, replaced by a restore) and the trash file. Files stay there\n" +
        "KeepDeleted days. Reads the state directory only: it connects to no server.",
    )
    .argument("[section...]", "section names, e.g. FTP1 (default: every section)")
    .option(
      "--json",
      'print one JSON document: {"sections":[{"name","identifier","trashDir","entries":' +
        '[{"path","size","trashedAt","reason","mtime","trashPath","file"}]}]}',
    )
    .action((sections: string[], options: { json?: boolean }) => {
      dispatch((ctx) => runTrashList(ctx, { sections, json: options.json === true }));
    });
  const restore = new Command("restore")
    .summary("put a trashed file back")
    .description(
      "Puts a file from the trash back into Local_dir, at its old place, with its old owner,\n" +
        "group, mode and mtime; the next pass then uploads it like any local change. PATH is\n" +
        "the path in Local_dir (the newest version is taken) or, to pick an older version, the\n" +
        'trash file as printed by "ftp-clone trash list" (e.g. docs/a.txt~20261125T141500, or\n' +
        "its absolute path).\n" +
        "A file already at the old place is never overwritten: the command refuses, unless\n" +
        "--replace is given (that file goes to the trash first) or --to puts the version\n" +
        "elsewhere. Holds the section's lock meanwhile (a running pass makes it fail, exit 1).\n" +
        "Exit 1 when nothing matches PATH, the place is taken, or the section is locked.",
    )
    .argument("<section>", "an [FTPn] section of parametre.ini, e.g. FTP1")
    .argument("<path>", "the path in Local_dir, or the trash file")
    .option("--to <dir>", "restore into this directory (created if missing) under its own name")
    .option("--replace", "move a file at the old place to the trash first instead of refusing")
    .action((section: string, path: string, options: { to?: string; replace?: boolean }) => {
      dispatch((ctx) =>
        runTrashRestore(ctx, {
          section,
          path,
          ...(options.to === undefined ? {} : { to: resolve(ctx.cwd, options.to) }),
          replace: options.replace === true,
        })
      );
    });
  return new Command("trash")
    .summary("list the trash, or restore a file from it")
    .description(
      "Files that a pass deletes or overwrites locally are moved to the trash first:\n" +
        "<Local_dir>/.ftp-clone-trash/<path> (never synchronised), kept KeepDeleted days.",
    )
    .addCommand(list)
    .addCommand(restore);
}

/** One trashed file as `trash list --json` prints it. */
export interface TrashEntry {
  /** The path in Local_dir. */
  path: string;
  /** Bytes. */
  size: number;
  /** When it went to the trash, ISO 8601 UTC. */
  trashedAt: string;
  reason: TrashRecord["reason"];
  /** Its mtime before it went to the trash; null when the index predates this field. */
  mtime: string | null;
  /** Relative to the section's trash directory. */
  trashPath: string;
  /** Absolute path of the trash file. */
  file: string;
  /** Owner, group and permission bits before the trash; null when the index predates them. */
  uid: number | null;
  gid: number | null;
  mode: number | null;
}

/** One section in `trash list --json`. */
export interface SectionTrash {
  name: string;
  /** null before the section's first pass (no trash yet). */
  identifier: string | null;
  trashDir: string | null;
  /** Newest first. */
  entries: TrashEntry[];
}

/** The section's trash entries that still exist, newest first (reads the state directory). */
export function sectionTrash(section: SectionConfig, stateDir: string): SectionTrash {
  if (section.identifier === undefined) {
    return { name: section.name, identifier: null, trashDir: null, entries: [] };
  }
  const root = trashDir(section.localDir);
  const entries: TrashEntry[] = [];
  for (const record of listTrash(stateDir, section.identifier)) {
    const file = trashFile(stateDir, section.identifier, record);
    let size: number;
    try {
      size = Deno.lstatSync(file).size;
    } catch {
      continue; // purged or restored since the index was read
    }
    entries.push({
      path: record.path,
      size,
      trashedAt: record.trashedAt,
      reason: record.reason,
      mtime: record.mtime ?? null,
      trashPath: record.trashPath,
      file,
      uid: record.uid ?? null,
      gid: record.gid ?? null,
      mode: record.mode ?? null,
    });
  }
  // The index is appended in time order: reversed, the newest come first (a stable tie-break).
  entries.reverse();
  entries.sort((a, b) => b.trashedAt.localeCompare(a.trashedAt));
  return { name: section.name, identifier: section.identifier, trashDir: root, entries };
}

/** `2026-11-25T14:15:00Z`: second precision reads better in a table. */
function shortTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z");
}

/** `1.5 MiB`, `512 B`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The body of `trash list`: 0, or 2 on a configuration error or an unknown section. */
export async function runTrashList(ctx: CliContext, args: TrashListArgs): Promise<number> {
  const config = await loadConfigForCommand(ctx);
  if (config === undefined) return EXIT_USAGE;
  const sections = selectSections(config, args.sections, ctx);
  if (sections === undefined) return EXIT_USAGE;
  const trashes = sections.map((s) => sectionTrash(s, config.service.stateDirectory));
  if (args.json) {
    ctx.output.json({ sections: trashes });
    return EXIT_OK;
  }
  for (const trash of trashes) {
    if (trash.entries.length === 0) {
      ctx.output.line(`[${trash.name}] the trash is empty`);
      continue;
    }
    const count = trash.entries.length;
    ctx.output.line(`[${trash.name}] ${count} file${count === 1 ? "" : "s"} in ${trash.trashDir}`);
    for (const entry of trash.entries) {
      const trashFile = entry.trashPath === entry.path ? "" : `; trash file ${entry.trashPath}`;
      ctx.output.line(
        `  ${shortTime(entry.trashedAt)}  ${formatSize(entry.size).padStart(9)}  ` +
          `${entry.path}  (${entry.reason}${trashFile})`,
      );
    }
  }
  return EXIT_OK;
}

/** The version PATH names: an exact trash file first, else the newest version of that path. */
export function pickVersion(entries: readonly TrashEntry[], path: string): TrashEntry | undefined {
  if (isAbsolute(path)) return entries.find((e) => e.file === resolve(path));
  const wanted = path.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  // entries are newest first, so find() takes the newest version of a path.
  return entries.find((e) => e.trashPath === wanted && e.path !== wanted) ??
    entries.find((e) => e.path === wanted);
}

/**
 * Moves `from` to `to` without ever replacing an existing `to` (link(2) fails on an existing
 * name) and without a partial file under `to`: across filesystems the copy is made under a
 * temporary name beside `to`, synced, then linked.
 */
export function moveNoClobber(from: string, to: string): void {
  try {
    Deno.linkSync(from, to);
  } catch (error) {
    if (!isCrossDevice(error)) throw error;
    copyPreserving(from, to, { replace: false });
  }
  Deno.removeSync(from);
}

/**
 * Gives a restored file the owner, group, mode and mtime it had before the trash, where they
 * differ (entries that an earlier version copied across file systems lost their owner).
 */
function restoreMetadata(entry: TrashEntry, target: string): void {
  const info = Deno.lstatSync(target);
  if (
    entry.uid !== null && entry.gid !== null && (info.uid !== entry.uid || info.gid !== entry.gid)
  ) {
    Deno.chownSync(target, entry.uid, entry.gid);
  }
  if (entry.mode !== null && ((info.mode ?? 0) & 0o7777) !== entry.mode) {
    Deno.chmodSync(target, entry.mode);
  }
  if (entry.mtime !== null) {
    const mtime = new Date(entry.mtime);
    if (info.mtime?.getTime() !== mtime.getTime()) Deno.utimeSync(target, mtime, mtime);
  }
}

/** What the next pass does with a restored file, as the end of the `ok:` line. */
function afterRestore(section: SectionConfig, target: string): string {
  const rel = relative(section.localDir, target);
  if (rel.startsWith("../") || rel === ".." || isAbsolute(rel)) {
    return " (outside Local_dir: it will not be synchronised)";
  }
  return section.direction === "download"
    ? " (Direction = download: it will not be uploaded)"
    : "; the next pass uploads it";
}

/** The body of `trash restore`: 0 restored, 1 nothing matched / place taken / locked, 2 usage. */
export async function runTrashRestore(ctx: CliContext, args: TrashRestoreArgs): Promise<number> {
  const config = await loadConfigForCommand(ctx);
  if (config === undefined) return EXIT_USAGE;
  const section = selectSections(config, [args.section], ctx)?.[0];
  if (section === undefined) return EXIT_USAGE;
  if (args.replace && args.to !== undefined) {
    ctx.output.error("Cannot use --replace with --to: --to never replaces a file");
    return EXIT_USAGE;
  }
  const stateDir = config.service.stateDirectory;
  const trash = sectionTrash(section, stateDir);
  const entry = pickVersion(trash.entries, args.path);
  if (entry === undefined || trash.identifier === null) {
    ctx.output.error(
      `Cannot restore "${args.path}" of section "${section.name}": it is not in the trash ` +
        `(see "ftp-clone trash list ${section.name}")`,
    );
    return EXIT_FAILURE;
  }
  const target = args.to === undefined
    ? join(section.localDir, entry.path)
    : join(args.to, basename(entry.path));
  const lock = tryLockSection(stateDir, trash.identifier);
  if (!lock.ok) {
    const who = lock.pid === undefined ? "another process" : `process ${lock.pid}`;
    ctx.output.error(
      `Cannot restore "${entry.path}": section "${section.name}" is being synchronised by ` +
        `${who} (lock "${lock.path}"); try again after the pass`,
    );
    return EXIT_FAILURE;
  }
  try {
    if (exists(target)) {
      if (!args.replace || args.to !== undefined) {
        ctx.output.error(
          `Cannot restore "${entry.path}" of section "${section.name}" to "${target}": a file ` +
            `is there; use --replace to move it to the trash first, or --to DIR to restore ` +
            `elsewhere`,
        );
        return EXIT_FAILURE;
      }
      if (!Deno.lstatSync(target).isFile) {
        ctx.output.error(
          `Cannot restore "${entry.path}" of section "${section.name}" to "${target}": ` +
            `it is a directory or a link, which --replace does not move`,
        );
        return EXIT_FAILURE;
      }
      moveToTrash(stateDir, trash.identifier, entry.path, section.localDir, {
        now: new Date(),
        reason: "replaced by a restore",
      });
      ctx.output.ok(`Moved the current "${target}" to the trash`);
    }
    Deno.mkdirSync(dirname(target), { recursive: true });
    moveNoClobber(entry.file, target);
    restoreMetadata(entry, target);
  } catch (error) {
    ctx.output.error(
      `Cannot restore "${entry.file}" to "${target}": ${errorMessage(error)}`,
    );
    return EXIT_FAILURE;
  } finally {
    lock.lock.release();
  }
  ctx.output.ok(
    `Restored "${entry.path}" (${entry.reason} ${shortTime(entry.trashedAt)}) to "${target}"` +
      afterRestore(section, target),
  );
  return EXIT_OK;
}
