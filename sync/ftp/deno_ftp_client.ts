/**
 * basic-ftp's `Client` with the changes Deno needs (FTPS: see `tls_options.ts`), commands sent as
 * bytes, total deadlines (`task_deadline.ts`), byte limits, native plain-FTP data connections
 * (`native_transfer.ts`, EPSV or PASV) and raw listings.
 *
 * This is the one adapter that reaches into basic-ftp: it replaces `ftp.send`, wraps
 * `ftp.handle` and `parseList`, and calls the private `_handleConnectResponse`. The pinned
 * version is checked by `deno_ftp_client_test.ts`.
 * @module
 */
import { Client, FTPError, type FTPResponse } from "basic-ftp";
import { Buffer } from "node:buffer";
import net from "node:net";
import tls from "node:tls";
import { DenoTcpSocket } from "./deno_tcp_socket.ts";
import {
  nativeTransfer,
  type NativeTransferData,
  type NativeTransferOptions,
  PassiveRefused,
} from "./native_transfer.ts";
import { sendTogether } from "./send_together.ts";
import { DEADLINE_FACTOR, startDeadline } from "./task_deadline.ts";

/**
 * Largest listing accepted (bytes): 128 MiB, about 1.5 million MLSD entries of ~90 bytes; a
 * listing is held whole in memory (then decoded and parsed), so a bigger one is refused.
 */
export const LISTING_MAX_BYTES = 128 * 1024 * 1024;

/** A byte limit on one transfer. */
export interface ByteLimit {
  maxBytes: number;
  /** The error the connection is closed with (the transfer rejects with it). */
  error: () => Error;
}

/** Options of {@linkcode DenoFtpClient}. */
export interface DenoFtpClientOptions {
  /**
   * The control connection on Deno's native TCP (`deno_tcp_socket.ts`): only for plain FTP (an
   * AUTH TLS upgrade needs a node socket).
   */
  nativeControl?: boolean;
  /**
   * Whether the server takes EPSV, as known now (false: PASV from the start); read before each
   * native transfer, so that what another connection learned is used at once.
   */
  epsv?: () => boolean | undefined;
  /** Told once a native transfer found out whether EPSV works. */
  onEpsv?: (works: boolean, reply: string) => void;
}

/** Raw TLS socket bytes allowed beyond a limit: records add up to ~40 bytes per 16 KiB. */
function tlsSlack(maxBytes: number): number {
  return Math.ceil(maxBytes / 256) + 4096;
}

/** basic-ftp `Client` with the implicit-TLS workaround and raw (unparsed) listings. */
export class DenoFtpClient extends Client {
  #lastListing = "";
  /** The control connection is a `DenoTcpSocket` (plain FTP). */
  readonly #nativeControl: boolean;
  /** Plain-FTP transfers use native data connections until both EPSV and PASV are refused. */
  #nativeData = true;
  readonly #epsv: () => boolean | undefined;
  readonly #onEpsv: ((works: boolean, reply: string) => void) | undefined;

  /** Payload bytes counted on the current task's data connection (native transfers, our sinks). */
  #counted = 0;
  /** Bytes basic-ftp's progress tracker saw on the current task's data socket (TLS: raw bytes). */
  #socketBytes = 0;
  /** The byte limit of the current transfer, if any (`withByteLimit`). */
  #limit: ByteLimit | undefined;

