/**
 * One plain-FTP data transfer on Deno's native sockets (`Deno.connect`), the control connection
 * staying basic-ftp's (its task handling, replies and errors).
 *
 * Why: per small file, basic-ftp's data connection over node:net (socket set-up, stream pipeline,
 * its AbortController, timers) cost ~1 ms of CPU under Deno, a raw `Deno.connect` client ~0.3 ms
 * (measured on vsftpd, loopback, 2026-11-25: 1.64-2.18 vs 0.69-0.92 ms per download with EPSV,
 * RETR and MDTM; MDTM alone 0.088 vs 0.03 ms). TLS data connections stay on basic-ftp: their
 * session reuse needs node:tls (see `deno_ftp_client.ts`).
 *
 * Same contract as basic-ftp's transfers: EPSV (or PASV on servers that refuse EPSV), connect to
 * the control connection's peer (PASV's address is not used: the data comes from the server we
 * logged in to, also behind NAT), send the
 * command, move the bytes after 150/125, resolve once the data connection is done and the final
 * 2xx reply is in. A reply >= 400 rejects with basic-ftp's FTPError (its code); a data connection
 * that fails or stays silent for `timeoutMs` closes the whole client (its state is unknown) and
 * rejects with a transient error, as basic-ftp does. The total deadlines (a reply, a transfer's
 * minimum throughput) and byte limits are `DenoFtpClient`'s: its `ftp.handle` wrapper times every
 * task, this one included, and its `nativeTransfer` counts the bytes moved here.
 * @module
 */
import { type FTPContext, FTPError, type FTPResponse } from "basic-ftp";
import { systemCodeOf } from "./deno_tcp_socket.ts";
import { sendTogether } from "./send_together.ts";

/** What moves over the data connection. */
export type NativeTransferData =
  /** Received bytes are handed to `onChunk` (the view is only valid during the call). */
  | { receive: (chunk: Uint8Array) => void }
  /**
   * These bytes are sent: an array, or a reader that fills `buffer` and returns the bytes it put
   * there (null at the end; its errors fail the transfer as they are).
   */
  | { send: Uint8Array | ((buffer: Uint8Array) => number | null) };

/** Options of {@linkcode nativeTransfer}. */
export interface NativeTransferOptions {
  /** The transfer command, e.g. `RETR /a.txt`, `STOR /a.txt`, `LIST -a /d`. */
  command: string;
  data: NativeTransferData;
  /** Inactivity timeout of the data connection (ms, 0 = none). */
  timeoutMs: number;
  /** How the data connection is asked for. @default {"EPSV"} */
  passive?: "EPSV" | "PASV";
  /**
   * A command sent together with EPSV (one round trip), e.g. `MDTM /a.txt` before a download; its
   * reply goes to `onBefore` (an `FTPError` when refused), unless EPSV itself cannot be used.
   * When `onBefore` throws, the transfer command is not sent and the transfer rejects with that.
   */
  before?: string;
  onBefore?: (reply: FTPResponse | FTPError) => void;
}

/** Bytes read from a source per write (256 KiB: fewer calls for large files). */
const SEND_CHUNK_BYTES = 256 * 1024;

/**
 * EPSV or PASV refused (5xx) or unreadable, before anything else was sent: the caller tries PASV,
 * or falls back to basic-ftp's transfers.
 */
export class PassiveRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PassiveRefused";
  }
}

/** The port of an EPSV (`229 ... (|||port|)`) or PASV (`227 ... (h1,h2,h3,h4,p1,p2)`) reply. */
export function passivePort(mode: "EPSV" | "PASV", message: string): number | undefined {
  let port: number;
  if (mode === "EPSV") {
    port = Number(/[|!]{3}(\d+)[|!]/.exec(message)?.[1]);
  } else {
    // Only start a match at the beginning of a number (linear time on hostile replies).
    const m = /(?<![\d])\d{1,3},\d{1,3},\d{1,3},\d{1,3},(\d{1,3}),(\d{1,3})/.exec(message);
    port = m === null ? NaN : Number(m[1]) * 256 + Number(m[2]);
  }
  return Number.isInteger(port) && port > 0 && port <= 65_535 ? port : undefined;
}

/** A data-connection failure, with the system code that `toFtpError` classifies as transient. */
function dataError(message: string, code: string): Error {
  return Object.assign(new Error(`${message} (data socket)`), { code });
}

function asDataError(error: unknown): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  return dataError(e.message, systemCodeOf(e));
}

/**
 * Runs one transfer on `ftp` (plain FTP only). Rejects with {@linkcode PassiveRefused} before
 * anything else was sent when EPSV (or PASV) is refused or unreadable.
 */
