/**
 * `RemoteFs` over one logged-in basic-ftp connection (opened by `connect_remote_fs.ts`).
 *
 * Per-file cost: every operation is one FTP command on an absolute path (no CWD/PWD per
 * operation); a listing is one data connection. Extra round trips happen only on LIST-only
 * servers for an empty listing (one CWD, to tell a missing directory from an empty one) and on
 * the first `setMtime` failure on a server without MFMT.
 * @module
 */
import { PassThrough, Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { DenoFtpClient } from "./deno_ftp_client.ts";
import { SetMtimeTrust } from "./set_mtime_trust.ts";
import {
  onceEnded,
  oneChunk,
  readAll,
  readSmallFile,
  SMALL_FILE_BYTES,
  withoutEmptyChunks,
} from "./transfer_bytes.ts";
import { FtpError, toFtpError } from "./errors.ts";
import { formatFtpTimestamp, parseFtpTimestamp, parseListing } from "./parse_list.ts";
import type {
  HashAlgorithm,
  ListOptions,
  RemoteCapabilities,
  RemoteEntry,
  RemoteFs,
  ServerTimeView,
  TransferOptions,
} from "./remote_fs.ts";

/** Internal state handed from `connectRemoteFs`. */
export interface FtpRemoteFsInit {
  capabilities: RemoteCapabilities;
  /** The login directory (PWD); remote paths are resolved under it. */
  home: string;
  server: string;
  now: () => number;
  /** Whether the connection uses TLS. */
  tls: boolean;
}

/** One logged-in FTP connection. Create it with {@linkcode connectRemoteFs}. */
export class FtpRemoteFs implements RemoteFs {
  readonly #client: DenoFtpClient;
  readonly #capabilities: RemoteCapabilities;
  readonly #prefix: string;
  readonly #now: () => number;
  readonly #tls: boolean;
  /** undefined until the first 2-argument MDTM on a server without MFMT. */
  #mdtmWrite: boolean | undefined;
  /** What the server keeps after `setMtime`, where known without a read-back. */
  readonly #setTrust = new SetMtimeTrust();

  /** Use {@linkcode connectRemoteFs}. */
  constructor(client: DenoFtpClient, init: FtpRemoteFsInit) {
    this.#client = client;
    this.#capabilities = { ...init.capabilities };
    this.#prefix = init.home === "/" ? "" : init.home.replace(/\/+$/, "");
    this.#now = init.now;
    this.#tls = init.tls;
  }

  /** What FEAT offered (and whether 2-argument MDTM worked, once tried). */
  get capabilities(): RemoteCapabilities {
    return this.#capabilities;
  }

  /** True once the connection is closed and unusable. */
  get closed(): boolean {
    return this.#client.closed;
  }

  /** The server path for a path of the contract (absolute from the login root). */
  #path(path: string): string {
    if (/[\r\n\0]/.test(path)) {
      throw new FtpError(
        `Cannot use remote path ${JSON.stringify(path)}: it contains a line break or NUL`,
        {
          command: "path check",
          transient: false,
        },
      );
    }
    const abs = path.startsWith("/") ? path : `/${path}`;
    const full = this.#prefix + abs;
    return full.length > 1 ? full.replace(/\/+$/, "") : full;
  }

  /**
   * Run one operation, classifying any failure. A 425 (the data connection could not be opened:
   * seen from proftpd as "425 EPSV: Address already in use" when its passive port was still
   * taken) is tried once more on the same connection: nothing was transferred yet.
   */
  async #run<T>(command: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0;; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const error = toFtpError(err, command);
        if (error.code !== 425 || attempt > 0 || this.closed) throw error;
      }
    }
  }

  /** List one directory; rejects when it does not exist (on every server). */
  list(path: string, options: ListOptions = {}): Promise<RemoteEntry[]> {
    const dir = this.#path(path);
    const mlsd = this.#capabilities.mlsd;
    const command = `${mlsd ? "MLSD" : "LIST -a"} ${dir}`;
    return this.#run(command, async () => {
      const text = await this.#client.listRaw(command);
      let sawDot = false;
      if (!mlsd) {
        // `LIST -a` of an existing directory always shows ".": without it, the path may be
        // missing (vsftpd answers 226 with an empty listing) or a file. CWD tells.
        sawDot = /^d\S*\s.*\s\.\r?$/m.test(text);
        if (!sawDot) await this.#client.send(`CWD ${dir}`);
      }
      const parseOptions = {
        nowMs: this.#now(),
        ...(options.onRefused ? { onRefused: options.onRefused } : {}),
      };
      return parseListing(text, mlsd ? "mlsd" : "list", parseOptions);
    });
  }

  /**
   * Download to a local file (created or truncated, or written from `startAt`). Each received
   * chunk is written synchronously: cheaper than `fs.createWriteStream` (DESIGN.md §7), and the
   * data socket is never paused (under Deno a paused TLS data socket can stall for good).
   */
  async downloadToFile(
    path: string,
    localPath: string,
    options: TransferOptions = {},
  ): Promise<void> {
    const remote = this.#path(path);
    const startAt = options.startAt ?? 0;
    const client = this.#client;
    let mtimeMs: number | undefined;
    // Native transfers send the MDTM together with the EPSV: no round trip of its own.
    const before = options.onMtime === undefined ? {} : {
      before: `MDTM ${remote}`,
      onBefore: (reply: { code: number; message: string } | Error) => {
        if (reply instanceof Error) return;
        mtimeMs = parseFtpTimestamp(reply.message.slice(4));
        if (mtimeMs !== undefined) this.#setTrust.readBack(remote, mtimeMs);
      },
    };
    await this.#transfer(`RETR ${remote}`, options, async () => {
      // Async: creating a file costs ~0.25 ms in the kernel here (ext4), better spent off the
      // event loop; the writes are sync (cheap, and the data socket is never paused).
      using file = await Deno.open(localPath, {
        write: true,
        create: true,
        truncate: startAt === 0,
      });
      if (startAt > 0) {
        file.truncateSync(startAt);
        file.seekSync(startAt, Deno.SeekMode.Start);
      }
      const write = (chunk: Uint8Array): void => {
        let done = 0;
        while (done < chunk.length) done += file.writeSync(chunk.subarray(done));
      };
      if (startAt === 0) {
        let failure: unknown;
        const native = await this.#client.nativeTransfer(`RETR ${remote}`, {
          receive: (chunk) => {
            if (failure !== undefined) return;
            try {
              write(chunk);
            } catch (err) {
              failure = err;
            }
          },
        }, before);
        if (failure !== undefined) throw failure;
        if (native !== undefined) return;
      }
      const sink = onceEnded(
        new Writable({
          write(chunk: Uint8Array, _encoding, callback) {
            try {
              if (client.countReceived(chunk.length)) write(chunk);
              callback();
            } catch (err) {
              callback(err as Error);
            }
          },
        }),
      );
      await this.#client.downloadTo(sink, remote, startAt);
    });
    if (options.onMtime === undefined) return;
    mtimeMs ??= await this.mtime(path).catch(() => undefined);
    if (mtimeMs !== undefined) options.onMtime(mtimeMs);
  }

  /**
   * Download into a stream. On TLS connections the data socket is never paused: under Deno a
   * TLS socket that was paused by backpressure misses the end of the data (the transfer then
   * hangs until the timeout), so chunks are buffered in memory while `destination` is slower.
   */
  downloadToStream(
    path: string,
    destination: Writable,
    options: TransferOptions = {},
  ): Promise<void> {
    const remote = this.#path(path);
    const startAt = options.startAt ?? 0;
    const client = this.#client;
    return this.#transfer(`RETR ${remote}`, options, async () => {
      if (!this.#tls) {
        await this.#client.downloadTo(destination, remote, startAt);
        return;
      }
      const buffer = new PassThrough({ highWaterMark: 1024 * 1024 });
      const sink = onceEnded(
        new Writable({
          write(chunk: Uint8Array, _encoding, callback) {
            if (client.countReceived(chunk.length)) buffer.write(chunk);
            callback();
          },
          final(callback) {
            buffer.end();
            callback();
          },
        }),
      );
      const piping = pipeline(buffer, destination).catch((err) => {
        sink.destroy(err);
        throw err;
      });
      // Handled below; this keeps a destination failure during the download from being reported
      // as an unhandled rejection in the meantime.
      piping.catch(() => {});
      try {
        await this.#client.downloadTo(sink, remote, startAt);
      } catch (err) {
        // With an error: Deno's pipeline() never settles when its source is destroyed without one.
        buffer.destroy(err instanceof Error ? err : new Error(String(err)));
        await piping.catch(() => {});
        throw err;
      }
      await piping;
    });
  }

  /** Upload a local file (APPE from `startAt` when given). */
  uploadFromFile(localPath: string, path: string, options: TransferOptions = {}): Promise<void> {
    const remote = this.#path(path);
    const startAt = options.startAt ?? 0;
    const verb = startAt > 0 ? "APPE" : "STOR";
    return this.#transfer(`${verb} ${remote}`, options, async () => {
      if (startAt > 0) {
        await this.#client.appendFrom(localPath, remote, { localStart: startAt });
        return;
      }
      if (await this.#nativeUpload(localPath, remote)) return;
      const small = readSmallFile(localPath);
      await this.#client.uploadFrom(small === undefined ? localPath : oneChunk(small), remote);
    });
  }

  /**
   * STOR on a native data connection (plain FTP), reading the file with sync calls; false when
   * not available (nothing was sent). Like basic-ftp, a file that changed size while it was read
   * fails the upload (transient: the next pass sends it again).
   */
  async #nativeUpload(localPath: string, remote: string): Promise<boolean> {
    using file = Deno.openSync(localPath, { read: true });
    const size = file.statSync().size;
    if (size <= SMALL_FILE_BYTES) {
      // One exact-size read: a 256 KiB buffer per small file cost more in GC than it saved.
      const data = readAll(file, size);
      if (data?.length !== size) {
        throw new Error(
          `Local file "${localPath}" changed while it was being uploaded to "${remote}": ` +
            `expected to send ${size} bytes but read ${data?.length ?? "more"}`,
        );
      }
      return await this.#client.nativeTransfer(`STOR ${remote}`, { send: data }) !== undefined;
    }
    let sent = 0;
    const native = await this.#client.nativeTransfer(`STOR ${remote}`, {
      send: (buffer) => {
        const n = file.readSync(buffer);
        if (n !== null) sent += n;
        return n;
      },
    });
    if (native === undefined) return false;
    if (sent !== size) {
      throw new Error(
        `Local file "${localPath}" changed while it was being uploaded to "${remote}": ` +
          `expected to send ${size} bytes but sent ${sent}. The remote file is incomplete.`,
      );
    }
    return true;
  }

  /** Upload a stream (APPE when `startAt` > 0: the stream must start at that offset). */
  uploadFromStream(source: Readable, path: string, options: TransferOptions = {}): Promise<void> {
    const remote = this.#path(path);
    const append = (options.startAt ?? 0) > 0;
    // Under Deno, writing a zero-length chunk to a TLS socket fails with EPERM (and closes the
    // connection): drop empty chunks on TLS connections.
    const data = this.#tls ? Readable.from(withoutEmptyChunks(source)) : source;
    return this.#transfer(`${append ? "APPE" : "STOR"} ${remote}`, options, async () => {
      if (append) await this.#client.appendFrom(data, remote);
      else await this.#client.uploadFrom(data, remote);
    });
  }

  /** A transfer that an AbortSignal can cut short (the connection is closed then). */
  async #transfer(command: string, options: TransferOptions, fn: () => Promise<void>) {
    const signal = options.signal;
    if (signal?.aborted) {
      throw new FtpError(`FTP command "${command}" was aborted`, {
        code: "ABORT_ERR",
        command,
        transient: false,
        cause: signal.reason,
      });
    }
    const onAbort = () => this.#client.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    let overflow: Error | undefined;
    try {
      const expected = options.expectedSize;
      if (expected === undefined) await this.#run(command, fn);
      else {
        const maxBytes = Math.max(0, expected - (options.startAt ?? 0));
        await this.#client.withByteLimit({
          maxBytes,
          error: () =>
            overflow = new Error(
              `more than the ${expected} bytes listed arrived (from byte ` +
                `${options.startAt ?? 0}): the file changed or the server does not end it`,
            ),
        }, () => this.#run(command, fn));
      }
    } catch (err) {
      if (signal?.aborted) {
        throw new FtpError(`FTP command "${command}" was aborted`, {
          code: "ABORT_ERR",
          command,
          transient: false,
          cause: err,
        });
      }
      if (overflow !== undefined) {
        throw new FtpError(`FTP command "${command}" failed: ${overflow.message}`, {
          code: "EFBIG",
          command,
          transient: true,
          cause: err,
        });
      }
      throw toFtpError(err, command);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** RNFR/RNTO, sent together. */
  rename(from: string, to: string): Promise<void> {
    const src = this.#path(from);
    const dst = this.#path(to);
    // One round trip: a refused RNFR makes the server refuse the RNTO too (503).
    return this.#run(`RNFR ${src} / RNTO ${dst}`, async () => {
      await this.#client.sendPipelined([`RNFR ${src}`, `RNTO ${dst}`]);
    });
  }

  /** DELE. */
  remove(path: string): Promise<void> {
    const p = this.#path(path);
    return this.#run(`DELE ${p}`, async () => void await this.#client.send(`DELE ${p}`));
  }

  /** MKD (one level). */
  mkdir(path: string): Promise<void> {
    const p = this.#path(path);
    return this.#run(`MKD ${p}`, async () => void await this.#client.send(`MKD ${p}`));
  }

  /** RMD (empty directory). */
  rmdir(path: string): Promise<void> {
    const p = this.#path(path);
    return this.#run(`RMD ${p}`, async () => void await this.#client.send(`RMD ${p}`));
  }

  /** MDTM: mtime in ms (UTC, whole seconds). */
  mtime(path: string): Promise<number> {
    const p = this.#path(path);
    const command = `MDTM ${p}`;
    return this.#run(command, async () => {
      const res = await this.#client.send(command);
      const ms = parseFtpTimestamp(res.message.slice(4));
      if (ms === undefined) {
        throw new FtpError(
          `FTP command "${command}" failed: cannot read the time in "${res.message}"`,
          {
            command,
            transient: false,
          },
        );
      }
      this.#setTrust.readBack(p, ms);
      return ms;
    });
  }

  /**
   * What the server keeps after the last `setMtime` on `path`: the time its reply stated (MFMT,
   * proftpd: `213 Modify=20250601120000; /a.txt`), else the value set, once this connection has
   * read back at least two set values unchanged, one of them with odd seconds (a server keeping
   * 2-second or minute steps fails that), and never after a read-back that differed.
   */
  storedMtime(path: string): number | undefined {
    return this.#setTrust.stored(this.#path(path));
  }

  /** SIZE in bytes. */
  size(path: string): Promise<number> {
    const p = this.#path(path);
    return this.#run(`SIZE ${p}`, () => this.#client.size(p));
  }

  /** Not offered yet: rejects with meaning `unsupported`. */
  hash(path: string, algorithm: HashAlgorithm): Promise<string> {
    return Promise.reject(
      new FtpError(`Cannot hash "${path}" with ${algorithm}: not supported`, {
        command: `HASH ${path}`,
        transient: false,
        meaning: "unsupported",
      }),
    );
  }

  /** Not measured yet: the server's times are assumed to be UTC. */
  learnServerTime(_dir: string): Promise<ServerTimeView> {
    return Promise.resolve({
      offsetMinutes: { list: 0, mlsd: 0, mdtm: 0 },
      skewMs: 0,
      source: "assumed",
    });
  }

  /** MFMT, else vsftpd's 2-argument MDTM (tried once per connection), else false. */
  async setMtime(path: string, mtimeMs: number): Promise<boolean> {
    const p = this.#path(path);
    this.#setTrust.clear();
    const stamp = formatFtpTimestamp(mtimeMs);
    if (this.#capabilities.mfmt) {
      const res = await this.#run(
        `MFMT ${stamp} ${p}`,
        () => this.#client.send(`MFMT ${stamp} ${p}`),
      );
      this.#setTrust.recordSet(p, stamp, res.message);
      return true;
    }
    if (this.#mdtmWrite === false) return false;
    const command = `MDTM ${stamp} ${p}`;
    try {
      const res = await this.#client.send(command);
      this.#setTrust.recordSet(p, stamp, res.message);
    } catch (err) {
      const e = toFtpError(err, command);
      if (this.#mdtmWrite === true || typeof e.code !== "number") throw e;
      // Not known yet whether the server can: 500/501/502/504 say no; a 550 may mean a missing
      // file, so check that the file is readable with a plain MDTM.
      if (e.code !== 550) return this.#noMdtmWrite();
      try {
        await this.#client.send(`MDTM ${p}`);
      } catch {
        throw e;
      }
      return this.#noMdtmWrite();
    }
    this.#mdtmWrite = true;
    this.#capabilities.mdtmWrite = true;
    return true;
  }

  #noMdtmWrite(): false {
    this.#mdtmWrite = false;
    this.#capabilities.mdtmWrite = false;
    return false;
  }

  /** NOOP. */
  noop(): Promise<void> {
    return this.#run("NOOP", async () => void await this.#client.send("NOOP"));
  }

  /** QUIT (waiting at most 2 s) and close. Never rejects. */
  async close(): Promise<void> {
    if (!this.#client.closed) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          this.#client.send("QUIT"),
          new Promise((resolve) => timer = setTimeout(resolve, 2000)),
        ]);
      } catch {
        // Closing anyway.
      } finally {
        clearTimeout(timer);
      }
    }
    this.#client.close();
  }
}