  /** `timeoutMs`: control and data socket inactivity timeout (0 = none, and no deadlines). */
  constructor(timeoutMs: number, options: DenoFtpClientOptions = {}) {
    super(timeoutMs);
    this.#nativeControl = options.nativeControl === true;
    this.#epsv = options.epsv ?? (() => undefined);
    this.#onEpsv = options.onEpsv;
    const graceMs = timeoutMs * DEADLINE_FACTOR;
    this.trackProgress((info) => {
      // Under Deno a missing counter would read NaN: count nothing rather than poison the sums.
      this.#socketBytes = Number.isFinite(info.bytes) ? info.bytes : 0;
      const limit = this.#limit;
      // A plain socket counts payload bytes exactly; a TLS one counts records too.
      const slack = this.tlsSocket === undefined ? 0 : tlsSlack(limit?.maxBytes ?? 0);
      if (limit !== undefined && this.#socketBytes > limit.maxBytes + slack) {
        this.#failTask(limit.error());
      }
    });
    // Keep the raw text: sync/ftp/parse_list.ts parses it (with precision and refused names).
    this.parseList = (rawList: string) => {
      this.#lastListing = rawList;
      return [];
    };
    // basic-ftp records `new Error().stack` for every command it sends (only to describe a
    // misuse: a task started while another runs). Under Deno a stack costs 20-150 us (source
    // mapping of every frame): measured 15-23% of the CPU of a small-file pass. The task's
    // executor runs synchronously inside `handle`, so a stack limit of 0 around it makes that
    // capture free; errors it creates keep their messages.
    const ftp = this.ftp;
    // Commands go out as bytes: node:net's string path under Deno cost ~30 us of CPU more per
    // command (measured with 3,000 NOOPs on vsftpd: 108-133 vs 91-94 us per command).
    ftp.send = (command: string): void => {
      if (/[\r\n\0]/.test(command)) {
        const description = command.startsWith("PASS") ? "PASS ###" : command;
        throw new Error(`Invalid command: Contains control characters. (${description})`);
      }
      ftp.socket.write(Buffer.from(`${command}\r\n`, "utf8"));
    };
    const handle = ftp.handle.bind(ftp);
    ftp.handle = (command, responseHandler) => {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        this.#counted = 0;
        this.#socketBytes = 0;
        if (graceMs <= 0) return handle(command, responseHandler);
        const deadline = startDeadline(
          command,
          graceMs,
          () => Math.max(this.#counted, this.#socketBytes),
          (error) => this.#failTask(error),
        );
        return handle(command, (res, task) => {
          if (!(res instanceof Error) && res.code >= 100 && res.code < 200) deadline.dataStarted();
          responseHandler(res, task);
        }).finally(deadline.stop);
      } finally {
        Error.stackTraceLimit = limit;
      }
    };
  }

