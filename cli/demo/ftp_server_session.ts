/**
 * One control connection of the embedded FTP server: reads command lines, gates them on login,
 * runs them one at a time and writes the replies. A reader task runs beside the command loop so
 * that ABOR can cut a running transfer short.
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import {
  type CommandContext,
  type CommandHandler,
  FILE_COMMANDS,
  reasonOf,
} from "./ftp_server_commands.ts";
import { PassiveChannel, writeAll } from "./ftp_server_data.ts";
import { MLST_FACTS, MLST_FEAT, selectMlstFacts } from "./ftp_server_listing.ts";
import type { Chroot, ResolvedPath } from "./ftp_server_paths.ts";
import { TRANSFER_COMMANDS, TRANSFER_VERBS } from "./ftp_server_transfers.ts";

/** What an {@linkcode CommandInterceptor} decides: a reply instead of the command, or a hang-up. */
export type Interception = { code: number; text: string } | "close";

/**
 * Called before each command with its verb (upper case) and argument, and the session's number
 * (from 1, in accept order). Returning undefined runs the command as usual; it may also wait
 * first (a slow server). For fault tests: a 421 on some login, a 550 on some STOR, a dropped
 * control connection.
 */
export type CommandInterceptor = (
  command: { verb: string; arg: string; session: number },
) => Interception | undefined | Promise<Interception | undefined>;

/** What a session needs from its server. */
export interface SessionOptions {
  chroot: Chroot;
  user: string;
  password: string;
  /** The clock, in ms since the epoch. @default {Date.now} */
  now?: () => number;
  /** See {@linkcode CommandInterceptor}. */
  intercept?: CommandInterceptor;
  /** This session's number, for `intercept`. @default {1} */
  number?: number;
}

/** A longer command line is a protocol error (the connection is closed), in bytes. */
const MAX_LINE_BYTES = 16 * 1024;

/** Commands answered before login (the rest get 530). */
const BEFORE_LOGIN = new Set(["USER", "PASS", "QUIT", "FEAT", "SYST", "OPTS", "NOOP", "HELP"]);

const FEATURES = [
  "EPSV",
  "MDTM",
  "MFMT",
  "MLSD",
  MLST_FEAT,
  "PASV",
  "REST STREAM",
  "SIZE",
  "TVFS",
  "UTF8",
];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** One FTP control connection. */
export class FtpSession implements CommandContext {
  readonly chroot: Chroot;
  cwd = "/";
  restAt = 0;
  renameFrom: ResolvedPath | undefined;
  mlstFacts = new Set<string>(MLST_FACTS);

  #conn: Deno.TcpConn;
  #options: SessionOptions;
  #user: string | undefined;
  #loggedIn = false;
  #passive: PassiveChannel | undefined;
  #lines: (string | null)[] = [];
  #wake: (() => void) | undefined;
  #transferring = false;
  #abortRequested = false;
  #abortedTransfer = false;
  #closed = false;
  #handlers: Record<string, CommandHandler>;

  /** Wraps an accepted control connection; call {@linkcode run} to serve it. */
  constructor(conn: Deno.TcpConn, options: SessionOptions) {
    this.#conn = conn;
    // Replies are small writes in a row (150 then 226): without this, Nagle's algorithm holds the
    // second one until the client's delayed ACK (~40 ms per transfer on Linux).
    conn.setNoDelay(true);
    this.#options = options;
    this.chroot = options.chroot;
    this.#handlers = { ...this.#sessionCommands(), ...FILE_COMMANDS, ...TRANSFER_COMMANDS };
  }

