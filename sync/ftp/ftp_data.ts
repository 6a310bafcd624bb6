/**
 * Data connections of the FTP engine: where a passive reply says to connect, opening the
 * connection (native TCP for plain FTP, node:tls resuming the control connection's session for
 * FTPS), and one transfer's bookkeeping: bytes in or out, its byte limit, its deadline, and when
 * it is done (the data side ended AND the final reply arrived, in either order).
 * @module
 */
import net from "node:net";
import tls from "node:tls";
import { DEADLINE_FACTOR, type Watch } from "./ftp_control.ts";
import type { FtpReply } from "./ftp_reply.ts";
import { DenoWire, NodeWire, type Wire, wireError, type WireSink } from "./ftp_wire.ts";

/**
 * Minimum average throughput of a data transfer (listing, download, upload), in bytes per
 * second, counted from its 1xx reply after a grace of DEADLINE_FACTOR x timeoutMs: 4 KiB/s. A
 * link slower than that on average is treated as a server dripping bytes forever.
 */
export const MIN_BYTES_PER_S = 4096;

/** Bytes read from an upload source per write (256 KiB: fewer calls for large files). */
const SEND_CHUNK_BYTES = 256 * 1024;

/**
 * The port of a passive reply: `229 Entering Extended Passive Mode (|||6446|)` (EPSV; IBM i uses
 * `!`), or `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` (PASV). The host is always the control
 * connection's peer: a PASV address is often a private one behind NAT, and connecting elsewhere
 * than the server would let a server point our data connection at a third party.
 */
export function passivePort(reply: FtpReply): number | undefined {
  const m = reply.code === 229
    ? /\([|!]{3}(\d{1,5})[|!]\)/.exec(reply.message)
    : reply.code === 227
    ? /(?<![-\d])\d{1,3},\d{1,3},\d{1,3},\d{1,3},(\d{1,3}),(\d{1,3})/.exec(reply.message)
    : null;
  if (m === null) return undefined;
  const port = m[2] === undefined ? Number(m[1]) : Number(m[1]) * 256 + Number(m[2]);
  return port > 0 && port <= 65_535 ? port : undefined;
}

/**
 * Opens a data connection and starts delivering to `sink`: native TCP, or with `tlsOptions` a
 * node:tls connection upgraded from a node:net one (the way that resumes the control
 * connection's session under Deno; see `tls_options.ts`), resolved once its handshake is done.
 * Without a sink (an upload) a native connection is not read at all: a write to a connection
 * the server closed fails anyway, and a pending read per upload cost an op and a buffer.
 *
 * A TLS socket is read from the moment it exists: under Deno 2.9.6, node:tls loses the end of
 * the stream now and then when its 'data' and 'end' listeners come after 'secureConnect'
 * (measured: 1 MB downloads from vsftpd, implicit TLS, 9 of 40 never ended; 0 of 40 with the
 * listeners attached at once). vsftpd then waits for our close forever.
 */
export async function openDataWire(
  host: string,
  port: number,
  tlsOptions: tls.ConnectionOptions | undefined,
  sink: WireSink | undefined,
  buffer?: Uint8Array,
): Promise<Wire> {
  const label = "data connection";
  if (tlsOptions === undefined) {
    const wire = await DenoWire.connect(host, port, label);
    if (sink !== undefined) wire.start(sink, buffer);
    return wire;
  }
  const raw = await new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host, port });
    const onError = (error: Error) => {
      socket.destroy();
      reject(wireError(error, `Cannot connect to ${host}:${port} (${label})`));
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      socket.removeListener("error", onError);
      resolve(socket);
    });
  });
  const secure = tls.connect({ ...tlsOptions, socket: raw });
  const wire = new NodeWire(secure, label);
  wire.start(sink ?? { data: () => {}, end: () => {}, error: () => {} });
  await new Promise<void>((resolve, reject) => {
    secure.once("secureConnect", resolve);
    secure.once("error", (error) => reject(wireError(error, `TLS handshake (${label})`)));
  }).catch((error) => {
    wire.close();
    throw error;
  });
  return wire;
}

