/**
 * Passive data connections of the embedded FTP server: PASV/EPSV open a listener on 127.0.0.1
 * (a random port) that accepts exactly one connection for the next transfer command.
 * @module
 */

/** How long a transfer command waits for the client to open the data connection, in ms. */
const ACCEPT_TIMEOUT_MS = 10_000;

/** Bytes moved per read/write: large enough for fast loopback, small enough to stay streaming. */
const CHUNK_BYTES = 256 * 1024;

/** One passive listener, waiting for (or holding) the data connection of the next transfer. */
export class PassiveChannel {
  #listener: Deno.TcpListener;
  #accepted: Promise<Deno.TcpConn>;
  #conn: Deno.TcpConn | undefined;
  #closed = false;
  #acceptTimeoutMs: number;

  /** Starts listening on `hostname`, port 0 (the system picks one). */
  constructor(hostname: string, options: { acceptTimeoutMs?: number } = {}) {
    this.#acceptTimeoutMs = options.acceptTimeoutMs ?? ACCEPT_TIMEOUT_MS;
    this.#listener = Deno.listen({ hostname, port: 0, transport: "tcp" });
    this.#accepted = this.#listener.accept().then((conn) => {
      conn.setNoDelay(true);
      this.#conn = conn;
      this.#closeListener();
      if (this.#closed) conn.close();
      return conn;
    });
    // A client that never connects must not leave an unhandled rejection behind.
    this.#accepted.catch(() => {});
  }

  /** The port to announce in the 227/229 reply. */
  get port(): number {
    return this.#listener.addr.port;
  }

  /** The data connection, once the client opened it; rejects after a timeout or close(). */
  async connection(): Promise<Deno.TcpConn> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error("Timed out waiting for the data connection")),
        this.#acceptTimeoutMs,
      );
    });
    try {
      return await Promise.race([this.#accepted, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #closeListener(): void {
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
  }

  /** Closes the listener and the data connection (idempotent); resolves once accept() ended. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closeListener();
    try {
      this.#conn?.close();
    } catch {
      // already closed
    }
    await this.#accepted.then(() => {}, () => {});
  }
}

/** Anything with Deno's `read` (files, connections). */
export interface ByteReader {
  /** Reads into `p`; the number of bytes read, or null at EOF. */
  read(p: Uint8Array): Promise<number | null>;
}

/** Anything with Deno's `write` (files, connections). */
export interface ByteWriter {
  /** Writes part or all of `p`; the number of bytes written. */
  write(p: Uint8Array): Promise<number>;
}

/** Writes all of `bytes` to `conn` (a write may take only part of them). */
export async function writeAll(sink: ByteWriter, bytes: Uint8Array): Promise<void> {
  let rest = bytes;
  while (rest.length > 0) rest = rest.subarray(await sink.write(rest));
}

/**
 * Copies `source` into `sink` chunk by chunk (no whole-file buffering) until EOF or until
 * `aborted()` turns true; returns the number of bytes copied.
 */
export async function copyStream(
  source: ByteReader,
  sink: ByteWriter,
  aborted: () => boolean,
): Promise<number> {
  const buffer = new Uint8Array(CHUNK_BYTES);
  let total = 0;
  while (!aborted()) {
    const n = await source.read(buffer);
    if (n === null) break;
    await writeAll(sink, buffer.subarray(0, n));
    total += n;
  }
  return total;
}
