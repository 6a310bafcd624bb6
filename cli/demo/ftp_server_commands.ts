/**
 * The embedded FTP server's file and directory commands (everything that touches the disk but
 * has no data connection): CWD, CDUP, PWD, MKD, RMD, DELE, RNFR/RNTO, SIZE, MDTM, MFMT, MLST.
 * Replies follow vsftpd and proftpd.
 * @module
 */
import type { Chroot, ResolvedPath } from "./ftp_server_paths.ts";
import { PathRefused } from "./ftp_server_paths.ts";
import {
  formatFtpTime,
  formatMlsxLine,
  type ListedEntry,
  parseFtpTime,
} from "./ftp_server_listing.ts";

/** What a command handler may see and do of its session. */
export interface CommandContext {
  readonly chroot: Chroot;
  /** The current virtual directory ("/" at login). */
  cwd: string;
  /** The offset set by REST for the next RETR/STOR (0 when none). */
  restAt: number;
  /** The path given to RNFR, for the RNTO that must follow it. */
  renameFrom: ResolvedPath | undefined;
  /** The MLST facts selected with OPTS MLST (lower case). */
  mlstFacts: Set<string>;
  /** The clock, in ms since the epoch. */
  now(): number;
  /** Sends one reply line `<code> <text>`. */
  reply(code: number, text: string): Promise<void>;
  /** Sends a multi-line reply: `<code>-<first>`, each of `lines` indented by one space, `<code> <last>`. */
  replyMulti(code: number, first: string, lines: string[], last: string): Promise<void>;
  /**
   * Runs a data transfer on the passive connection: 425 when there is none, else 150, `body`,
   * then 226, or 426 when it failed or ABOR cut it short.
   */
  transfer(
    opening: string,
    body: (conn: Deno.TcpConn, aborted: () => boolean) => Promise<void>,
  ): Promise<void>;
}

/** One command's implementation; `arg` is the text after the verb and one space, as sent. */
export type CommandHandler = (ctx: CommandContext, arg: string) => Promise<void>;

/** `Directory not empty` from a Deno error, without the disk path it names (the chroot's secret). */
export function reasonOf(error: unknown): string {
  if (error instanceof PathRefused) return error.message.replace(/^.*: /, "");
  if (error instanceof Deno.errors.NotFound) return "No such file or directory";
  if (error instanceof Deno.errors.PermissionDenied) return "Permission denied";
  if (error instanceof Deno.errors.AlreadyExists) return "File exists";
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\(os error \d+\).*$/s, "") || "Operation failed";
}

/** The reply text for a failed operation on `path`: `<virtual path>: <reason>`. */
export function failure(path: string, error: unknown): string {
  if (error instanceof PathRefused) return error.message;
  return `${path}: ${reasonOf(error)}`;
}

/** Quotes a path for a 257 reply (RFC 959: embedded quotes are doubled). */
function quote257(path: string): string {
  return `"${path.replaceAll('"', '""')}"`;
}

/** Resolves `arg` against the cwd, or answers 550 and returns undefined. */
async function resolveOr550(ctx: CommandContext, arg: string): Promise<ResolvedPath | undefined> {
  try {
    return ctx.chroot.resolve(ctx.cwd, arg);
  } catch (error) {
    await ctx.reply(550, failure(arg, error));
    return undefined;
  }
}

/** Stats an existing path inside the root (following symlinks that stay inside). */
export async function statInside(ctx: CommandContext, path: ResolvedPath): Promise<Deno.FileInfo> {
  return await Deno.stat(await ctx.chroot.existing(path));
}

/** The {@linkcode ListedEntry} of one stat result. */
export function listedEntry(name: string, info: Deno.FileInfo): ListedEntry {
  return {
    name,
    kind: info.isSymlink ? "symlink" : info.isDirectory ? "dir" : "file",
    size: info.isDirectory ? 0 : info.size,
    mtimeMs: info.mtime?.getTime() ?? 0,
    mode: (info.mode ?? (info.isDirectory ? 0o755 : 0o644)) & 0o7777,
  };
}

async function changeDir(ctx: CommandContext, arg: string): Promise<void> {
  const path = await resolveOr550(ctx, arg);
  if (!path) return;
  try {
    const info = await statInside(ctx, path);
    if (!info.isDirectory) throw new PathRefused(`${path.virtual}: Not a directory`);
  } catch (error) {
    return ctx.reply(550, failure(path.virtual, error));
  }
  ctx.cwd = path.virtual;
  await ctx.reply(250, "Directory successfully changed.");
}

async function makeDir(ctx: CommandContext, arg: string): Promise<void> {
  const path = await resolveOr550(ctx, arg);
  if (!path) return;
  try {
    await ctx.chroot.entry(path);
    await Deno.mkdir(path.real);
  } catch (error) {
    return ctx.reply(550, failure(path.virtual, error));
  }
  await ctx.reply(257, `${quote257(path.virtual)} created`);
}