/** What moves over the data connection. */
export type TransferData =
  /** Received bytes are handed here (the view is only valid during the call). */
  | { receive: (chunk: Uint8Array) => void }
  /**
   * These bytes are sent: an array, or a reader that fills `buffer` and returns how many bytes
   * it put there (null at the end; its errors fail the transfer as they are).
   */
  | { send: Uint8Array | ((buffer: Uint8Array) => number | null) };

/** Options of {@linkcode DataTransfer}. */
export interface DataTransferOptions {
  data: TransferData;
  /** Inactivity timeout (ms; 0: none, and no deadline). */
  timeoutMs: number;
  /** Received payload bytes allowed; beyond, the transfer fails with `tooLarge()`. */
  maxBytes?: number | undefined;
  tooLarge?: (() => Error) | undefined;
  /** Fails the control connection (its state is unknown after a failed transfer). */
  fail: (error: Error) => void;
  /** When the control connection last read bytes (ms). */
  lastControlRead: () => number;
  /** The buffer native reads go to (one per session: no allocation per transfer). */
  readBuffer?: Uint8Array | undefined;
}

/** One transfer; see the module comment. */
export class DataTransfer {
  readonly #options: DataTransferOptions;
  #wire: Wire | undefined;
  #connecting: Promise<Wire> | undefined;
  #closed = false;
  /** The transfer command's 1xx arrived (ms), or 0. */
  #startedAt = 0;
  #sending = false;
  #dataDone = false;
  #final: FtpReply | undefined;
  /** A data-side failure before any reply to the command: the reply decides what it means. */
  #earlyError: Error | undefined;
  #settled = false;
  #resolve!: (reply: FtpReply) => void;
  #reject!: (error: Error) => void;
  #lastActivity = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Payload bytes moved. */
  bytes = 0;
  /** Resolves with the final reply once the data side is done too. */
  readonly done: Promise<FtpReply>;

  constructor(options: DataTransferOptions) {
    this.#options = options;
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.done.catch(() => {});
  }

