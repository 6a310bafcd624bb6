/**
 * The control connection of the FTP engine: commands out, replies in, in order, and the deadlines
 * that end every hang.
 *
 * Commands may be pipelined: several written at once, their replies matched in order (servers
 * read one line at a time and answer each in turn, RFC 959 §4.2). Whether a server tolerates it
 * is the business of `ftp_connection.ts` and `ftp_login.ts`; this only queues.
 *
 * Deadlines (`timeoutMs`, 0 = none): the command at the head of the queue fails the connection
 * when nothing arrives for `timeoutMs`, or when its reply is not complete DEADLINE_FACTOR x
 * `timeoutMs` after it became the head (a reply dripped byte by byte). A transfer's command, once
 * its 1xx arrived, is watched by its own rule instead (`Command.watch`, `ftp_data.ts`). One timer
 * per connection, re-armed only when it fires: no timer work per command.
 * @module
 */
import { type FtpReply, ReplyParser } from "./ftp_reply.ts";
import type { Wire } from "./ftp_wire.ts";

/**
 * Total deadlines, as multiples of the inactivity timeout so that one setting (`timeoutMs`) scales
 * them: a reply (greeting or any command's) must be complete within 4 x timeoutMs (120 s at the
 * default 30 s); a transfer must average MIN_BYTES_PER_S after a grace of 4 x timeoutMs.
 */
export const DEADLINE_FACTOR = 4;

/**
 * How the head of the queue is watched while a transfer runs: an error to fail the connection
 * with, the time (`performance.now()` ms) of the next check, or undefined for the rule of a
 * plain command.
 */
export type Watch = (now: number) => Error | number | undefined;

/** One command to send. */
export interface Command {
  /** The line, without CRLF. */
  line: string;
  /** How errors name it (default: `line`); the PASS line holds the password: label it "PASS". */
  label?: string;
  /** Called with each 1xx reply (a transfer starts). */
  onPreliminary?: (reply: FtpReply) => void;
  /** Replaces the deadline rule while this command is the head (see {@linkcode Watch}). */
  watch?: Watch;
}

interface Pending {
  /** How timeouts name it: `"MDTM"`, the greeting. */
  what: string;
  onPreliminary: ((reply: FtpReply) => void) | undefined;
  watch: Watch | undefined;
  /** When it became the head of the queue (ms). */
  since: number;
  resolve: (reply: FtpReply) => void;
  reject: (error: Error) => void;
}

const ENCODER = new TextEncoder();