async function removeDir(ctx: CommandContext, arg: string): Promise<void> {
  const path = await resolveOr550(ctx, arg);
  if (!path) return;
  try {
    await ctx.chroot.entry(path);
    const info = await Deno.lstat(path.real);
    if (!info.isDirectory) throw new PathRefused(`${path.virtual}: Not a directory`);
    if (path.virtual === ctx.cwd || ctx.cwd.startsWith(`${path.virtual}/`)) {
      throw new PathRefused(`${path.virtual}: Device or resource busy`);
    }
    await Deno.remove(path.real);
  } catch (error) {
    return ctx.reply(550, failure(path.virtual, error));
  }
  await ctx.reply(250, "Remove directory operation successful.");
}

async function deleteFile(ctx: CommandContext, arg: string): Promise<void> {
  const path = await resolveOr550(ctx, arg);
  if (!path) return;
  try {
    await ctx.chroot.entry(path);
    const info = await Deno.lstat(path.real);
    if (info.isDirectory) throw new PathRefused(`${path.virtual}: Is a directory`);
    await Deno.remove(path.real);
  } catch (error) {
    return ctx.reply(550, failure(path.virtual, error));
  }
  await ctx.reply(250, "Delete operation successful.");
}

async function renameFrom(ctx: CommandContext, arg: string): Promise<void> {
  const path = await resolveOr550(ctx, arg);
  if (!path) return;
  try {
    await ctx.chroot.entry(path);
    await Deno.lstat(path.real);
  } catch (error) {
    return ctx.reply(550, failure(path.virtual, error));
  }
  ctx.renameFrom = path;
  await ctx.reply(350, "Ready for RNTO.");
}

async function renameTo(ctx: CommandContext, arg: string): Promise<void> {
  const from = ctx.renameFrom;
  ctx.renameFrom = undefined;
  if (!from) return ctx.reply(503, "RNFR required first.");
  const path = await resolveOr550(ctx, arg);
  if (!path) return;
  try {
    await ctx.chroot.entry(path);
    // An existing file at the target is replaced (like vsftpd and pure-ftpd).
    await Deno.rename(from.real, path.real);
  } catch (error) {
    return ctx.reply(550, failure(path.virtual, error));
  }
  await ctx.reply(250, "Rename successful.");
}

async function fileSize(ctx: CommandContext, arg: string): Promise<void> {
  const path = await resolveOr550(ctx, arg);
  if (!path) return;
  try {
    const info = await statInside(ctx, path);
    if (!info.isFile) throw new PathRefused(`${path.virtual}: Not a regular file`);
    await ctx.reply(213, String(info.size));
  } catch (error) {
    await ctx.reply(550, failure(path.virtual, error));
  }
}

async function modifiedTime(ctx: CommandContext, arg: string): Promise<void> {
  const path = await resolveOr550(ctx, arg);
  if (!path) return;
  try {
    const info = await statInside(ctx, path);
    if (!info.isFile) throw new PathRefused(`${path.virtual}: Not a regular file`);
    await ctx.reply(213, formatFtpTime(info.mtime?.getTime() ?? 0));
  } catch (error) {
    await ctx.reply(550, failure(path.virtual, error));
  }
}

/** `MFMT YYYYMMDDHHMMSS[.sss] path` (draft-somers-ftp-mfxx): sets the mtime, in UTC. */
async function setModifiedTime(ctx: CommandContext, arg: string): Promise<void> {
  const space = arg.indexOf(" ");
  const stamp = space < 0 ? arg : arg.slice(0, space);
  const ms = parseFtpTime(stamp);
  if (space < 0 || ms === undefined) return ctx.reply(501, `${arg}: Invalid argument`);
  const path = await resolveOr550(ctx, arg.slice(space + 1));
  if (!path) return;
  try {
    const real = await ctx.chroot.existing(path);
    const info = await Deno.stat(real);
    await Deno.utime(real, info.atime ?? new Date(ctx.now()), new Date(ms));
  } catch (error) {
    return ctx.reply(550, failure(path.virtual, error));
  }
  await ctx.reply(213, `Modify=${formatFtpTime(ms)}; ${path.virtual}`);
}

async function machineListOne(ctx: CommandContext, arg: string): Promise<void> {
  const path = await resolveOr550(ctx, arg === "" ? "." : arg);
  if (!path) return;
  let entry: ListedEntry;
  try {
    entry = listedEntry(path.virtual, await statInside(ctx, path));
  } catch (error) {
    return ctx.reply(550, failure(path.virtual, error));
  }
  const line = formatMlsxLine(entry, ctx.mlstFacts);
  await ctx.replyMulti(250, `Listing ${path.virtual}`, [line], "End");
}

/** The commands of this module, by verb. */
export const FILE_COMMANDS: Record<string, CommandHandler> = {
  PWD: (ctx) => ctx.reply(257, `${quote257(ctx.cwd)} is the current directory`),
  XPWD: (ctx) => ctx.reply(257, `${quote257(ctx.cwd)} is the current directory`),
  CWD: changeDir,
  XCWD: changeDir,
  CDUP: (ctx) => changeDir(ctx, ".."),
  XCUP: (ctx) => changeDir(ctx, ".."),
  MKD: makeDir,
  XMKD: makeDir,
  RMD: removeDir,
  XRMD: removeDir,
  DELE: deleteFile,
  RNFR: renameFrom,
  RNTO: renameTo,
  SIZE: fileSize,
  MDTM: modifiedTime,
  MFMT: setModifiedTime,
  MLST: machineListOne,
};
