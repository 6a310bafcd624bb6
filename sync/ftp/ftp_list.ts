/**
 * Listing one directory: MLSD where the server offers it, else LIST, and telling an empty
 * directory from a missing one on every server.
 *
 * LIST: `LIST -a <dir>` shows dotfiles on servers that hide them otherwise (vsftpd), and its `.`
 * line proves the directory exists (vsftpd answers 226 with an empty listing for a missing one).
 * A directory whose path a server could misread as `ls` arguments or a pattern (spaces, `*?[`,
 * a leading `-`) is entered with CWD first and listed without an argument; on plain FTP the CWD
 * goes out with the data connection's EPSV (no round trip of its own).
 * Servers that take no options after LIST (pyftpdlib, several embedded and Windows servers) read
 * `-a <dir>` as a path and refuse it, or list nothing: the first time that happens on a server,
 * `LIST <dir>` is tried at once; when it lists the directory, the profile remembers that the
 * server takes no options and every later listing is `LIST <dir>` (one command, as before). An
 * empty listing without `.` costs a CWD to tell an empty directory from a missing one.
 * @module
 */
import { FtpError, replyOf, toFtpError } from "./errors.ts";
import type { FtpSession } from "./ftp_session.ts";
import { parseListing } from "./parse_list.ts";
import type { ListOptions, RemoteEntry } from "./remote_fs.ts";

/** `LIST -a` of an existing directory shows its `.` entry (Unix-style listings). */
const DOT_LINE = /^d\S*\s.*\s\.\r?$/m;

/** Whether a listing shows anything but blank and `total N` lines. */
function hasEntries(text: string): boolean {
  return text.split("\n").some((line) => line.trim() !== "" && !/^total\s+\d+/i.test(line));
}

/** List one directory (a path of the contract); rejects when it does not exist. */
export async function listDirectory(
  session: FtpSession,
  path: string,
  options: ListOptions,
): Promise<RemoteEntry[]> {
  const dir = session.path(path);
  const mlsd = session.profile.capabilities().mlsd;
  let text: string;
  try {
    text = mlsd ? await listRaw(session, `MLSD ${dir}`) : await listUnix(session, dir);
  } catch (error) {
    throw missingDirectory(session, path, error);
  }
  const offsets = session.offsets();
  return parseListing(text, mlsd ? "mlsd" : "list", {
    nowMs: session.now(),
    offsetMinutes: mlsd ? offsets.mlsd : offsets.list,
    ...(options.onRefused ? { onRefused: options.onRefused } : {}),
  });
}

function listRaw(session: FtpSession, command: string, cwd?: string): Promise<string> {
  const options = cwd === undefined ? {} : { cwd };
  return session.run(command, () => session.client.listRaw(command, options));
}

/**
 * Whether a directory must be entered before LIST rather than named after it: LIST's argument is
 * read by servers as an `ls` argument (inetutils' ftpd splits it at spaces) or a pattern
 * (vsftpd filters with `*`, `?` and `[`); a component starting with `-` reads as an option.
 */
export function enterBeforeList(dir: string): boolean {
  return /[\s*?[\]{}~\\]/.test(dir) || /(^|\/)-/.test(dir);
}

/** The LIST text of an existing directory `dir` (a server path); rejects when it is missing. */
async function listUnix(session: FtpSession, dir: string): Promise<string> {
  const profile = session.profile;
  const takesOptions = profile.quirk("listOptions");
  // Entered first: a CWD that succeeds proves the directory exists.
  const cwd = enterBeforeList(dir) ? dir : undefined;
  const list = (options: string) =>
    listRaw(session, `LIST${options}${cwd === undefined ? ` ${dir}` : ""}`, cwd);
  /** The directory exists (a refused CWD rejects). */
  const exists = async () => {
    if (cwd === undefined) await session.send(`CWD ${dir}`);
  };
  if (takesOptions === false) {
    const text = await list("");
    if (!hasEntries(text)) await exists();
    return text;
  }
  let text: string;
  try {
    text = await list(" -a");
  } catch (error) {
    const refused = error instanceof FtpError && error.answered &&
      error.meaning !== "tooManyConnections";
    if (takesOptions !== undefined || !refused) throw error;
    // Maybe `-a` was read as a path: without the option (a failure here is the real one).
    const plain = await list("");
    profile.learn("listOptions", false, `"LIST -a" answered "${replyOf(error)}"`);
    if (!hasEntries(plain)) await exists();
    return plain;
  }
  if (DOT_LINE.test(text)) {
    if (takesOptions === undefined) profile.learn("listOptions", true);
    return text;
  }
  // No ".": a missing directory (vsftpd answers 226 with nothing), a file (listed as itself), a
  // server that shows no "." or one that read "-a <dir>" as a missing path. CWD tells.
  await exists();
  if (takesOptions === undefined) {
    if (hasEntries(text)) {
      profile.learn("listOptions", true);
    } else {
      const plain = await list("");
      if (hasEntries(plain)) {
        profile.learn(
          "listOptions",
          false,
          `"LIST -a" listed nothing in a directory that has entries`,
        );
        return plain;
      }
    }
  }
  return text;
}

/**
 * A listing's failure, with where the directory was looked for when the server says it does not
 * exist (which path, from which login directory, and how to write an absolute one).
 */
function missingDirectory(session: FtpSession, path: string, error: unknown): FtpError {
  const e = error instanceof FtpError ? error : toFtpError(error, `LIST ${path}`);
  if (e.meaning !== "notFound") return e;
  const reply = e.message.replace(/^FTP command "[^"]*" failed: /, "");
  return new FtpError(
    `Cannot list the remote directory "${path}": the server has no directory ` +
      `${session.whereLooked(path)}: ${reply}`,
    {
      ...(e.code !== undefined ? { code: e.code } : {}),
      ...(e.command !== undefined ? { command: e.command } : {}),
      transient: e.transient,
      meaning: "notFound",
      cause: e,
    },
  );
}
