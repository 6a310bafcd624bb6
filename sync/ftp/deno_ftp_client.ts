/**
 * basic-ftp's `Client` with the changes FTPS needs under Deno, and raw listings.
 *
 * ## FTPS under Deno: what breaks and why (measured: basic-ftp 6.2.6, Deno 2.9.6, 2026-11-25)
 * vsftpd and proftpd (their defaults) refuse a TLS data connection that does not resume a TLS
 * session of the control connection (vsftpd `522 SSL connection failed: session reuse required`,
 * then it drops the control connection; proftpd `425 Unable to build data connection`, tls.log
 * "client did not reuse TLS session"). basic-ftp passes `session: <control's session>` to every
 * data connection's `tls.connect`; Node honours it, Deno does not:
 *
 * Root cause: Deno's node:tls resumes sessions only from its own client-side cache, keyed by
 * the TLS server name (`servername`, else `host`); the `session` option is not used to pick the
 * session (`getSession()` returns a value, but passing it back changes nothing). Everything
 * below follows from that:
 * 1. Several connections to one server in one process (a pool!): they share the cache entry, so
 *    a data connection resumes whichever connection's session was stored last and is refused.
 *    Two explicit-TLS connections to proftpd: the second one's data connections all failed.
 *    Fix: a server name unique per FTP connection (`tls_options.ts`); 3 connections: 12/12 OK.
 * 2. Implicit TLS with basic-ftp's `tls.connect(port, host, options)` (the TLS socket dials
 *    itself): its session never becomes resumable for data connections built with
 *    `tls.connect({ socket })`, even with a unique server name: every data connection refused.
 *    Fix: `connectImplicitTLS` below connects a TCP socket first and upgrades it (the path that
 *    AUTH TLS and the data connections take), 20/20 OK.
 * 3. TLS 1.3: tickets are single-use in Deno's client cache. The control connection leaves 2
 *    tickets (OpenSSL's default); each data connection takes one; a download or a listing gets a
 *    new one back, an upload does not (its new ticket never reaches the cache). After 2 uploads
 *    the cache is empty, the next data connection does a full handshake and is refused (and that
 *    handshake refills the cache with 2 tickets). proftpd, 10 uploads: U U fail U U fail...;
 *    lists and downloads only: never fails. TLS 1.2 resumption reuses one session as often as
 *    needed. Fix: `maxVersion: "TLSv1.2"` (tls_options.ts). Reading the upload socket to the
 *    end did not help.
 * 4. A `ca` option (or any own `secureContext`) apparently gives the connection a cache of its
 *    own: data connections never find the control connection's session, every one is refused.
 *    Fix: never pass `ca`; pin with the SHA-256 fingerprint after the handshake instead.
 * More Deno quirks, worked around in `ftp_remote_fs.ts`: writing a zero-length chunk to a TLS
 * socket fails with EPERM (and the connection is closed); a TLS socket paused by backpressure
 * misses the end of the stream (all bytes arrive, then the transfer times out); node:stream's
 * `pipeline()` never settles when its source is destroyed without an error.
 *
 * basic-ftp 6.2.6 vs 5.3.1: 6.2.6 passes `host` to implicit-TLS sessions and stores the tickets
 * of data connections (`tlsSessionStore`), which fixes Node >= 24.17, not Deno: under Deno both
 * versions fail the same way (6.2.6 native: implicit 0/20, proftpd explicit TLS 1.3 10/20), so
 * 6.2.6 stays. Re-check all this when upgrading basic-ftp or Deno; `_handleConnectResponse` is
 * private API.
 * @module
 */
import { Client, FTPError, type FTPResponse } from "basic-ftp";
import { Buffer } from "node:buffer";
import net from "node:net";
import tls from "node:tls";
import { DenoTcpSocket } from "./deno_tcp_socket.ts";
import {
  EpsvUnavailable,
  nativeTransfer,
  type NativeTransferData,
  type NativeTransferOptions,
} from "./native_transfer.ts";
import { sendTogether } from "./send_together.ts";

/**
 * Deadlines, as multiples of the inactivity timeout so that one setting (`timeoutMs`) scales
 * them: a control reply (greeting or any command's reply) must be COMPLETE within 4 x timeoutMs
 * (120 s at the default 30 s), else the connection is closed with a transient error (the pool
 * replaces it). 0 disables them with the timeout.
 */
export const DEADLINE_FACTOR = 4;
/**
 * Minimum average throughput of a data transfer (listing, download, upload), in bytes per
 * second, counted from its 1xx reply after a grace of DEADLINE_FACTOR x timeoutMs: 4 KiB/s. A
 * link slower than that on average is treated as a server dripping bytes forever.
 */
