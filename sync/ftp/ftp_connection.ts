/**
 * One logged-in FTP connection of the engine (opened by `ftp_login.ts`): commands, pipelined
 * batches and transfers, every failure an `FtpError` (`errors.ts` decides its meaning).
 *
 * Round trips: with a server that tolerates pipelining (`ProtocolQuirks`), a batch of commands is
 * one write (e.g. 300 MDTMs: one round trip instead of 300), and a download or a listing sends its
 * set-up commands (an MDTM), the EPSV and the transfer command in one write: the server waits for
 * the data connection with the command already in hand, which opens the moment the EPSV's reply
 * is in (over TLS, the data connection's handshake no longer waits for the command to go out).
 * Exceptions: an upload's STOR/APPE goes once the EPSV's reply is in (the server creates the file
 * when it reads the command: not for a failed EPSV, nor behind a caller that gave up the
 * connection and removed the file), with the data connection opened meanwhile as before; a
 * resumed download waits for the REST's 350 before its RETR, since a refused REST would make the
 * RETR send the file from byte 0.
 * @module
 */
import type tls from "node:tls";
import { replyError, toFtpError } from "./errors.ts";
import type { Command, FtpControl } from "./ftp_control.ts";
import { DataTransfer, openDataWire, passivePort, type TransferData } from "./ftp_data.ts";
import type { FtpReply } from "./ftp_reply.ts";
import { FtpError } from "./errors.ts";

/** A protocol fact the engine learns about a server. */
export type ProtocolQuirk =
  /** Several commands in one write are all answered, in order. */
  | "pipelining"
  /** EPSV works (else PASV). */
  | "epsv";

/**
 * What a server was found to tolerate, learned by the first connection and shared by the others:
 * `quirk` reads a fact (undefined until known), `learn` records one (`detail`: what showed it).
 * `server_profile.ts` keeps and logs them per server; {@linkcode quirkRecord} keeps them in an
 * object.
 */
export interface ProtocolQuirks {
  quirk(name: ProtocolQuirk): boolean | undefined;
  learn(name: ProtocolQuirk, value: boolean, detail?: string): void;
}

/** Quirks kept in `facts` (a connection alone, tests, the bench). */
export function quirkRecord(
  facts: Partial<Record<ProtocolQuirk, boolean>> = {},
): ProtocolQuirks & { readonly facts: Partial<Record<ProtocolQuirk, boolean>> } {
  return {
    facts,
    quirk: (name) => facts[name],
    learn: (name, value) => void (facts[name] = value),
  };
}

/**
 * Largest listing accepted (bytes): 128 MiB, about 1.5 million MLSD entries of ~90 bytes; a
 * listing is held whole in memory (then decoded and parsed), so a bigger one is refused.
 */
export const LISTING_MAX_BYTES = 128 * 1024 * 1024;

/** One transfer. */
export interface TransferSpec {
  /** The transfer command: `RETR /a`, `STOR /a`, `APPE /a`, `MLSD /d`, `LIST -a /d`. */
  command: string;
  data: TransferData;
  /**
   * Commands sent in the same write as the passive command (e.g. `MDTM /a` before a download);
   * their replies are in the result, in order (a refusal as an `FtpError`).
   */
  before?: readonly string[];
  /**
   * The transfer command is sent only if every `before` command succeeded (e.g. `CWD dir` before
   * a `LIST` without an argument); a refusal rejects with its error, and nothing is transferred.
   */
  requireBefore?: boolean;
  /** Resume a download from this byte (REST). */
  restAt?: number;
  /** Received bytes allowed; beyond, the connection is closed and the transfer fails with `tooLarge()`. */
  maxBytes?: number;
  tooLarge?: () => FtpError;
}

/** What a transfer returns. */
export interface TransferResult {
  /** The final reply (2xx). */
  reply: FtpReply;
  /** The replies to `before`. */
  before: Array<FtpReply | FtpError>;
}

/** Internal state handed from `ftp_login.ts`. */
export interface FtpConnectionInit {
  timeoutMs: number;
  quirks: ProtocolQuirks;
  /**
   * FTPS: the node:tls options of a new data connection: the control connection's, with its
   * session to resume (without `session`, Deno's node:tls does a full handshake, which vsftpd
   * and proftpd refuse).
   */
  dataTls: (() => tls.ConnectionOptions) | undefined;
  /** FEAT's reply, when it was sent and answered (else undefined). */
  feat: FtpReply | undefined;
  /** The login directory (PWD). */
  home: string;
}