  /**
   * Starts opening the data connection (once the passive reply is in): `open` delivers to the
   * sink it is given from the start.
   */
  connect(open: (sink: WireSink | undefined, buffer?: Uint8Array) => Promise<Wire>): void {
    const data = this.#options.data;
    // An upload's failures surface as failed writes.
    const sink = "receive" in data ? this.#receiver(data.receive) : undefined;
    const connecting = open(sink, this.#options.readBuffer);
    this.#connecting = connecting;
    connecting.then((wire) => {
      if (this.#closed) return wire.close();
      this.#wire = wire;
      this.#maybeSend();
    }, (error) => this.#dataError(error));
  }

  /** The 1xx of the transfer command: the data moves from now on. */
  started(): void {
    if (this.#startedAt !== 0) return;
    this.#startedAt = performance.now();
    this.#lastActivity = this.#startedAt;
    if (this.#earlyError !== undefined) return this.#failAll(this.#earlyError);
    this.#maybeSend();
  }

  /** The transfer command's final reply; a refusal (>= 400) rejects with `refusal()`. */
  final(reply: FtpReply, refusal: () => Error): void {
    if (this.#settled) return;
    if (reply.code >= 400) {
      // Refused: the control connection stays usable.
      this.#settle();
      this.#reject(refusal());
      return;
    }
    if (reply.code >= 300) return this.#failAll(refusal());
    if (this.#earlyError !== undefined) return this.#failAll(this.#earlyError);
    this.#final = reply;
    // A 2xx without any 1xx: no data moved.
    if (this.#startedAt === 0) this.#dataDone = true;
    this.#finish();
    // The control connection has nothing pending any more: the data side is watched here.
    if (!this.#settled) this.#watchAlone();
  }

  /** Applies {@linkcode watch} with a timer of its own until the transfer settles. */
  #watchAlone(): void {
    const check = (): void => {
      this.#timer = undefined;
      if (this.#settled) return;
      const now = performance.now();
      const next = this.watch(now);
      if (next instanceof Error) return this.#failAll(next);
      this.#timer = setTimeout(check, Math.max((next ?? now) - now, 50));
    };
    if (this.#options.timeoutMs > 0) check();
  }

  /** The control connection failed (or a step before the command did): the transfer too. */
  failed(error: Error): void {
    if (this.#settled) return;
    this.#settle();
    this.#reject(error);
  }

  /** The deadline rule of the transfer command (see `ftp_control.ts`). */
  readonly watch: Watch = (now) => {
    if (this.#startedAt === 0) return undefined;
    const { timeoutMs } = this.#options;
    const idleSince = Math.max(this.#lastActivity, this.#options.lastControlRead());
    if (now - idleSince >= timeoutMs) {
      return Object.assign(
        new Error(`Timeout: nothing moved for ${timeoutMs} ms (data connection)`),
        { code: "ETIMEDOUT" },
      );
    }
    const graceMs = timeoutMs * DEADLINE_FACTOR;
    const allowed = graceMs + this.bytes / MIN_BYTES_PER_S * 1000;
    if (now - this.#startedAt >= allowed) {
      return Object.assign(
        new Error(
          `Timeout: the transfer moved ${this.bytes} bytes in ${Math.round(allowed)} ms, below ` +
            `the minimum of ${MIN_BYTES_PER_S} bytes/s after a grace of ${graceMs} ms`,
        ),
        { code: "ETIMEDOUT" },
      );
    }
    return Math.min(idleSince + timeoutMs, this.#startedAt + allowed);
  };

  #receiver(receive: (chunk: Uint8Array) => void) {
    const { maxBytes, tooLarge } = this.#options;
    return {
      data: (chunk: Uint8Array) => {
        if (this.#settled) return;
        this.#lastActivity = performance.now();
        this.bytes += chunk.length;
        // Checked before the chunk is handed on: bytes beyond a limit are never written.
        if (maxBytes !== undefined && this.bytes > maxBytes) {
          return this.#failAll(tooLarge?.() ?? new Error(`More than ${maxBytes} bytes arrived`));
        }
        try {
          receive(chunk);
        } catch (error) {
          this.#failAll(error as Error);
        }
      },
      end: () => {
        this.#dataDone = true;
        // Close at once: vsftpd sends its final reply only once the client closed its end.
        this.#close();
        this.#finish();
      },
      error: (error: Error) => this.#dataError(error),
    };
  }

  /** Sends once the 1xx is in and the connection is open. */
  #maybeSend(): void {
    const wire = this.#wire;
    const data = this.#options.data;
    if (wire === undefined || this.#startedAt === 0 || this.#sending || !("send" in data)) return;
    this.#sending = true;
    this.#send(wire, data.send).then(() => {
      this.#dataDone = true;
      this.#finish();
    }, (error) => {
      if (!this.#settled) this.#failAll(error);
    });
  }

  async #send(wire: Wire, source: Uint8Array | ((buffer: Uint8Array) => number | null)) {
    if (source instanceof Uint8Array) {
      if (source.length > 0) await this.#write(wire, source);
    } else {
      const buffer = new Uint8Array(SEND_CHUNK_BYTES);
      for (;;) {
        const n = source(buffer);
        if (n === null) break;
        if (n > 0) await this.#write(wire, buffer.subarray(0, n));
      }
    }
    await wire.end();
  }

  async #write(wire: Wire, bytes: Uint8Array): Promise<void> {
    if (this.#settled) throw new Error("The transfer ended");
    await wire.write(bytes);
    this.bytes += bytes.length;
    this.#lastActivity = performance.now();
  }

  #dataError(error: Error): void {
    if (this.#settled || this.#closed) return;
    if (this.#startedAt === 0 && this.#final === undefined) {
      // Before any reply to the command: a refused command ("550 No such file") may close the
      // passive listener under the connection; that must not hide the 550 (nor cost the
      // control connection).
      this.#earlyError ??= error;
      this.#close();
      return;
    }
    this.#failAll(error);
  }

  #finish(): void {
    if (this.#settled || !this.#dataDone || this.#final === undefined) return;
    const reply = this.#final;
    this.#settle();
    this.#resolve(reply);
  }

  /** Fails the transfer and the control connection with it. */
  #failAll(error: Error): void {
    if (this.#settled) return;
    this.#settle();
    this.#reject(error);
    this.#options.fail(error);
  }

  #settle(): void {
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#wire?.close();
    // A connection still being opened is closed when it arrives (see `connect`).
    this.#connecting?.catch(() => {});
  }
}
