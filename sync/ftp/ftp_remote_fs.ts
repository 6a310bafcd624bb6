/**
 * `RemoteFs` over one logged-in connection of the FTP engine (`ftp_connection.ts`, opened by
 * `connect_remote_fs.ts`); each operation lives in the module of its concept (`ftp_list.ts`,
 * `ftp_transfers.ts`, `ftp_times.ts`, `ftp_hash.ts`, `server_time_probe.ts`) over the
 * connection's `FtpSession`.
 *
 * Per-file cost: every operation is one FTP command on an absolute path (no CWD/PWD per
 * operation); a listing is one data connection. Extra round trips happen only on LIST-only
 * servers for an empty listing (one CWD, to tell a missing directory from an empty one), the
 * first time a server shows a quirk (learned once per server, see `server_profile.ts`), and for
 * the time probe (once per server every few hours).
 * @module
 */
import { FtpError, replyOf, toFtpError } from "./errors.ts";
import { type FtpSession, notImplemented, unsupported } from "./ftp_session.ts";
import { listDirectory } from "./ftp_list.ts";
import { hashFile, type HashSelection } from "./ftp_hash.ts";
import { mdtmToUtc, readMtime, readMtimes, writeMtime } from "./ftp_times.ts";
import { downloadToFile, uploadFromFile } from "./ftp_transfers.ts";
import type {
  HashAlgorithm,
  ListOptions,
  RemoteCapabilities,
  RemoteEntry,
  RemoteFs,
  ServerTimeView,
  TransferOptions,
} from "./remote_fs.ts";
import { configuredOffset, type ServerTimeRecord } from "./server_time.ts";
import { probeServerTime } from "./server_time_probe.ts";
import { SetMtimeTrust } from "./set_mtime_trust.ts";

/** The view the engine gets of a record. */
function viewOf(record: ServerTimeRecord): ServerTimeView {
  const o = record.offsetMinutes;
  return {
    offsetMinutes: { list: o.list, mlsd: o.mlsd, mdtm: o.mdtm },
    skewMs: record.skewMs,
    source: record.source,
    ...(record.atMs === undefined ? {} : { measuredAtMs: record.atMs }),
  };
}

/** The parent directory of a contract path (`/a/b` -> `/a`, `//x/y` -> `//x`). */
function parentOf(path: string): string {
  return path.replace(/\/+$/, "").replace(/\/[^/]*$/, "");
}

/** One logged-in FTP connection. Create it with `connectRemoteFs`. */
export class FtpRemoteFs implements RemoteFs {
  readonly #session: FtpSession;
  /** What the server keeps after `setMtime`, where known without a read-back. */
  readonly #setTrust = new SetMtimeTrust();
  readonly #hashSelection: HashSelection;

  /** Use `connectRemoteFs`. */
  constructor(session: FtpSession) {
    this.#session = session;
    this.#hashSelection = { selected: session.profile.features?.hashSelected };
  }

  /** What the server offers: FEAT, corrected by what this server taught in use. */
  get capabilities(): RemoteCapabilities {
    return this.#session.profile.capabilities();
  }

  /** True once the connection is closed and unusable. */
  get closed(): boolean {
    return this.#session.client.closed;
  }

  /** List one directory; rejects when it does not exist (on every server). */
  list(path: string, options: ListOptions = {}): Promise<RemoteEntry[]> {
    return listDirectory(this.#session, path, options);
  }

  /** Download to a local file (created or truncated, or written from `startAt`). */
  async downloadToFile(
    path: string,
    localPath: string,
    options: TransferOptions = {},
  ): Promise<void> {
    const session = this.#session;
    const server = session.path(path);
    let mtimeMs: number | undefined;
    await this.#resumable(
      options,
      `the download of "${server}"`,
      () =>
        downloadToFile(session, server, localPath, options, (timeVal) => {
          mtimeMs = mdtmToUtc(session, timeVal);
          if (mtimeMs !== undefined) this.#setTrust.readBack(server, mtimeMs);
        }),
    );
    if (options.onMtime === undefined) return;
    mtimeMs ??= await readMtime(session, server, this.#setTrust).catch(() => undefined);
    if (mtimeMs !== undefined) options.onMtime(mtimeMs);
  }

  /** Upload a local file (APPE from `startAt` when given). */
  uploadFromFile(localPath: string, path: string, options: TransferOptions = {}): Promise<void> {
    const server = this.#session.path(path);
    return this.#resumable(
      options,
      `the upload of "${server}"`,
      () => uploadFromFile(this.#session, localPath, server, options),
    );
  }

  /**
   * A transfer that may resume (`startAt` > 0: REST, or APPE): refused at once, with meaning
   * `unsupported`, on a server that cannot resume; a server without FEAT that answers 500/502
   * teaches it (once, for the server).
   */
  async #resumable(options: TransferOptions, what: string, fn: () => Promise<void>) {
    if ((options.startAt ?? 0) === 0) return await fn();
    const profile = this.#session.profile;
    if (!this.capabilities.restStream) throw unsupported(`resume ${what}`, "REST");
    try {
      await fn();
    } catch (error) {
      if (!notImplemented(error) || profile.features?.rest === true) throw error;
      profile.learn("rest", false, replyOf(error));
      throw unsupported(`resume ${what}`, "REST");
    }
  }