export async function nativeTransfer(
  ftp: FTPContext,
  options: NativeTransferOptions,
): Promise<FTPResponse> {
  const mode = options.passive ?? "EPSV";
  let passive: FTPResponse;
  let before: FTPResponse | FTPError | undefined;
  try {
    if (options.before === undefined) {
      passive = await ftp.request(mode);
    } else {
      const [first, reply] = await sendTogether(ftp, [options.before, mode]);
      if (reply === undefined || reply instanceof FTPError) throw reply;
      passive = reply;
      before = first;
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "number" && code >= 500) {
      throw new PassiveRefused(error instanceof Error ? error.message : String(error));
    }
    throw error;
  }
  // May throw (e.g. a refused CWD): the transfer command is then never sent.
  if (before !== undefined) options.onBefore?.(before);
  const port = passivePort(mode, passive.message);
  if (port === undefined) {
    throw new PassiveRefused(`Cannot read the port in the ${mode} reply "${passive.message}"`);
  }
  const host = ftp.socket.remoteAddress;
  if (host === undefined) {
    throw dataError(
      "The control connection is closed: no address for the data connection",
      "ENOTCONN",
    );
  }
  // The data connection is opened while the command goes out: the server listens from its EPSV
  // reply on, so connecting first would only add a round trip per file (20 ms on a 20 ms link).
  const connecting = withTimeout(
    Deno.connect({ hostname: host, port }),
    options.timeoutMs,
    () => dataError(`Timeout connecting to ${host}:${port}`, "ETIMEDOUT"),
    (late) => late.close(),
  );
  let conn: Deno.TcpConn | undefined;
  let closed = false;
  const closeConn = (): void => {
    if (closed) return;
    closed = true;
    try {
      conn?.close();
    } catch {
      // already closed
    }
  };
  const connected = connecting.then((c) => {
    conn = c;
    // The task ended first (e.g. "550 No such file"): this late connection is not needed.
    if (closed) closeConn();
    return c;
  });
  // Every failure goes through the task: a data-side one closes the client with it, and basic-ftp
  // hands that error to the task's handler below.
  const failData = (error: unknown): void => {
    closeConn();
    ftp.closeWithError(error instanceof Error ? error : new Error(String(error)));
  };
  let started = false;
  let dataDone = false;
  let final: FTPResponse | undefined;
  let resolver: { resolve: (r: FTPResponse) => void; reject: (e: Error) => void } | undefined;
  let settled = false;
  /**
   * A data-side failure seen before any reply to the command: the reply decides. A server that
   * refuses the command ("550 No such file") may close its passive listener under the connection
   * it already accepted; that reset must not hide the 550 (nor cost the control connection).
   */
  let earlyDataError: Error | undefined;
  const finish = (): void => {
    if (settled || !dataDone || final === undefined || resolver === undefined) return;
    settled = true;
    closeConn();
    resolver.resolve(final);
  };
  // One timer per transfer, re-armed only when it fires: no timer work per chunk.
  let lastActivity = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (delay: number): void => {
    timer = setTimeout(() => {
      if (settled) return;
      const idle = performance.now() - lastActivity;
      if (idle < options.timeoutMs) return arm(options.timeoutMs - idle);
      failData(dataError("Timeout", "ETIMEDOUT"));
    }, delay);
  };
  const data = options.data;
  const onDataDone = (): void => {
    dataDone = true;
    // Close at once: vsftpd sends its final reply only once the client closed its end (it
    // waited ~40 ms per file otherwise).
    closeConn();
    finish();
  };
  const onDataError = (error: unknown): void => {
    if (closed || settled) return;
    const e = asDataError(error);
    if (!started && final === undefined) {
      earlyDataError ??= e;
      closeConn();
      return;
    }
    failData(e);
  };
  connected.catch(onDataError);
  // A download may deliver its bytes before the 150 reply is read: read from the start.
  if ("receive" in data) {
    (async () => {
      const c = await connected;
      const buffer = new Uint8Array(64 * 1024);
      for (;;) {
        const n = await c.read(buffer);
        if (n === null) return;
        lastActivity = performance.now();
        data.receive(buffer.subarray(0, n));
      }
    })().then(onDataDone, onDataError);
  }
  const writeAll = async (c: Deno.TcpConn, bytes: Uint8Array): Promise<void> => {
    let done = 0;
    while (done < bytes.length) {
      done += await c.write(bytes.subarray(done));
      lastActivity = performance.now();
    }
  };
  const send = async (source: Uint8Array | ((buffer: Uint8Array) => number | null)) => {
    const c = await connected;
    if (source instanceof Uint8Array) {
      await writeAll(c, source);
    } else {
      const buffer = new Uint8Array(SEND_CHUNK_BYTES);
      for (;;) {
        let n: number | null;
        try {
          n = source(buffer);
        } catch (error) {
          if (!closed && !settled) failData(error); // a local read error, reported as is
          return;
        }
        if (n === null) break;
        await writeAll(c, buffer.subarray(0, n));
      }
    }
    closeConn(); // FIN: the server's end of file
  };
  try {
    return await ftp.handle(options.command, (res, taskResolver) => {
      resolver = taskResolver;
      if (res instanceof Error) {
        settled = true;
        closeConn();
        taskResolver.reject(res);
        return;
      }
      if (earlyDataError !== undefined && res.code < 400) {
        // The command was accepted but its data connection had already failed.
        failData(earlyDataError);
        return;
      }
      if (res.code === 150 || res.code === 125) {
        if (started) return;
        started = true;
        // The transfer may outlast the control connection's timeout: the data connection's own
        // timeout watches it from now on (as basic-ftp does).
        ftp.socket.setTimeout(0);
        if (options.timeoutMs > 0) arm(options.timeoutMs);
        if ("send" in data) {
          send(data.send).then(() => {
            if (!settled) onDataDone();
          }, onDataError);
        }
        return;
      }
      if (res.code >= 200 && res.code < 300) {
        final = res;
        // A 2xx without any 150: no data connection was used.
        if (!started) dataDone = true;
        finish();
        return;
      }
      if (res.code >= 300 && res.code < 400) {
        failData(new Error(`Unexpected reply "${res.message}" to "${options.command}"`));
      }
    });
  } finally {
    clearTimeout(timer);
    closeConn();
    // A connection that is still being opened: closed when it arrives (see `connected`).
    connected.catch(() => {});
  }
}

/**
 * `promise`, or the error of `onTimeout` after `ms` (0 = no limit). A value that arrives after the
 * timeout goes to `onLate` (e.g. a connection that opened too late is closed, not leaked).
 */
async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  onLate: (value: T) => void,
): Promise<T> {
  if (ms <= 0) return await promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        timer = setTimeout(() => {
          promise.then(onLate, () => {});
          reject(onTimeout());
        }, ms)
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