export const MIN_BYTES_PER_S = 4096;
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

/** Raw TLS socket bytes allowed beyond a limit: records add up to ~40 bytes per 16 KiB. */
function tlsSlack(maxBytes: number): number {
  return Math.ceil(maxBytes / 256) + 4096;
}

/** basic-ftp `Client` with the implicit-TLS workaround and raw (unparsed) listings. */
export class DenoFtpClient extends Client {
  #lastListing = "";
  /** The control connection is a `DenoTcpSocket` (plain FTP). */
  readonly #nativeControl: boolean;
  /** Plain-FTP transfers use native data connections until EPSV is refused. */
  #nativeData = true;

  /** Payload bytes counted on the current task's data connection (native transfers, our sinks). */
  #counted = 0;
  /** Bytes basic-ftp's progress tracker saw on the current task's data socket (TLS: raw bytes). */
  #socketBytes = 0;
  /** The byte limit of the current transfer, if any (`withByteLimit`). */
  #limit: ByteLimit | undefined;

  /**
   * `timeoutMs`: control and data socket inactivity timeout (0 = none, and no deadlines).
   * `nativeControl`: the control connection on Deno's native TCP (`deno_tcp_socket.ts`): only
   * for plain FTP (an AUTH TLS upgrade needs a node socket).
   */
  constructor(timeoutMs: number, options: { nativeControl?: boolean } = {}) {
    super(timeoutMs);
    this.#nativeControl = options.nativeControl === true;
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
        if (graceMs <= 0) return handle(command, responseHandler);
        const deadline = this.#deadline(command, graceMs);
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
   * Implicit TLS by upgrading an already-connected TCP socket (see the module comment, item 1).
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
   * undefined, having moved no data, when it is not available (TLS, or the server refused EPSV):
   * the caller then uses basic-ftp's transfer.
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
    try {
      return await nativeTransfer(this.ftp, {
        ...options,
        command,
        data: counted,
        timeoutMs: this.ftp.timeout,
      });
    } catch (error) {
      if (!(error instanceof EpsvUnavailable)) throw error;
      this.#nativeData = false;
      return undefined;
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
    const replies = await sendTogether(this.ftp, commands);
    const refused = replies.find((reply) => reply instanceof FTPError);
    if (refused !== undefined) throw refused;
    return replies as FTPResponse[];
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
   * The deadline of one task (a command, or the greeting when `command` is undefined): its
   * reply must be complete within `graceMs`; once a 1xx reply started a transfer, the data
   * must keep an average of MIN_BYTES_PER_S after a new grace period of `graceMs`. basic-ftp's
   * inactivity timeout only ends silences; this ends replies and transfers that trickle.
   */
  #deadline(command: string | undefined, graceMs: number) {
    this.#counted = 0;
    this.#socketBytes = 0;
    let from = performance.now();
    let transfer = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Only the verb: the PASS line holds the password.
    const what = command === undefined
      ? "the greeting"
      : command === ""
      ? "pipelined commands"
      : `"${command.split(" ")[0]}"`;
    const check = (): void => {
      const bytes = Math.max(this.#counted, this.#socketBytes);
      const allowed = graceMs + (transfer ? bytes / MIN_BYTES_PER_S * 1000 : 0);
      const left = from + allowed - performance.now();
      // Re-armed at most every 50 ms while bytes keep the deadline moving.
      if (left > 0) {
        timer = setTimeout(check, Math.max(left, 50));
        return;
      }
      timer = undefined;
      const message = transfer
        ? `Timeout: the transfer of ${what} moved ${bytes} bytes in ${Math.round(allowed)} ms, ` +
          `below the minimum of ${MIN_BYTES_PER_S} bytes/s after a grace of ${graceMs} ms`
        : `Timeout: the reply to ${what} was not complete after ${graceMs} ms`;
      this.#failTask(Object.assign(new Error(message), { code: "ETIMEDOUT" }));
    };
    timer = setTimeout(check, graceMs);
    return {
      /** The first 1xx reply: the transfer's own deadline starts. */
      dataStarted: (): void => {
        if (transfer) return;
        transfer = true;
        from = performance.now();
      },
      stop: (): void => clearTimeout(timer),
    };
  }

  /** Run one listing command (e.g. `MLSD /a`); its raw text, at most LISTING_MAX_BYTES. */
  listRaw(command: string): Promise<string> {
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
    }, () => this.#listRaw(command));
  }

  async #listRaw(command: string): Promise<string> {
    const chunks: Uint8Array[] = [];
    const native = await this.nativeTransfer(command, {
      receive: (chunk) => chunks.push(chunk.slice()),
    });
    if (native !== undefined) return new TextDecoder().decode(Buffer.concat(chunks));
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
