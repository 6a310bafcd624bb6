/**
 * The part of node:net's `Socket` that basic-ftp's control connection uses, on Deno's native TCP
 * (`Deno.connect`): plain FTP only (AUTH TLS upgrades a real node socket; see
 * `deno_ftp_client.ts`).
 *
 * Why: under Deno, node:net's socket layer (stream machinery, string writes) dominated the CPU of
 * each FTP command. Measured on vsftpd, loopback, 3,000 NOOPs one after the other (2026-11-25):
 * basic-ftp over node:net 91-133 us of CPU per command, a raw `Deno.connect` loop 28-31 us. This
 * class keeps basic-ftp's reply parsing and task handling and replaces only the socket.
 *
 * Node behaviour kept: "connect", "data" (strings after `setEncoding`, decoded across chunk
 * boundaries), "end" on the server's FIN followed by "close" (false), "error" then "close" (true)
 * on a failure, "timeout" after `setTimeout(ms)` of inactivity (reads and writes both count),
 * writes in order, writes after `destroy` ignored, `remoteAddress` undefined once destroyed.
 * @module
 */
import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";

const ENCODER = new TextEncoder();

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

/** The node-style system code (`ECONNRESET`...) of a Deno network error; ECONNRESET when unknown. */
export function systemCodeOf(error: unknown): string {
  const name = error instanceof Error ? error.name : "";
  return SYSTEM_CODES[name] ?? "ECONNRESET";
}

/** A node-style error from a Deno network error: node's message (`connect ECONNREFUSED
 * 127.0.0.1:21`, `read ECONNRESET`) and `code`; Deno's error as the cause. */
function nodeError(error: unknown, syscall: string, address = ""): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  const code = systemCodeOf(e);
  const message = `${syscall} ${code}${address === "" ? "" : ` ${address}`}`;
  return Object.assign(new Error(message), { code, syscall, cause: e });
}

/** See the module comment. Create one per connection; `connect` once. */
export class DenoTcpSocket extends EventEmitter {
  #conn: Deno.TcpConn | undefined;
  #destroyed = false;
  #decoder: TextDecoder | undefined;
  #timeoutMs = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastActivity = 0;
  /** Writes run one after the other, after the connection is open. */
  #writing: Promise<void>;
  #opened: (() => void) | undefined;
  /** The peer's address once connected; undefined before and after (basic-ftp reads `closed` from it). */
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  remoteFamily: string | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;

  constructor() {
    super();
    this.#writing = new Promise((resolve) => this.#opened = resolve);
  }

  /** Opens the connection; `onConnect` runs once it is open (before any data is emitted). */
  connect(options: { host: string; port: number }, onConnect?: () => void): this {
    const { host, port } = options;
    Deno.connect({ hostname: host, port }).then((conn) => {
      if (this.#destroyed) {
        conn.close();
        return;
      }
      this.#conn = conn;
      const remote = conn.remoteAddr;
      const local = conn.localAddr;
      this.remoteAddress = remote.hostname;
      this.remotePort = remote.port;
      this.remoteFamily = remote.hostname.includes(":") ? "IPv6" : "IPv4";
      this.localAddress = local.hostname;
      this.localPort = local.port;
      conn.setKeepAlive(true);
      this.#touch();
      this.#opened?.();
      this.emit("connect");
      onConnect?.();
      void this.#readLoop(conn);
    }, (error) => this.destroy(nodeError(error, "connect", `${host}:${port}`)));
    return this;
  }

  async #readLoop(conn: Deno.TcpConn): Promise<void> {
    // Control replies are short: 16 KiB holds any ordinary reply (FEAT, a multi-line 211) at once.
    const buffer = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buffer);
        if (this.#destroyed) return;
        if (n === null) {
          this.emit("end");
          this.destroy();
          return;
        }
        this.#touch();
        const bytes = buffer.slice(0, n);
        this.emit(
          "data",
          this.#decoder === undefined ? Buffer.from(bytes) : this.#decoder.decode(bytes, {
            stream: true,
          }),
        );
      }
    } catch (error) {
      if (!this.#destroyed) this.destroy(nodeError(error, "read"));
    }
  }

  /** Queues `data` (a string is sent as UTF-8). Ignored once destroyed. */
  write(data: string | Uint8Array, ..._rest: unknown[]): boolean {
    if (this.#destroyed) return false;
    const bytes = typeof data === "string" ? ENCODER.encode(data) : data;
    this.#writing = this.#writing.then(async () => {
      const conn = this.#conn;
      if (conn === undefined || this.#destroyed) return;
      let done = 0;
      while (done < bytes.length) done += await conn.write(bytes.subarray(done));
      this.#touch();
    }).catch((error) => {
      if (!this.#destroyed) this.destroy(nodeError(error, "write"));
    });
    return true;
  }

  /** Received data is emitted as strings in this encoding (basic-ftp sets "utf8"). */
  setEncoding(encoding: string): this {
    this.#decoder = new TextDecoder(encoding === "utf8" ? "utf-8" : encoding);
    return this;
  }

  /** Emit "timeout" after `ms` without reading or writing (0: never). */
  setTimeout(ms: number): this {
    this.#timeoutMs = ms;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (ms > 0 && !this.#destroyed) {
      this.#lastActivity = performance.now();
      this.#arm(ms);
    }
    return this;
  }

  /** Keep-alive is turned on at connect (basic-ftp asks for it). */
  setKeepAlive(_enable?: boolean): this {
    return this;
  }

  /** Deno sockets have no delay (Nagle off) by default. */
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }

  /** Closes the connection. */
  end(): this {
    return this.destroy();
  }

  /** Closes the connection; with `error`, "error" is emitted first, then "close". */
  destroy(error?: Error): this {
    if (this.#destroyed) return this;
    this.#destroyed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#opened?.();
    try {
      this.#conn?.close();
    } catch {
      // already closed
    }
    this.remoteAddress = undefined;
    // As node: the events come after the current call (listeners may be changed by then).
    queueMicrotask(() => {
      if (error !== undefined && this.listenerCount("error") > 0) this.emit("error", error);
      this.emit("close", error !== undefined);
    });
    return this;
  }

  /** True once closed. */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  #touch(): void {
    this.#lastActivity = performance.now();
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#destroyed || this.#timeoutMs <= 0) return;
      const idle = performance.now() - this.#lastActivity;
      if (idle >= this.#timeoutMs) this.emit("timeout");
      else this.#arm(this.#timeoutMs - idle);
    }, delay);
  }
}