  /**
   * Connect (plain FTP; AUTH TLS may follow). With `nativeControl`, the control connection is a
   * `DenoTcpSocket`; basic-ftp's data connections (`_newSocket`) stay node sockets.
   */
  override connect(host = "localhost", port = 21): Promise<FTPResponse> {
    if (!this.#nativeControl) return super.connect(host, port);
    this.ftp.reset();
    const socket = new DenoTcpSocket();
    // The setter attaches basic-ftp's reply parser and error handlers.
    this.ftp.socket = socket as unknown as net.Socket;
    socket.connect({ host, port });
    // deno-lint-ignore no-explicit-any -- `_handleConnectResponse` is private in basic-ftp's types.
    return (this as any)._handleConnectResponse();
  }

  /**
   * Implicit TLS by upgrading an already-connected TCP socket (see `tls_options.ts`, item 2).
   * Resolves with the server's welcome once the handshake and the 220 reply are done.
   */
  override async connectImplicitTLS(
    host = "localhost",
    port = 21,
    tlsOptions: tls.ConnectionOptions = {},
  ): Promise<{ code: number; message: string }> {
    const raw = net.connect({ host, port });
    raw.setTimeout(this.ftp.timeout);
    await new Promise<void>((resolve, reject) => {
      raw.once("connect", () => {
        raw.setTimeout(0);
        raw.removeAllListeners("error");
        raw.removeAllListeners("timeout");
        resolve();
      });
      raw.once("error", (e) => {
        e.message += " (control socket)";
        reject(e);
      });
      raw.once("timeout", () => {
        raw.destroy();
        reject(new Error(`Timeout connecting to ${host}:${port} (control socket)`));
      });
    });
    this.ftp.reset();
    const options = { ...tlsOptions, host };
    this.ftp.socket = tls.connect({ ...options, socket: raw });
    this.ftp.tlsOptions = options;
    // deno-lint-ignore no-explicit-any -- `_handleConnectResponse` is private in basic-ftp's types.
    return await (this as any)._handleConnectResponse();
  }

  /**
   * A transfer on a native data connection (`native_transfer.ts`): plain FTP only. Resolves
   * undefined, having moved no data, when it is not available (TLS, or the server refused both
   * EPSV and PASV): the caller then uses basic-ftp's transfer. A refused EPSV is followed by
   * PASV at once (learned, and told to `onEpsv`, the first time only).
   */
  async nativeTransfer(
    command: string,
    data: NativeTransferData,
    options: Pick<NativeTransferOptions, "before" | "onBefore"> = {},
  ): Promise<FTPResponse | undefined> {
    if (!this.#nativeData || this.tlsSocket !== undefined) return undefined;
    const counted: NativeTransferData = "receive" in data
      ? {
        receive: (chunk) => {
          // Checked before the chunk is handed on: bytes beyond a limit are never written.
          if (this.#count(chunk.length)) data.receive(chunk);
        },
      }
      : data.send instanceof Uint8Array
      ? data
      : {
        send: ((source) => (buffer: Uint8Array) => {
          const n = source(buffer);
          if (n !== null) this.#count(n);
          return n;
        })(data.send),
      };
    const known = this.#epsv();
    for (let passive: "EPSV" | "PASV" = known === false ? "PASV" : "EPSV";;) {
      try {
        const reply = await nativeTransfer(this.ftp, {
          ...options,
          command,
          data: counted,
          timeoutMs: this.ftp.timeout,
          passive,
        });
        if (known === undefined && passive === "EPSV") this.#onEpsv?.(true, "");
        return reply;
      } catch (error) {
        if (!(error instanceof PassiveRefused)) throw error;
        if (passive === "EPSV") {
          passive = "PASV";
          this.#onEpsv?.(false, error.message);
          continue;
        }
        this.#nativeData = false;
        return undefined;
      }
    }
  }

  /**
   * Send `commands` at once (one round trip) and resolve with their final replies, in order, once
   * every one has answered; a reply >= 400 rejects with the first such reply (after the others
   * arrived, so that none of them is taken for the reply to a later command). For commands whose
   * outcome does not decide whether the next one is sent, e.g. RNFR + RNTO: a failed RNFR makes
   * the server answer the RNTO with 503.
   */
  async sendPipelined(commands: readonly string[]): Promise<FTPResponse[]> {
    const replies = await this.sendAll(commands);
    const refused = replies.find((reply) => reply instanceof FTPError);
    if (refused !== undefined) throw refused;
    return replies as FTPResponse[];
  }

  /**
   * Send `commands` at once (one round trip) and resolve with each one's final reply, an
   * `FTPError` for a reply >= 400; rejects only when the connection fails.
   */
  sendAll(commands: readonly string[]): Promise<Array<FTPResponse | FTPError>> {
    return sendTogether(this.ftp, commands);
  }

  /**
   * Run `fn` (one transfer) with a byte limit: once more than `maxBytes` arrive, the connection
   * is closed and the transfer fails with `error()` (its `code` classifies it: "ETIMEDOUT"
   * reads as transient). Exact for bytes counted with `countReceived` or on native
   * connections; basic-ftp's own data sockets are polled every 500 ms, with a slack for TLS
   * record overhead.
   */
  async withByteLimit<T>(limit: ByteLimit, fn: () => Promise<T>): Promise<T> {
    this.#limit = limit;
    try {
      return await fn();
    } finally {
      this.#limit = undefined;
    }
  }

  /**
   * Count `n` payload bytes received by a sink of ours on the current transfer. False (and the
   * transfer is failed) when they go beyond the transfer's byte limit: drop them then.
   */
  countReceived(n: number): boolean {
    return this.#count(n);
  }

  #count(n: number): boolean {
    this.#counted += n;
    const limit = this.#limit;
    if (limit === undefined || this.#counted <= limit.maxBytes) return true;
    this.#failTask(limit.error());
    return false;
  }

  /** Close the connection with `error`: basic-ftp hands it to the running task, which rejects. */
  #failTask(error: Error): void {
    if (!this.closed) this.ftp.closeWithError(error);
  }

  /**
   * Run one listing command (e.g. `MLSD /a`); its raw text, at most LISTING_MAX_BYTES. With
   * `cwd`, the directory is entered first (`CWD`, sent together with the data connection's EPSV
   * where the transfer is native): a refused CWD rejects with its reply, nothing listed.
   */
  listRaw(command: string, options: { cwd?: string } = {}): Promise<string> {
    const verb = command.split(" ")[0];
    return this.withByteLimit({
      maxBytes: LISTING_MAX_BYTES,
      error: () =>
        Object.assign(
          new Error(
            `The listing (${verb}) is larger than ${LISTING_MAX_BYTES} bytes: refused ` +
              `(a server that never ends it?)`,
          ),
          { code: "ETIMEDOUT" },
        ),
    }, () => this.#listRaw(command, options.cwd));
  }

  async #listRaw(command: string, cwd: string | undefined): Promise<string> {
    const chunks: Uint8Array[] = [];
    const before = cwd === undefined ? {} : {
      before: `CWD ${cwd}`,
      onBefore: (reply: FTPResponse | FTPError) => {
        if (reply instanceof FTPError) throw reply;
      },
    };
    const native = await this.nativeTransfer(command, {
      receive: (chunk) => chunks.push(chunk.slice()),
    }, before);
    if (native !== undefined) return new TextDecoder().decode(Buffer.concat(chunks));
    if (cwd !== undefined) await this.send(`CWD ${cwd}`);
    this.availableListCommands = [command];
    this.#lastListing = "";
    // An empty path: the whole command is in availableListCommands.
    await this.list("");
    return this.#lastListing;
  }

  /** The control connection's TLS socket, when TLS is in use. */
  get tlsSocket(): tls.TLSSocket | undefined {
    const socket = this.ftp.socket;
    return socket instanceof tls.TLSSocket ? socket : undefined;
  }
}
