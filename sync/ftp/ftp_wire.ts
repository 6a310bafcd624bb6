/**
 * A byte connection of the FTP engine, control or data: Deno's native TCP (plain FTP) or a
 * node:net / node:tls socket (FTPS), behind one small interface.
 *
 * Why two: under Deno, node:net's stream machinery cost three to four times the CPU of a native
 * `Deno.connect` per command and per data connection (docs/ftp-engine.md), so plain FTP runs on
 * native sockets. FTPS stays on node:tls: its data connections must resume the control
 * connection's TLS session, and only node:tls keeps a session cache shared between connections
 * under Deno (`Deno.startTls` has none, and gives no access to the peer certificate for pinning).
 *
 * Received bytes are pushed to a sink as they arrive, never paused (a paused node:tls socket can
 * miss the end of its stream under Deno). Failures carry node's system codes (`ECONNRESET`...),
 * which `errors.ts` classifies.
 * @module
 */
import type { Socket } from "node:net";

/** Where a wire delivers what it reads. */
export interface WireSink {
  /** Received bytes; the view is only valid during the call. */
  data(chunk: Uint8Array): void;
  /** The peer ended its side (FIN, or TLS close_notify then FIN). */
  end(): void;
  /** The connection failed; nothing more arrives. */
  error(error: Error): void;
}

/** One connection. */
export interface Wire {
  /** The peer's address (the data connections of a passive transfer go there too). */
  readonly remoteAddress: string;
  /**
   * Start delivering to `sink` (once); a native wire reads into `buffer` when given (its
   * views are handed to the sink).
   */
  start(sink: WireSink, buffer?: Uint8Array): void;
  /** Sends all of `bytes` (never empty: TLS sockets under Deno fail on empty writes). */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * No more writes (FIN; on TLS close_notify first); reading goes on (a wire never started is
   * closed).
   */
  end(): Promise<void>;
  /** Closes at once; nothing more is delivered. */
  close(): void;
}

const SYSTEM_CODES: Record<string, string> = {
  ConnectionRefused: "ECONNREFUSED",
  ConnectionReset: "ECONNRESET",
  ConnectionAborted: "ECONNABORTED",
  BrokenPipe: "EPIPE",
  TimedOut: "ETIMEDOUT",
  NotConnected: "ENOTCONN",
  AddrNotAvailable: "EADDRNOTAVAIL",
  NotFound: "ENOTFOUND",
};

/**
 * An error of a connection with node's system code (`ECONNRESET`...), from a Deno or node error:
 * `what` says which connection and step (`connect to 127.0.0.1:21`, `read (data connection)`).
 */
export function wireError(error: unknown, what: string): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  const own = (e as { code?: unknown }).code;
  const code = typeof own === "string" ? own : SYSTEM_CODES[e.name] ?? "ECONNRESET";
  return Object.assign(new Error(`${what}: ${e.message.replace(/\.$/, "")}`), {
    code,
    cause: e,
  });
}

/** Receive buffer of a native wire (bytes): one read holds a whole small file or reply. */
const READ_BYTES = 64 * 1024;

/** A wire on Deno's native TCP (`Deno.connect`). */
export class DenoWire implements Wire {
  readonly #conn: Deno.TcpConn;
  readonly #label: string;
  #closed = false;
  #reading = false;
  /** The write in progress, if any: writes run one after the other. */
  #writing: Promise<void> | undefined;

  /** `label` names the connection in errors ("control connection to h:21"). */
  constructor(conn: Deno.TcpConn, label: string) {
    this.#conn = conn;
    this.#label = label;
  }

  /** Opens a connection to `host`:`port`; rejects with a system-coded error. */
  static async connect(host: string, port: number, label: string): Promise<DenoWire> {
    try {
      return new DenoWire(await Deno.connect({ hostname: host, port }), label);
    } catch (error) {
      throw wireError(error, `Cannot connect to ${host}:${port} (${label})`);
    }
  }

  get remoteAddress(): string {
    return (this.#conn.remoteAddr as Deno.NetAddr).hostname;
  }

  start(sink: WireSink, buffer: Uint8Array = new Uint8Array(READ_BYTES)): void {
    this.#reading = true;
    (async () => {
      for (;;) {
        const n = await this.#conn.read(buffer);
        if (this.#closed) return;
        if (n === null) return sink.end();
        sink.data(buffer.subarray(0, n));
      }
    })().catch((error) => {
      if (!this.#closed) sink.error(wireError(error, `read (${this.#label})`));
    });
  }

  write(bytes: Uint8Array): Promise<void> {
    const previous = this.#writing;
    const writing = previous === undefined
      ? this.#writeAll(bytes)
      : previous.then(() => this.#writeAll(bytes));
    this.#writing = writing;
    return writing.finally(() => {
      if (this.#writing === writing) this.#writing = undefined;
    });
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    try {
      let done = 0;
      while (done < bytes.length) done += await this.#conn.write(bytes.subarray(done));
    } catch (error) {
      throw wireError(error, `write (${this.#label})`);
    }
  }

  async end(): Promise<void> {
    await this.#writing;
    // Not read from: nothing more is needed of it, and one close is one op (no shutdown first).
    if (!this.#reading) return this.close();
    try {
      await this.#conn.closeWrite();
    } catch (error) {
      throw wireError(error, `end (${this.#label})`);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed by the peer
    }
  }
}

/** A wire on a connected node:net or node:tls socket. */
export class NodeWire implements Wire {
  readonly socket: Socket;
  readonly #label: string;
  #closed = false;
  #ended = false;

  /** `socket` is connected (for TLS: its handshake may still run). */
  constructor(socket: Socket, label: string) {
    this.socket = socket;
    this.#label = label;
    socket.setNoDelay(true);
    // Errors before `start` are reported there; none may go unhandled meanwhile.
    socket.on("error", () => {});
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? "";
  }

  start(sink: WireSink): void {
    const socket = this.socket;
    socket.on("data", (chunk: Uint8Array) => {
      if (!this.#closed) sink.data(chunk);
    });
    socket.on("end", () => {
      this.#ended = true;
      if (!this.#closed) sink.end();
    });
    socket.on("error", (error) => {
      if (!this.#closed) sink.error(wireError(error, `${this.#label}`));
    });
    socket.on("close", () => {
      if (!this.#closed && !this.#ended) {
        sink.error(Object.assign(new Error(`${this.#label} closed`), { code: "ECONNRESET" }));
      }
    });
  }

  /** Stops delivering, without closing: the socket is handed to a TLS upgrade. */
  detach(): Socket {
    this.socket.removeAllListeners("data");
    this.socket.removeAllListeners("end");
    this.socket.removeAllListeners("close");
    return this.socket;
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(bytes, (error) => {
        if (error) reject(wireError(error, `write (${this.#label})`));
        else resolve();
      });
    });
  }

  end(): Promise<void> {
    return new Promise((resolve) => this.socket.end(resolve));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.destroy();
  }
}
