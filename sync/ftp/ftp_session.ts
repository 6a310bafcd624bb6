/**
 * One logged-in connection's context, shared by the modules that implement `FtpRemoteFs`'s
 * operations (listing, transfers, times, hashes, the time probe): the client, the server's
 * profile, where paths start, the time frames, and how a failure is classified.
 *
 * ## Paths
 * A path of the `RemoteFs` contract is absolute from the FTP login directory (the original
 * tool's meaning of Remote_dir): `/www/a.txt` under the login directory `/home/bob` is
 * `/home/bob/www/a.txt` on the server. A path that starts with two slashes, `//var/www/a.txt`, is
 * absolute from the server's root (`/var/www/a.txt`): for accounts that are not chrooted.
 * @module
 */
import type { DenoFtpClient } from "./deno_ftp_client.ts";
import { FtpError, toFtpError } from "./errors.ts";
import type { ServerProfile } from "./server_profile.ts";
import type { TimeOffsets } from "./server_time.ts";

/** Everything an operation of one connection needs. */
export class FtpSession {
  readonly client: DenoFtpClient;
  readonly profile: ServerProfile;
  /** The login directory (PWD). */
  readonly home: string;
  readonly now: () => number;
  /** Whether the connection uses TLS. */
  readonly tls: boolean;
  readonly #prefix: string;
  readonly #configured: TimeOffsets | undefined;

  constructor(init: {
    client: DenoFtpClient;
    profile: ServerProfile;
    home: string;
    now: () => number;
    tls: boolean;
    /** ServerTime = utc | +HH:MM of the section: these offsets instead of the measured ones. */
    configuredOffsets?: TimeOffsets | undefined;
  }) {
    this.client = init.client;
    this.profile = init.profile;
    this.home = init.home;
    this.now = init.now;
    this.tls = init.tls;
    this.#prefix = init.home === "/" ? "" : init.home.replace(/\/+$/, "");
    this.#configured = init.configuredOffsets;
  }

  /** The offsets (minutes east of UTC) of the server's times, per source. */
  offsets(): TimeOffsets {
    return this.#configured ?? this.profile.time.record().offsetMinutes;
  }

  /** Whether the section's ServerTime overrides the measurement. */
  get configured(): boolean {
    return this.#configured !== undefined;
  }

  /** The server path of a path of the contract (see the module doc). */
  path(path: string): string {
    if (/[\r\n\0]/.test(path)) {
      throw new FtpError(
        `Cannot use remote path ${JSON.stringify(path)}: it contains a line break or NUL`,
        { command: "path check", transient: false },
      );
    }
    const full = path.startsWith("//")
      ? `/${path.replace(/^\/+/, "")}`
      : this.#prefix + (path.startsWith("/") ? path : `/${path}`);
    return full.length > 1 ? full.replace(/\/+$/, "") : full;
  }

  /**
   * Where a path of the contract was looked for, for messages: `"/home/bob/www" (Remote_dir
   * paths start at the FTP login directory "/home/bob"; write "//www" for a path from the
   * server's root)`. Just the quoted server path when both are the same.
   */
  whereLooked(path: string): string {
    const server = this.path(path);
    if (path.startsWith("//") || this.#prefix === "") return `"${server}"`;
    const absolute = `/${path.replace(/^\/+/, "")}`;
    return `"${server}" (paths start at the FTP login directory "${this.home}"; write ` +
      `"/${absolute}" for "${absolute}" from the server's root)`;
  }

  /**
   * Run one operation, classifying any failure. A 425 (the data connection could not be opened:
   * seen from proftpd as "425 EPSV: Address already in use" when its passive port was still
   * taken) is tried once more on the same connection: nothing was transferred yet.
   */
  async run<T>(command: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0;; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const error = toFtpError(err, command);
        if (error.code !== 425 || attempt > 0 || this.client.closed) throw error;
      }
    }
  }

  /** One command's reply (rejects with an FtpError, classified). */
  send(command: string): Promise<{ code: number; message: string }> {
    return this.run(command, () => this.client.send(command));
  }
}

/**
 * A command the server does not implement, known without asking (FEAT, or an earlier 500/502):
 * rejects with meaning `unsupported`.
 */
export function unsupported(what: string, command: string): FtpError {
  return new FtpError(`Cannot ${what}: the server does not implement ${command.split(" ")[0]}`, {
    command,
    transient: false,
    meaning: "unsupported",
  });
}

/** Whether a reply says the command is not implemented (500, 502; 504 is a refused parameter). */
export function notImplemented(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 500 || code === 502;
}
