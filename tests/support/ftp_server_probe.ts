/**
 * A minimal raw FTP control-connection client (node:net / node:tls) for harness tests and
 * protocol probes: connect in plain/explicit/implicit mode, send commands, read replies, and (plain
 * FTP only) run one command over a PASV data connection (`dataCommand`, for LIST/MLSD/RETR).
 * @module
 */
import net from "node:net";
import tls from "node:tls";
import type { TlsMode } from "./ftp_server_configs.ts";

/** One FTP reply: numeric code and full text (all lines). */
export interface FtpReply {
  readonly code: number;
  readonly text: string;
}

/** Raw control connection; `close()` it (or `await using`). */
export class RawFtpClient implements AsyncDisposable {
  #socket: net.Socket;
  #buffer = "";
  #waiters: Array<() => void> = [];
  #closed = false;
  #error: Error | undefined;
  /** The greeting (a 2xx reply for a working server, or e.g. 421 when refused). */
  banner: FtpReply = { code: 0, text: "" };

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#attach(socket);
  }

  #attach(socket: net.Socket): void {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.#buffer += d;
      this.#wake();
    });
    socket.on("error", (e: Error) => {
      this.#error = e;
      this.#wake();
    });
    socket.on("close", () => {
      this.#closed = true;
      this.#wake();
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Connect and read the greeting; explicit mode also does AUTH TLS and the TLS upgrade. */
  static async connect(
    port: number,
    options: { mode?: TlsMode; timeoutMs?: number } = {},
  ): Promise<RawFtpClient> {
    const mode = options.mode ?? "plain";
    const timeoutMs = options.timeoutMs ?? 5000;
    const socket = mode === "implicit"
      ? tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false })
      : net.connect({ host: "127.0.0.1", port });
    const client = new RawFtpClient(socket);
    try {
      client.banner = await client.read(timeoutMs);
      if (mode === "explicit" && client.banner.code === 220) {
        const auth = await client.send("AUTH TLS", timeoutMs);
        if (auth.code !== 234) throw new Error(`AUTH TLS refused: ${auth.text}`);
        await client.#upgrade(timeoutMs);
      }
    } catch (e) {
      await client.close();
      throw e;
    }
    return client;
  }

  async #upgrade(timeoutMs: number): Promise<void> {
    const raw = this.#socket;
    raw.removeAllListeners("data");
    raw.removeAllListeners("close");
    raw.removeAllListeners("error");
    const secure = tls.connect({ socket: raw, rejectUnauthorized: false });
    this.#socket = secure;
    this.#attach(secure);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("Timeout in the TLS handshake")), timeoutMs);
      secure.once("secureConnect", () => {
        clearTimeout(timer);
        resolve();
      });
      secure.once("error", (e: Error) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  async #until(ok: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (this.#error) throw this.#error;
      if (this.#closed) throw new Error(`Connection closed; received so far: "${this.#buffer}"`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timeout after ${timeoutMs} ms; received: "${this.#buffer}"`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Read one complete (possibly multi-line) reply. */
  async read(timeoutMs = 5000): Promise<FtpReply> {
    let end = -1;
    const complete = (): boolean => {
      const m = /^(\d{3})-/.exec(this.#buffer);
      const code = m?.[1] ?? /^(\d{3})/.exec(this.#buffer)?.[1];
      if (!code) return false;
      const re = m ? new RegExp(`(^|\\n)${code} [^\\n]*\\r?\\n`) : /^[^\n]*\n/;
      const hit = re.exec(this.#buffer);
      if (!hit) return false;
      end = hit.index + hit[0].length;
      return true;
    };
    await this.#until(complete, timeoutMs);
    const text = this.#buffer.slice(0, end).trimEnd();
    this.#buffer = this.#buffer.slice(end);
    return { code: Number(text.slice(0, 3)), text };
  }

  /** Send one command line and read its reply. */
  async send(command: string, timeoutMs = 5000): Promise<FtpReply> {
    this.#socket.write(`${command}\r\n`);
    return await this.read(timeoutMs);
  }

  /**
   * Plain FTP only: PASV, then `command` (LIST, MLSD, RETR...) with its data read to the end, or
   * (STOR, APPE) `upload` sent. Returns the final reply and the data read as text; a refused
   * command gives its reply and "".
   */
  async dataCommand(
    command: string,
    options: { upload?: string; timeoutMs?: number } = {},
  ): Promise<{ reply: FtpReply; data: string }> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const pasv = await this.send("PASV", timeoutMs);
    const m = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(pasv.text);
    if (pasv.code !== 227 || !m) throw new Error(`PASV refused: ${pasv.text}`);
    const port = Number(m[5]) * 256 + Number(m[6]);
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: `${m[1]}.${m[2]}.${m[3]}.${m[4]}`, port });
    const closed = new Promise<void>((resolve, reject) => {
      socket.on("data", (d: Buffer) => chunks.push(d));
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
    const first = await this.send(command, timeoutMs);
    if (first.code >= 400) {
      socket.destroy();
      await closed.catch(() => {});
      return { reply: first, data: "" };
    }
    if (options.upload !== undefined) socket.end(options.upload);
    await closed;
    const reply = first.code < 200 ? await this.read(timeoutMs) : first;
    return { reply, data: Buffer.concat(chunks).toString("utf8") };
  }

  /** USER + PASS; returns the final reply (230 on success). */
  async login(user: string, password: string): Promise<FtpReply> {
    const u = await this.send(`USER ${user}`);
    if (u.code !== 331) return u;
    return await this.send(`PASS ${password}`);
  }

  /** SHA-256 of the server certificate (64 lower-case hex, no colons); "" on a plain connection. */
  fingerprint(): string {
    const s = this.#socket;
    if (!(s instanceof tls.TLSSocket)) return "";
    return (s.getPeerCertificate()?.fingerprint256 ?? "").replaceAll(":", "").toLowerCase();
  }

  /** True once the server closed the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Wait until the server closes the connection (or time out). */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    await this.#until(() => this.#closed || this.#error !== undefined, timeoutMs).catch(() => {});
  }

  /** Destroy the socket and wait for its close. */
  async close(): Promise<void> {
    if (!this.#closed) {
      const closed = new Promise<void>((resolve) => this.#socket.once("close", () => resolve()));
      this.#socket.destroy();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