  /** The clock of the server. */
  now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** Serves the connection until QUIT, the client leaving, or {@linkcode close}. */
  async run(): Promise<void> {
    const reader = this.#readLines();
    try {
      await this.reply(220, "ftp-clone demo FTP server ready.");
      for (;;) {
        const line = await this.#nextLine();
        if (line === null || this.#closed) break;
        await this.#execute(line);
      }
    } catch {
      // The client went away mid-reply: nothing left to tell it.
    } finally {
      await this.close();
      await reader;
    }
  }

  /** Closes the connection and any data connection (idempotent). */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#conn.close();
      } catch {
        // already closed
      }
    }
    this.#push(null);
    await this.#dropPassive();
  }

  /** Reads lines into the queue; ABOR during a transfer is acted on at once. */
  async #readLines(): Promise<void> {
    const buffer = new Uint8Array(4096);
    let pending = new Uint8Array(0);
    try {
      for (;;) {
        const n = await this.#conn.read(buffer);
        if (n === null) break;
        const joined = new Uint8Array(pending.length + n);
        joined.set(pending);
        joined.set(buffer.subarray(0, n), pending.length);
        let start = 0;
        for (let i = 0; i < joined.length; i++) {
          if (joined[i] !== 0x0a) continue;
          this.#received(joined.subarray(start, i));
          start = i + 1;
        }
        pending = joined.slice(start);
        if (pending.length > MAX_LINE_BYTES) {
          await this.reply(500, "Command line too long.");
          break;
        }
      }
    } catch {
      // reset by the peer, or closed by close()
    }
    this.#push(null);
  }

  /** One raw line: Telnet IAC sequences (sent before an urgent ABOR) and the CR are dropped. */
  #received(raw: Uint8Array): void {
    const bytes: number[] = [];
    for (let i = 0; i < raw.length; i++) {
      if (raw[i] === 0xff) i++; // IAC + one command byte (IP, DM); UTF-8 never has 0xff
      else bytes.push(raw[i]!);
    }
    if (bytes[bytes.length - 1] === 0x0d) bytes.pop();
    const line = decoder.decode(new Uint8Array(bytes));
    if (this.#transferring && /^abor$/i.test(line.trim())) {
      this.#abortRequested = true;
      this.#abortedTransfer = true;
      void this.#dropPassive();
    }
    this.#push(line);
  }

  #push(line: string | null): void {
    this.#lines.push(line);
    this.#wake?.();
  }

  async #nextLine(): Promise<string | null> {
    while (this.#lines.length === 0) {
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
    return this.#lines.shift() ?? null;
  }

  async #execute(line: string): Promise<void> {
    const space = line.indexOf(" ");
    const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const arg = space < 0 ? "" : line.slice(space + 1);
    if (verb === "") return this.reply(500, "Empty command.");
    const interception = await this.#options.intercept?.({
      verb,
      arg,
      session: this.#options.number ?? 1,
    });
    if (interception === "close") return await this.close();
    if (interception !== undefined) {
      if (TRANSFER_VERBS.has(verb)) await this.#dropPassive();
      return await this.reply(interception.code, interception.text);
    }
    if (!this.#loggedIn && !BEFORE_LOGIN.has(verb)) {
      return this.reply(530, "Please login with USER and PASS.");
    }
    if (verb !== "RNTO") this.renameFrom = undefined;
    const handler = this.#handlers[verb];
    if (!handler) return this.reply(502, `${verb} not implemented.`);
    try {
      await handler(this, arg);
    } catch (error) {
      // An unexpected failure (a bug, a disk error): 451 with the cause, never a disk path.
      await this.reply(451, `Local error in processing: ${reasonOf(error)}`);
    } finally {
      // A transfer command consumes the passive listener, even when it failed before 150.
      if (TRANSFER_VERBS.has(verb)) await this.#dropPassive();
    }
  }

  /** Sends one reply line. */
  async reply(code: number, text: string): Promise<void> {
    await writeAll(this.#conn, encoder.encode(`${code} ${text}\r\n`));
  }

  /** Sends a multi-line reply. */
  async replyMulti(code: number, first: string, lines: string[], last: string): Promise<void> {
    const body = lines.map((line) => ` ${line}\r\n`).join("");
    await writeAll(this.#conn, encoder.encode(`${code}-${first}\r\n${body}${code} ${last}\r\n`));
  }

  async #dropPassive(): Promise<void> {
    const channel = this.#passive;
    this.#passive = undefined;
    await channel?.close();
  }

  /** See {@linkcode CommandContext.transfer}. */
  async transfer(
    opening: string,
    body: (conn: Deno.TcpConn, aborted: () => boolean) => Promise<void>,
  ): Promise<void> {
    const channel = this.#passive;
    if (!channel) return this.reply(425, "Use PASV or EPSV first.");
    let conn: Deno.TcpConn;
    try {
      conn = await channel.connection();
    } catch {
      return this.reply(425, "Failed to establish connection.");
    }
    await this.reply(150, opening);
    this.#transferring = true;
    this.#abortRequested = false;
    let failed = false;
    try {
      await body(conn, () => this.#abortRequested);
    } catch {
      failed = true;
    } finally {
      this.#transferring = false;
    }
    // Closing the data connection is the end-of-file mark for downloads: do it before 226.
    await this.#dropPassive();
    if (failed || this.#abortRequested) {
      await this.reply(426, "Connection closed; transfer aborted.");
    } else {
      await this.reply(226, "Transfer complete.");
    }
  }

  /** Opens a passive listener on the control connection's local address. */
  #openPassive(): PassiveChannel {
    void this.#dropPassive();
    const channel = new PassiveChannel(this.#conn.localAddr.hostname);
    this.#passive = channel;
    return channel;
  }

  #sessionCommands(): Record<string, CommandHandler> {
    return {
      USER: (_ctx, arg) => {
        this.#user = arg;
        this.#loggedIn = false;
        return this.reply(331, "Please specify the password.");
      },
      PASS: (_ctx, arg) => {
        if (this.#user === undefined) return this.reply(503, "Login with USER first.");
        const ok = sameSecret(this.#user, this.#options.user) &&
          sameSecret(arg, this.#options.password);
        this.#loggedIn = ok;
        return ok ? this.reply(230, "Login successful.") : this.reply(530, "Login incorrect.");
      },
      QUIT: async () => {
        await this.reply(221, "Goodbye.");
        await this.close();
      },
      SYST: () => this.reply(215, "UNIX Type: L8"),
      FEAT: () => this.replyMulti(211, "Features:", FEATURES, "End"),
      HELP: () => this.reply(214, "Help OK."),
      NOOP: () => this.reply(200, "NOOP ok."),
      OPTS: (_ctx, arg) => {
        const [name = "", ...rest] = arg.split(" ");
        const option = name.toUpperCase();
        if (option === "UTF8" || option === "UTF-8") {
          return rest.join(" ").toUpperCase() === "OFF"
            ? this.reply(504, "UTF8 cannot be turned off.")
            : this.reply(200, "Always in UTF8 mode.");
        }
        if (option === "MLST") {
          const { facts, reply } = selectMlstFacts(rest.join(" "));
          this.mlstFacts = facts;
          return this.reply(200, reply);
        }
        return this.reply(501, `Option not understood: ${name}`);
      },
      TYPE: (_ctx, arg) => {
        const type = arg.toUpperCase().replace(/\s+/g, " ");
        if (type === "I" || type === "L 8") return this.reply(200, "Switching to Binary mode.");
        if (type === "A" || type === "A N") return this.reply(200, "Switching to ASCII mode.");
        return this.reply(504, `Type not supported: ${arg}`);
      },
      STRU: (_ctx, arg) =>
        arg.toUpperCase() === "F"
          ? this.reply(200, "Structure set to F.")
          : this.reply(504, "Only STRU F is supported."),
      MODE: (_ctx, arg) =>
        arg.toUpperCase() === "S"
          ? this.reply(200, "Mode set to S.")
          : this.reply(504, "Only MODE S is supported."),
      PASV: () => {
        const channel = this.#openPassive();
        const host = this.#conn.localAddr.hostname.split(".").join(",");
        const port = channel.port;
        return this.reply(227, `Entering Passive Mode (${host},${port >> 8},${port & 255}).`);
      },
      EPSV: (_ctx, arg) => {
        if (arg.toUpperCase() === "ALL") return this.reply(200, "EPSV ALL ok.");
        if (arg !== "" && arg !== "1" && arg !== "2") {
          return this.reply(501, `Unknown network protocol: ${arg}`);
        }
        const channel = this.#openPassive();
        return this.reply(229, `Entering Extended Passive Mode (|||${channel.port}|)`);
      },
      REST: (_ctx, arg) => {
        if (!/^\d{1,15}$/.test(arg)) return this.reply(501, `Invalid restart position: ${arg}`);
        this.restAt = Number(arg);
        return this.reply(350, `Restart position accepted (${this.restAt}).`);
      },
      ABOR: async () => {
        await this.#dropPassive();
        if (this.#abortedTransfer) {
          this.#abortedTransfer = false;
          return this.reply(226, "ABOR successful.");
        }
        return this.reply(225, "No transfer to ABOR.");
      },
    };
  }
}