/** See the module comment. */
export class FtpConnection {
  readonly #control: FtpControl;
  readonly #timeoutMs: number;
  readonly #quirks: ProtocolQuirks;
  readonly #dataTls: (() => tls.ConnectionOptions) | undefined;
  /** Native reads of data connections go here: one transfer at a time per connection. */
  #readBuffer: Uint8Array | undefined;
  /** FEAT's reply, when it was sent and answered. */
  readonly feat: FtpReply | undefined;
  /** The login directory (PWD). */
  readonly home: string;

  /** Use `openConnection` (`ftp_login.ts`). */
  constructor(control: FtpControl, init: FtpConnectionInit) {
    this.#control = control;
    this.#timeoutMs = init.timeoutMs;
    this.#quirks = init.quirks;
    this.#dataTls = init.dataTls;
    this.feat = init.feat;
    this.home = init.home;
  }

  /** Whether the connection uses TLS. */
  get tls(): boolean {
    return this.#dataTls !== undefined;
  }

  /** True once the connection is closed and unusable. */
  get closed(): boolean {
    return this.#control.closed;
  }

  /** One command; its reply (< 400), else rejects with an `FtpError`. */
  async command(line: string): Promise<FtpReply> {
    const [reply] = await this.#replies(exchange(this.#control, [{ line }], true), [line]);
    if (reply instanceof FtpError) throw reply;
    return reply!;
  }

