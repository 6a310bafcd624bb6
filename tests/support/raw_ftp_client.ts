/**
 * A bare FTP client for tests: sends command lines as given and returns the raw replies, so that
 * tests can check reply codes and texts that a full client (basic-ftp) hides or retries.
 * @module
 */
import { Buffer } from "node:buffer";

/** One complete reply (multi-line replies are joined). */
export interface RawReply {
  code: number;
  /** Every line of the reply, without line endings. */
  lines: string[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Reads everything from `conn` until EOF, then closes it. */
export async function readToEnd(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(65_536);
  for (;;) {
    const n = await conn.read(buffer);
    if (n === null) break;
    chunks.push(buffer.slice(0, n));
  }
  conn.close();
  return new Uint8Array(Buffer.concat(chunks));
}

/** One control connection, one reply at a time. */
export class RawFtpClient {
  #conn: Deno.TcpConn;
  #pending = "";
  #closed = false;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Connects to 127.0.0.1:`port`; `greeting` is the server's first reply. */
  static async connect(port: number): Promise<{ client: RawFtpClient; greeting: RawReply }> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const client = new RawFtpClient(conn);
    return { client, greeting: await client.reply() };
  }

  /** Sends `line` (CRLF added) without waiting for a reply. */
  async send(line: string): Promise<void> {
    await this.sendBytes(encoder.encode(`${line}\r\n`));
  }

  /** Sends raw bytes (e.g. Telnet IAC sequences); nothing is added. */
  async sendBytes(bytes: Uint8Array): Promise<void> {
    let rest = bytes;
    while (rest.length > 0) rest = rest.subarray(await this.#conn.write(rest));
  }

  /** Sends `line` and returns its reply. */
  async command(line: string): Promise<RawReply> {
    await this.send(line);
    return await this.reply();
  }

  /** Reads the next complete reply; rejects when the server closed the connection first. */
  async reply(): Promise<RawReply> {
    const first = await this.#line();
    const code = Number(first.slice(0, 3));
    const lines = [first];
    if (first[3] === "-") {
      for (;;) {
        const line = await this.#line();
        lines.push(line);
        if (line.startsWith(`${first.slice(0, 3)} `)) break;
      }
    }
    return { code, lines };
  }

  /** True when the server closed the control connection (the next read sees EOF). */
  async atEof(): Promise<boolean> {
    if (this.#pending !== "") return false;
    const n = await this.#conn.read(new Uint8Array(1)).catch(() => null);
    return n === null;
  }

  async #line(): Promise<string> {
    const buffer = new Uint8Array(4096);
    for (;;) {
      const end = this.#pending.indexOf("\r\n");
      if (end >= 0) {
        const line = this.#pending.slice(0, end);
        this.#pending = this.#pending.slice(end + 2);
        return line;
      }
      const n = await this.#conn.read(buffer);
      if (n === null) throw new Error("The server closed the control connection");
      this.#pending += decoder.decode(buffer.subarray(0, n), { stream: true });
    }
  }

  /** USER + PASS; returns the reply to PASS. */
  async login(user: string, password: string): Promise<RawReply> {
    await this.command(`USER ${user}`);
    return await this.command(`PASS ${password}`);
  }

  /** EPSV, then opens the data connection it announced. */
  async passive(): Promise<Deno.TcpConn> {
    const reply = await this.command("EPSV");
    const port = /\(\|\|\|(\d+)\|\)/.exec(reply.lines[0] ?? "")?.[1];
    if (reply.code !== 229 || port === undefined) {
      throw new Error(`EPSV failed: ${reply.lines.join(" / ")}`);
    }
    return await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
  }

  /** Closes the control connection (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}