/** A connection error with a system code (`errors.ts` classifies it). */
function failure(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** One control connection. Create it on a connected wire; the greeting is the first reply. */
export class FtpControl {
  #wire: Wire;
  readonly #timeoutMs: number;
  readonly #graceMs: number;
  readonly #queue: Pending[] = [];
  readonly #parser: ReplyParser;
  #error: Error | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = 0;
  /** The last time bytes arrived (ms). */
  lastRead: number = performance.now();
  /** The greeting (any code). */
  readonly greeting: Promise<FtpReply>;

  constructor(wire: Wire, options: { timeoutMs: number }) {
    this.#wire = wire;
    this.#timeoutMs = options.timeoutMs;
    this.#graceMs = options.timeoutMs * DEADLINE_FACTOR;
    this.#parser = new ReplyParser((reply) => this.#onReply(reply));
    this.greeting = this.#enqueue({ line: "", label: "the greeting" });
    this.#start(wire);
  }

  /** True once the connection failed or was closed. */
  get closed(): boolean {
    return this.#error !== undefined;
  }

  /** The peer's address. */
  get remoteAddress(): string {
    return this.#wire.remoteAddress;
  }

  /**
   * Sends `commands` in one write; resolves each with its final reply (any code: the caller
   * decides), in order. Rejects each (with a system-coded error) when the connection fails
   * before its reply; a line holding CR, LF or NUL rejects them all and nothing is sent.
   */
  send(commands: readonly Command[]): Promise<FtpReply>[] {
    let text = "";
    for (const command of commands) {
      if (/[\r\n\0]/.test(command.line)) {
        const label = command.label ?? command.line.split(" ")[0];
        const error = failure(
          `Invalid command "${label}": it contains a line break or NUL`,
          "EINVAL",
        );
        return commands.map(() => Promise.reject(error));
      }
      text += `${command.line}\r\n`;
    }
    const replies = commands.map((command) => this.#enqueue(command));
    if (this.#error === undefined) {
      this.#wire.write(ENCODER.encode(text)).catch((error) => this.fail(error));
    }
    return replies;
  }

  /** Closes the connection: every pending command rejects with `error`. */
  fail(error: Error): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#wire.close();
    for (const pending of this.#queue.splice(0)) pending.reject(error);
  }

  /**
   * Hands the connection to a TLS upgrade (after `AUTH TLS` was accepted, nothing pending):
   * `upgrade` gets the current wire, stopped, and returns the secured one, which carries on.
   */
  async upgrade(upgrade: (wire: Wire) => Promise<Wire>): Promise<void> {
    const secured = await upgrade(this.#wire);
    if (this.#error !== undefined) {
      secured.close();
      throw this.#error;
    }
    this.#wire = secured;
    this.#start(secured);
  }

  #start(wire: Wire): void {
    wire.start({
      data: (chunk) => {
        if (wire !== this.#wire) return;
        this.lastRead = performance.now();
        try {
          this.#parser.push(chunk);
        } catch (error) {
          this.fail(error as Error);
        }
      },
      end: () => {
        if (wire !== this.#wire) return;
        this.fail(failure("The server closed the control connection", "ECONNRESET"));
      },
      error: (error) => {
        if (wire === this.#wire) this.fail(error);
      },
    });
  }

  #enqueue(command: Command): Promise<FtpReply> {
    const promise = new Promise<FtpReply>((resolve, reject) => {
      if (this.#error !== undefined) return reject(this.#error);
      const now = performance.now();
      const label = command.label ?? command.line;
      this.#queue.push({
        what: command.line === "" ? label : `"${label.split(" ")[0]}"`,
        onPreliminary: command.onPreliminary,
        watch: command.watch,
        since: now,
        resolve,
        reject,
      });
      if (this.#queue.length === 1) this.#arm(now + this.#timeoutMs);
    });
    // Callers that stop at an earlier failure leave later ones unawaited: never unhandled.
    promise.catch(() => {});
    return promise;
  }

  #onReply(reply: FtpReply): void {
    const head = this.#queue[0];
    if (head === undefined) {
      // Unsolicited: a server closing an idle connection says so first (`421 Timeout`).
      const text = JSON.stringify(reply.message.split("\n")[0]);
      this.fail(
        failure(`The server sent ${text} without being asked; connection closed`, "ECONNRESET"),
      );
      return;
    }
    if (reply.code < 200) {
      head.onPreliminary?.(reply);
      return;
    }
    this.#queue.shift();
    const next = this.#queue[0];
    if (next !== undefined) {
      next.since = performance.now();
      this.#arm(next.since + this.#timeoutMs);
    }
    head.resolve(reply);
  }

  /** Makes sure the timer fires at `at` or earlier. */
  #arm(at: number): void {
    if (this.#timeoutMs <= 0 || this.#error !== undefined) return;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#check(), Math.max(0, at - performance.now()));
  }

  #check(): void {
    this.#timer = undefined;
    const head = this.#queue[0];
    if (head === undefined || this.#error !== undefined) return;
    const now = performance.now();
    const watched = head.watch?.(now);
    if (watched instanceof Error) return this.fail(watched);
    if (typeof watched === "number") return this.#arm(Math.max(watched, now + 50));
    const what = head.what;
    const idleSince = Math.max(this.lastRead, head.since);
    if (now - idleSince >= this.#timeoutMs) {
      return this.fail(
        failure(
          `Timeout: no reply to ${what} for ${this.#timeoutMs} ms (control connection)`,
          "ETIMEDOUT",
        ),
      );
    }
    if (now - head.since >= this.#graceMs) {
      return this.fail(
        failure(
          `Timeout: the reply to ${what} was not complete after ${this.#graceMs} ms`,
          "ETIMEDOUT",
        ),
      );
    }
    this.#arm(Math.min(idleSince + this.#timeoutMs, head.since + this.#graceMs));
  }
}
