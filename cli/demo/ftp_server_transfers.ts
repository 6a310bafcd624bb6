/**
 * The embedded FTP server's data-connection commands: RETR (with REST), STOR (with REST), APPE,
 * LIST, NLST and MLSD. Files are streamed chunk by chunk; listings are sorted by name.
 * @module
 */
import {
  type CommandContext,
  type CommandHandler,
  failure,
  listedEntry,
  statInside,
} from "./ftp_server_commands.ts";
import { copyStream, writeAll } from "./ftp_server_data.ts";
import { formatListLine, formatMlsxLine, type ListedEntry } from "./ftp_server_listing.ts";
import { PathRefused, type ResolvedPath, virtualName } from "./ftp_server_paths.ts";

const encoder = new TextEncoder();

/** Takes the REST offset: it applies to the next transfer only. */
function takeRest(ctx: CommandContext): number {
  const at = ctx.restAt;
  ctx.restAt = 0;
  return at;
}

function resolve(ctx: CommandContext, arg: string): ResolvedPath {
  return ctx.chroot.resolve(ctx.cwd, arg);
}

async function retrieve(ctx: CommandContext, arg: string): Promise<void> {
  const startAt = takeRest(ctx);
  let file: Deno.FsFile;
  let path: ResolvedPath | undefined;
  try {
    path = resolve(ctx, arg);
    const real = await ctx.chroot.existing(path);
    if (!(await Deno.stat(real)).isFile) {
      throw new PathRefused(`${path.virtual}: Not a regular file`);
    }
    file = await Deno.open(real, { read: true });
  } catch (error) {
    return ctx.reply(550, failure(path?.virtual ?? arg, error));
  }
  try {
    if (startAt > 0) await file.seek(startAt, Deno.SeekMode.Start);
    await ctx.transfer(
      `Opening BINARY mode data connection for ${path.virtual}.`,
      async (conn, aborted) => void await copyStream(file, conn, aborted),
    );
  } finally {
    file.close();
  }
}

/** STOR (truncate, or write from the REST offset) and APPE (append). */
async function store(ctx: CommandContext, arg: string, append: boolean): Promise<void> {
  const startAt = takeRest(ctx);
  let file: Deno.FsFile;
  let path: ResolvedPath | undefined;
  try {
    path = resolve(ctx, arg);
    await ctx.chroot.entry(path, { followTarget: true });
    file = await Deno.open(path.real, {
      write: true,
      create: true,
      append,
      truncate: !append && startAt === 0,
    });
  } catch (error) {
    // vsftpd and pure-ftpd answer 553 when the file cannot be created (missing or read-only dir).
    return ctx.reply(553, failure(path?.virtual ?? arg, error));
  }
  try {
    if (!append && startAt > 0) await file.seek(startAt, Deno.SeekMode.Start);
    await ctx.transfer(
      `Ok to send data for ${path.virtual}.`,
      async (conn, aborted) => void await copyStream(conn, file, aborted),
    );
  } finally {
    file.close();
  }
}

/** The entries of a directory, sorted by name; symlinks that lead outside the root are left out. */
async function readEntries(ctx: CommandContext, dir: ResolvedPath): Promise<ListedEntry[]> {
  const entries: ListedEntry[] = [];
  for await (const item of Deno.readDir(dir.real)) {
    const child = ctx.chroot.resolve(dir.virtual, item.name);
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(child.real);
    } catch {
      continue; // deleted while listing
    }
    const entry = listedEntry(item.name, info);
    if (info.isSymlink) {
      try {
        const target = await ctx.chroot.existing(child);
        entry.target = target.slice(ctx.chroot.root.length) || "/";
      } catch {
        continue; // broken, or leads outside the root: proftpd leaves these out too
      }
    }
    entries.push(entry);
  }
  return entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Splits `-a -l path` into options and path (only leading words starting with "-"). */
function listArgs(arg: string): { all: boolean; path: string } {
  let rest = arg;
  let all = false;
  for (;;) {
    const m = /^(-[A-Za-z]+)(?: +|$)/.exec(rest);
    if (!m) break;
    if (m[1]!.includes("a")) all = true;
    rest = rest.slice(m[0].length);
  }
  return { all, path: rest === "" ? "." : rest };
}

type ListStyle = "list" | "nlst" | "mlsd";

/** Finds what to list: a directory's entries, or (LIST/NLST only) one file. */
async function listingEntries(
  ctx: CommandContext,
  path: ResolvedPath,
  style: ListStyle,
  all: boolean,
): Promise<ListedEntry[]> {
  const info = await statInside(ctx, path);
  if (!info.isDirectory) {
    if (style === "mlsd") throw new PathRefused(`${path.virtual}: Not a directory`);
    return [listedEntry(virtualName(path.virtual), info)];
  }
  const entries = await readEntries(ctx, path);
  if (style === "mlsd") return [listedEntry(".", info), ...entries];
  if (!all) return entries.filter((e) => !e.name.startsWith("."));
  if (style === "nlst") return entries;
  // The root's ".." is the root itself, as in a real chroot.
  const parentInfo = path.virtual === "/"
    ? info
    : await Deno.stat(ctx.chroot.resolve(path.virtual, "..").real);
  return [listedEntry(".", info), listedEntry("..", parentInfo), ...entries];
}

async function list(ctx: CommandContext, arg: string, style: ListStyle): Promise<void> {
  const { all, path: target } = style === "mlsd" ? { all: true, path: arg || "." } : listArgs(arg);
  let entries: ListedEntry[];
  let path: ResolvedPath | undefined;
  try {
    path = resolve(ctx, target);
    entries = await listingEntries(ctx, path, style, all);
  } catch (error) {
    // proftpd answers LIST of a missing path with 450, MLSD and NLST with 550.
    return ctx.reply(style === "list" ? 450 : 550, failure(path?.virtual ?? target, error));
  }
  const now = ctx.now();
  const lines = entries.map((e) =>
    style === "list"
      ? formatListLine(e, now)
      : style === "mlsd"
      ? formatMlsxLine(e, ctx.mlstFacts)
      : e.name
  );
  const text = lines.map((line) => `${line}\r\n`).join("");
  await ctx.transfer(
    "Here comes the directory listing.",
    async (conn) => await writeAll(conn, encoder.encode(text)),
  );
}

/** The commands of this module, by verb. */
export const TRANSFER_COMMANDS: Record<string, CommandHandler> = {
  RETR: retrieve,
  STOR: (ctx, arg) => store(ctx, arg, false),
  APPE: (ctx, arg) => store(ctx, arg, true),
  LIST: (ctx, arg) => list(ctx, arg, "list"),
  NLST: (ctx, arg) => list(ctx, arg, "nlst"),
  MLSD: (ctx, arg) => list(ctx, arg, "mlsd"),
};

/** Verbs that use the data connection (the session drops an unused passive listener after them). */
export const TRANSFER_VERBS: ReadonlySet<string> = new Set(Object.keys(TRANSFER_COMMANDS));