  /**
   * Several commands whose outcomes do not decide whether the next one is sent (RNFR + RNTO, a
   * batch of MDTMs): one write when the server tolerates it. Resolves with each one's reply, a
   * refusal (>= 400) as an `FtpError`, in order; rejects only when the connection fails.
   */
  commands(lines: readonly string[]): Promise<Array<FtpReply | FtpError>> {
    const sent = exchange(this.#control, lines.map((line) => ({ line })), this.#pipelining);
    return this.#replies(sent, lines);
  }

  /** One transfer (see {@linkcode TransferSpec}); rejects with an `FtpError`. */
  async transfer(spec: TransferSpec): Promise<TransferResult> {
    let before = spec.before ?? [];
    let beforeReplies: Promise<FtpReply>[] = [];
    for (;;) {
      const epsv = this.#quirks.quirk("epsv");
      const passive = epsv === false ? "PASV" : "EPSV";
      const rest = spec.restAt !== undefined && spec.restAt > 0 ? spec.restAt : undefined;
      // The command goes with the passive command only once the server's passive command is
      // known (EPSV worked, or PASV after a refused EPSV): else a refused EPSV would make the
      // server answer it without a data connection ready. Never an upload's: a server creates
      // the file when it reads STOR, even when the passive command failed or the connection was
      // given up meanwhile, and such a file could appear after the caller removed it.
      const together = this.#pipelining && epsv !== undefined && rest === undefined &&
        spec.requireBefore !== true && !("send" in spec.data);
      const transfer = new DataTransfer({
        data: spec.data,
        timeoutMs: this.#timeoutMs,
        maxBytes: spec.maxBytes,
        tooLarge: spec.tooLarge,
        fail: (error) => this.#control.fail(error),
        lastControlRead: () => this.#control.lastRead,
        readBuffer: "receive" in spec.data
          ? this.#readBuffer ??= new Uint8Array(64 * 1024)
          : undefined,
      });
      const command: Command = {
        line: spec.command,
        onPreliminary: () => transfer.started(),
        watch: transfer.watch,
      };
      const lines: Command[] = [
        ...before.map((line) => ({ line })),
        { line: passive },
        ...(rest !== undefined ? [{ line: `REST ${rest}` }] : []),
        ...(together ? [command] : []),
      ];
      const sent = exchange(this.#control, lines, this.#pipelining);
      // The passive command's reply; `before` goes out once, with the first passive command.
      const at = before.length;
      beforeReplies = [...beforeReplies, ...sent.slice(0, at)];
      before = [];
      try {
        const passiveReply = await sent[at]!;
        const port = passiveReply.code < 300 ? passivePort(passiveReply) : undefined;
        if (port === undefined) {
          if (together) await sent[at + 1]; // refused too; read before anything else is sent
          const refused = passiveReply.code >= 500 || passiveReply.code < 300;
          if (passive === "EPSV" && epsv === undefined && refused) {
            this.#quirks.learn("epsv", false, passiveReply.message);
            continue;
          }
          throw passiveReply.code >= 400
            ? replyError(passiveReply, passive)
            : Object.assign(new Error(`Cannot read the port in "${passiveReply.message}"`), {
              code: "EPROTO",
            });
        }
        if (passive === "EPSV" && epsv === undefined) this.#quirks.learn("epsv", true);
        const host = this.#control.remoteAddress;
        const tlsOptions = this.#dataTls?.();
        transfer.connect((sink, buffer) => openDataWire(host, port, tlsOptions, sink, buffer));
        if (spec.requireBefore === true) {
          const refused = (await this.#replies(beforeReplies, spec.before ?? []))
            .find((r) => r instanceof FtpError);
          if (refused !== undefined) throw refused;
        }
        if (rest !== undefined) {
          const restReply = await sent[at + 1]!;
          if (restReply.code !== 350) throw replyError(restReply, `REST ${rest}`);
        }
        const final = together ? sent[at + 1]! : this.#control.send([command])[0]!;
        final.then(
          (reply) => transfer.final(reply, () => replyError(reply, spec.command)),
          (error) => transfer.failed(error),
        );
        const reply = await transfer.done;
        return { reply, before: await this.#replies(beforeReplies, spec.before ?? []) };
      } catch (error) {
        transfer.failed(error as Error);
        throw toFtpError(error, spec.command);
      }
    }
  }

  /**
   * A listing's raw text (`MLSD /d`, `LIST -a /d`), at most LISTING_MAX_BYTES; `options` as for
   * a transfer (e.g. `CWD dir` before a `LIST`).
   */
  async list(
    command: string,
    options: Pick<TransferSpec, "before" | "requireBefore"> = {},
  ): Promise<string> {
    const chunks: Uint8Array[] = [];
    let length = 0;
    await this.transfer({
      ...options,
      command,
      data: {
        receive: (chunk) => {
          chunks.push(chunk.slice());
          length += chunk.length;
        },
      },
      maxBytes: LISTING_MAX_BYTES,
      tooLarge: () =>
        new FtpError(
          `The listing (${command.split(" ")[0]}) is larger than ${LISTING_MAX_BYTES} bytes: ` +
            `refused (a server that never ends it?)`,
          { code: "ETIMEDOUT", command, transient: true },
        ),
    });
    const all = new Uint8Array(length);
    let at = 0;
    for (const chunk of chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return new TextDecoder().decode(all);
  }

  /** QUIT (waiting at most 2 s for its reply), then close. Never rejects. */
  async close(): Promise<void> {
    if (!this.#control.closed) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#control.send([{ line: "QUIT" }])[0]!.catch(() => {}),
        new Promise((resolve) => timer = setTimeout(resolve, 2000)),
      ]);
      clearTimeout(timer);
    }
    this.destroy();
  }

  /** Closes at once (an abort): whatever is pending rejects. */
  destroy(): void {
    this.#control.fail(
      Object.assign(new Error("The connection was closed by the client"), { code: "ECONNABORTED" }),
    );
  }

  get #pipelining(): boolean {
    return this.#quirks.quirk("pipelining") === true;
  }

  /** Each reply, a refusal as an `FtpError`; rejects with an `FtpError` on a failure. */
  async #replies(
    sent: Promise<FtpReply>[],
    lines: readonly string[],
  ): Promise<Array<FtpReply | FtpError>> {
    const out: Array<FtpReply | FtpError> = [];
    for (const [i, reply] of sent.entries()) {
      try {
        const r = await reply;
        out.push(r.code >= 400 ? replyError(r, lines[i]!) : r);
      } catch (error) {
        throw toFtpError(error, lines[i]!);
      }
    }
    return out;
  }
}

/**
 * Sends `commands`: in one write when `pipelining`, else each once the previous one's reply is
 * in. The replies (any code), in order.
 */
export function exchange(
  control: FtpControl,
  commands: readonly Command[],
  pipelining: boolean,
): Promise<FtpReply>[] {
  if (pipelining || commands.length <= 1) return control.send(commands);
  const out: Promise<FtpReply>[] = [];
  let previous: Promise<unknown> = Promise.resolve();
  for (const command of commands) {
    const reply = previous.then(() => control.send([command])[0]!);
    reply.catch(() => {});
    out.push(reply);
    previous = reply;
  }
  return out;
}