  /**
   * RNFR/RNTO, sent together (one round trip: a refused RNFR makes the server refuse the RNTO).
   * A server that refuses to rename a file within its directory onto a free name, while the file
   * exists, refuses renames: learned once for the server (uploads then go straight to their final
   * name), and this and every later rename reject with meaning `unsupported`.
   */
  async rename(from: string, to: string): Promise<void> {
    const session = this.#session;
    const src = session.path(from);
    const dst = session.path(to);
    const command = `RNFR ${src} / RNTO ${dst}`;
    if (!this.capabilities.renames) {
      throw new FtpError(
        `Cannot rename "${src}" to "${dst}": the server refuses renames (learned from an ` +
          `earlier refusal)`,
        { command, transient: false, meaning: "unsupported" },
      );
    }
    try {
      await session.run(command, async () => {
        const replies = await session.sendAll([`RNFR ${src}`, `RNTO ${dst}`]);
        const refused = replies.find((reply) => reply instanceof FtpError);
        if (refused !== undefined) throw refused;
      });
    } catch (error) {
      const e = error instanceof FtpError ? error : toFtpError(error, command);
      if (!e.answered || typeof e.code !== "number" || e.code < 500) throw e;
      const refusesRenames = notImplemented(e) ||
        (parentOf(src) === parentOf(dst) && await this.#exists(src) === true &&
          await this.#exists(dst) === false);
      if (!refusesRenames) throw e;
      session.profile.learn("renames", false, replyOf(e));
      throw new FtpError(
        `Cannot rename "${src}" to "${dst}": the server refuses renames (${replyOf(e)})`,
        { code: e.code, command, transient: false, meaning: "unsupported", cause: e },
      );
    }
  }

  /**
   * Whether a server path exists (MLST, SIZE, MDTM or a LIST of it, whichever the server has);
   * undefined when that cannot be told.
   */
  async #exists(server: string): Promise<boolean | undefined> {
    const session = this.#session;
    const caps = this.capabilities;
    const verb = caps.mlsd ? "MLST" : caps.size ? "SIZE" : caps.mdtm ? "MDTM" : undefined;
    try {
      if (verb !== undefined) {
        await session.send(`${verb} ${server}`);
        return true;
      }
      const text = await session.run(`LIST ${server}`, () => session.client.list(`LIST ${server}`));
      return text.trim() === "" ? undefined : true;
    } catch (error) {
      return (error as FtpError).meaning === "notFound" ? false : undefined;
    }
  }

  /** DELE. */
  async remove(path: string): Promise<void> {
    await this.#session.send(`DELE ${this.#session.path(path)}`);
  }

  /** MKD (one level). */
  async mkdir(path: string): Promise<void> {
    await this.#session.send(`MKD ${this.#session.path(path)}`);
  }

  /** RMD (empty directory). */
  async rmdir(path: string): Promise<void> {
    await this.#session.send(`RMD ${this.#session.path(path)}`);
  }

  /** MDTM: mtime in ms (UTC, whole seconds); `unsupported` on a server without MDTM. */
  mtime(path: string): Promise<number> {
    return readMtime(this.#session, this.#session.path(path), this.#setTrust);
  }

  /** MDTMs sent together (see `RemoteFs.mtimes`). */
  mtimes(paths: readonly string[]): Promise<Array<number | FtpError>> {
    const session = this.#session;
    return readMtimes(session, paths.map((path) => session.path(path)), this.#setTrust);
  }

  /**
   * What the server keeps after the last `setMtime` on `path`: the time its reply stated (MFMT,
   * proftpd: `213 Modify=20250601120000; /a.txt`), else the value set, once this connection has
   * read back at least two set values unchanged, one of them with odd seconds (a server keeping
   * 2-second or minute steps fails that), and never after a read-back that differed.
   */
  storedMtime(path: string): number | undefined {
    return this.#setTrust.stored(this.#session.path(path));
  }

  /** SIZE in bytes; `unsupported` on a server without SIZE. */
  async size(path: string): Promise<number> {
    const session = this.#session;
    const server = session.path(path);
    if (!this.capabilities.size) throw unsupported(`read the size of "${server}"`, "SIZE");
    try {
      const reply = await session.send(`SIZE ${server}`);
      const size = Number(reply.message.slice(4).trim());
      if (!Number.isSafeInteger(size) || size < 0) {
        throw new FtpError(
          `FTP command "SIZE ${server}" failed: cannot read a size in "${reply.message}"`,
          { command: `SIZE ${server}`, transient: false },
        );
      }
      return size;
    } catch (error) {
      if (notImplemented(error) && session.profile.features?.size !== true) {
        session.profile.learn("size", false, replyOf(error));
        throw unsupported(`read the size of "${server}"`, "SIZE");
      }
      throw error;
    }
  }

  /** The server's hash of a file, lower-case hex; `unsupported` when it cannot. */
  hash(path: string, algorithm: HashAlgorithm): Promise<string> {
    return hashFile(this.#session, this.#session.path(path), algorithm, this.#hashSelection);
  }

  /**
   * The server's time: ServerTime's when configured; else measured in `dir` when never measured
   * or measured more than a few hours ago (shared by every connection to the server).
   */
  async learnServerTime(dir: string): Promise<ServerTimeView> {
    const session = this.#session;
    if (session.configured) {
      const o = session.offsets();
      return viewOf(configuredOffset(o.list));
    }
    const state = session.profile.time;
    if (!state.due()) return viewOf(state.record());
    return viewOf(await state.measure(() => probeServerTime(session, dir)));
  }

  /** MFMT, else vsftpd's 2-argument MDTM (tried once per server), else false. */
  setMtime(path: string, mtimeMs: number): Promise<boolean> {
    return writeMtime(this.#session, this.#session.path(path), mtimeMs, this.#setTrust);
  }

  /** NOOP. */
  async noop(): Promise<void> {
    await this.#session.send("NOOP");
  }

  /** QUIT (waiting at most 2 s) and close. Never rejects. */
  close(): Promise<void> {
    return this.#session.client.close();
  }
}
