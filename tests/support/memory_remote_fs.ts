/**
 * An in-memory `RemoteFs` for tests: connections over one shared {@linkcode MemoryRemoteTree},
 * with the reply codes of a real server (550 missing, 553 refused name, 421 too many
 * connections), settable time precision and failure injection.
 * @module
 */
import { createHash } from "node:crypto";
import { FtpError } from "../../sync/ftp/errors.ts";
import {
  type InjectedFailure,
  type MemoryNode,
  MemoryTreeStore,
  type RemoteOp,
} from "./memory_remote_tree.ts";
import { MemoryRemoteFsPool } from "./memory_remote_pool.ts";
import type {
  HashAlgorithm,
  Published,
  PublishOptions,
  PublishTarget,
  RemoteCapabilities,
  RemoteEntry,
  RemoteFs,
  ServerTimeView,
  TransferOptions,
} from "../../sync/ftp/remote_fs.ts";

export { MemoryRemoteFsPool } from "./memory_remote_pool.ts";

export type {
  InjectedFailure,
  MemoryNode,
  MemoryRemoteTreeOptions,
  RemoteOp,
} from "./memory_remote_tree.ts";
import type { MemoryRemoteTreeOptions } from "./memory_remote_tree.ts";

/** A shared in-memory remote tree; `connect()` opens a {@linkcode MemoryRemoteFs} on it. */
export class MemoryRemoteTree extends MemoryTreeStore {
  #open = 0;
  #maxConnections: number;

  constructor(options: MemoryRemoteTreeOptions) {
    super(options);
    this.#maxConnections = options.maxConnections ?? Infinity;
  }

  /** Opens a connection (counted as `connect`; refused with 421 beyond `maxConnections`). */
  connect(): MemoryRemoteFs {
    this.begin("connect", "/");
    if (this.#open >= this.#maxConnections) {
      throw new FtpError("Too many connections", { code: 421, command: "USER", transient: true });
    }
    this.#open++;
    return new MemoryRemoteFs(this, () => this.#open--);
  }

  /** Connections open now. */
  get openConnections(): number {
    return this.#open;
  }

  /** A pool of at most `size` connections on this tree. */
  pool(size: number): MemoryRemoteFsPool {
    return new MemoryRemoteFsPool(this, { size });
  }
}

function missing(path: string, command: string): FtpError {
  return new FtpError(`No such file or directory: "${path}"`, {
    code: 550,
    command: `${command} ${path}`,
    transient: false,
  });
}

/** A command the tree's server does not offer (as the FTP layer reports it: no round trip). */
function notImplemented(verb: string, path: string): FtpError {
  return new FtpError(`The server does not implement ${verb}`, {
    command: `${verb} ${path}`,
    transient: false,
    meaning: "unsupported",
  });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Whether an injected error ends the connection (421, or a socket error such as ECONNRESET). */
function closesConnection(error: unknown): boolean {
  return error instanceof FtpError && (error.code === 421 || typeof error.code === "string");
}

/** One connection to a {@linkcode MemoryRemoteTree}. */
export class MemoryRemoteFs implements RemoteFs {
  #tree: MemoryRemoteTree;
  #onClose: () => void;
  #closed = false;

  /** Made by `MemoryRemoteTree.connect()`. */
  constructor(tree: MemoryRemoteTree, onClose: () => void) {
    this.#tree = tree;
    this.#onClose = onClose;
  }

  /** What the tree's server offers. */
  get capabilities(): RemoteCapabilities {
    return this.#tree.capabilities;
  }

  /** True once closed (by `close()` or by a 421 or socket error). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the connection; never rejects. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#onClose();
    }
    return Promise.resolve();
  }

  /** Runs one operation: counts it, applies an injected failure, closes on a fatal one. */
  async #run<T>(
    op: RemoteOp,
    path: string,
    fn: (failure: InjectedFailure | undefined) => T | Promise<T>,
  ): Promise<T> {
    if (this.#closed) {
      throw new FtpError("Connection closed", { code: "ECONNRESET", command: op, transient: true });
    }
    try {
      await Promise.resolve(); // Operations finish asynchronously, as on a socket.
      const failure = this.#tree.begin(op, path);
      return await fn(failure);
    } catch (error) {
      if (closesConnection(error)) await this.close();
      throw error;
    }
  }

  #file(path: string, command: string): MemoryNode & { kind: "file" } {
    const node = this.#tree.node(path);
    if (node?.kind !== "file") throw missing(path, command);
    return node;
  }

  /** Lists one directory like MLSD (1 s) or LIST (60 s, a day for old entries). */
  list(path: string): Promise<RemoteEntry[]> {
    return this.#run("list", path, (failure) => {
      if (failure !== undefined) throw failure.error;
      const node = this.#tree.node(path);
      if (node?.kind !== "dir") throw missing(path, "LIST");
      const entries: RemoteEntry[] = [];
      for (const [name, child] of node.children) {
        const time = this.#tree.listedTime(child.mtimeMs);
        entries.push({
          name,
          kind: child.kind,
          size: child.kind === "file" ? child.data.length : 0,
          mtimeMs: time.mtimeMs,
          mtimePrecisionMs: time.precisionMs,
          rawTime: time.rawTime,
          ...(this.#tree.uniqueFacts ? { unique: this.#tree.uniqueOf(child) } : {}),
        });
      }
      return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }

  /** The bytes a download sends (from `startAt`), cut short by an injected failure. */
  #sent(path: string, options: TransferOptions, failure: InjectedFailure | undefined) {
    if (options.signal?.aborted) {
      throw new FtpError("Transfer aborted", {
        code: "ABORT_ERR",
        command: `RETR ${path}`,
        transient: true,
      });
    }
    const data = this.#file(path, "RETR").data.subarray(options.startAt ?? 0);
    const sent = failure === undefined ? data : data.subarray(0, failure.afterBytes);
    this.#tree.bytes.downloaded += sent.length;
    return { sent, failure };
  }

  /** Writes the file to a local path (appends from `startAt`). */
  async downloadToFile(
    path: string,
    localPath: string,
    options: TransferOptions = {},
  ): Promise<void> {
    await this.#run("download", path, async (failure) => {
      const { sent } = this.#sent(path, options, failure);
      await Deno.writeFile(localPath, sent, { append: (options.startAt ?? 0) > 0 });
      if (failure !== undefined) throw failure.error;
    });
    // As a server asked with MDTM: whole seconds (counted as an "mtime" operation).
    if (options.onMtime !== undefined && this.capabilities.mdtm) {
      options.onMtime(await this.mtime(path));
    }
  }

  /** Stores bytes under `path` (appended when `startAt` is given, like APPE). */
  #store(path: string, data: Uint8Array, options: TransferOptions, failure?: InjectedFailure) {
    if (options.signal?.aborted) {
      throw new FtpError("Transfer aborted", {
        code: "ABORT_ERR",
        command: `STOR ${path}`,
        transient: true,
      });
    }
    const command = `STOR ${path}`;
    let parent;
    try {
      parent = this.#tree.parentOf(path, { command });
    } catch {
      throw new FtpError(`Could not create file "${path}"`, {
        code: 553,
        command,
        transient: false,
      });
    }
    const { dir, name } = parent;
    const existing = dir.children.get(name);
    if (existing !== undefined && existing.kind !== "file") {
      throw new FtpError(`Could not create file "${path}"`, {
        code: 553,
        command,
        transient: false,
      });
    }
    const received = failure === undefined ? data : data.subarray(0, failure.afterBytes);
    const before = (options.startAt ?? 0) > 0 && existing !== undefined
      ? existing.data
      : new Uint8Array();
    this.#tree.bytes.uploaded += received.length;
    dir.children.set(name, {
      kind: "file",
      data: concat(before, received),
      mtimeMs: this.#tree.now(),
    });
    dir.mtimeMs = this.#tree.now();
    if (failure !== undefined) throw failure.error;
  }

  /** Uploads a local file (its bytes from `startAt` appended when given). */
  uploadFromFile(localPath: string, path: string, options: TransferOptions = {}): Promise<void> {
    return this.#run("upload", path, async (failure) => {
      const data = (await Deno.readFile(localPath)).subarray(options.startAt ?? 0);
      this.#store(path, data, options, failure);
    });
  }

  /**
   * RNFR/RNTO; onto an existing file only when the tree allows it (else 553). A tree that refuses
   * renames rejects with meaning `unsupported` (and `capabilities.renames` turns false).
   */
  rename(from: string, to: string): Promise<void> {
    return this.#run("rename", from, (failure) => {
      if (failure !== undefined) throw failure.error;
      if (this.#tree.refuseRenames) {
        this.#tree.capabilities.renames = false;
        throw new FtpError(`Cannot rename "${from}" to "${to}": the server refuses renames`, {
          code: 550,
          command: `RNFR ${from}`,
          transient: false,
          meaning: "unsupported",
        });
      }
      const source = this.#tree.parentOf(from, { command: `RNFR ${from}` });
      const node = source.dir.children.get(source.name);
      if (node === undefined) throw missing(from, "RNFR");
      const target = this.#tree.parentOf(to, { command: `RNTO ${to}` });
      const existing = target.dir.children.get(target.name);
      if (existing !== undefined && existing !== node) {
        if (!this.#tree.renameOverwrite || existing.kind !== "file" || node.kind !== "file") {
          throw new FtpError(`Cannot rename onto "${to}": it exists`, {
            code: 553,
            command: `RNTO ${to}`,
            transient: false,
          });
        }
      }
      source.dir.children.delete(source.name);
      target.dir.children.set(target.name, node);
    });
  }

  /**
   * The FTP engine's publish, one operation at a time: SIZE of `final` (and MDTM when it exists;
   * the engine sends both in one write, counted here as `statRemoteNow` reads), the mtime set on
   * `temp`, the check, the rename, MDTM of `final`.
   */
  async publish(temp: string, final: string, options: PublishOptions): Promise<Published> {
    const read = (fn: () => Promise<number>) =>
      fn().catch((e: FtpError) => e.meaning === "notFound" ? "absent" : "unread");
    const size = await read(() => this.size(final));
    const mtime = size === "absent" ? size : await read(() => this.mtime(final));
    const now: PublishTarget = size === "unread" || mtime === "unread"
      ? { state: "unread" }
      : size === "absent" || mtime === "absent"
      ? { state: "absent" }
      : { state: "present", size, mtimeMs: mtime };
    let mtimeError: Error | undefined;
    await this.setMtime(temp, options.mtimeMs).catch((e: Error) => mtimeError = e);
    await options.check(now);
    await this.rename(temp, final);
    const mtimeMs = await this.mtime(final).catch(() => undefined);
    return { mtimeMs, ...(mtimeError === undefined ? {} : { mtimeError }) };
  }

  /** DELE a file (550 when missing or a directory). */
  remove(path: string): Promise<void> {
    return this.#run("remove", path, (failure) => {
      if (failure !== undefined) throw failure.error;
      this.#file(path, "DELE");
      const { dir, name } = this.#tree.parentOf(path, { command: `DELE ${path}` });
      dir.children.delete(name);
    });
  }

  /** MKD one level (550 when it exists or the parent is missing). */
  mkdir(path: string): Promise<void> {
    return this.#run("mkdir", path, (failure) => {
      if (failure !== undefined) throw failure.error;
      const command = `MKD ${path}`;
      const { dir, name } = this.#tree.parentOf(path, { command });
      if (dir.children.has(name)) {
        throw new FtpError(`Cannot create "${path}": it exists`, {
          code: 550,
          command,
          transient: false,
        });
      }
      dir.children.set(name, { kind: "dir", mtimeMs: this.#tree.now(), children: new Map() });
    });
  }

  /** RMD an empty directory (550 when missing or not empty). */
  rmdir(path: string): Promise<void> {
    return this.#run("rmdir", path, (failure) => {
      if (failure !== undefined) throw failure.error;
      const command = `RMD ${path}`;
      const { dir, name } = this.#tree.parentOf(path, { command });
      const node = dir.children.get(name);
      if (node?.kind !== "dir") throw missing(path, "RMD");
      if (node.children.size > 0) {
        throw new FtpError(`Directory not empty: "${path}"`, {
          code: 550,
          command,
          transient: false,
        });
      }
      dir.children.delete(name);
    });
  }

  /** MDTM: whole seconds. */
  mtime(path: string): Promise<number> {
    return this.#run("mtime", path, (failure) => {
      if (failure !== undefined) throw failure.error;
      if (!this.capabilities.mdtm) throw notImplemented("MDTM", path);
      return Math.floor(this.#file(path, "MDTM").mtimeMs / 1000) * 1000;
    });
  }

  /** MDTMs, each as `mtime` answers it (see `RemoteFs.mtimes`). */
  mtimes(paths: readonly string[]): Promise<Array<number | Error>> {
    return Promise.all(
      paths.map((path) => this.mtime(path).catch((error: Error) => error)),
    );
  }

  /** SIZE. */
  size(path: string): Promise<number> {
    return this.#run("size", path, (failure) => {
      if (failure !== undefined) throw failure.error;
      if (!this.capabilities.size) throw notImplemented("SIZE", path);
      return this.#file(path, "SIZE").data.length;
    });
  }

  /** The hash of a file with one of the tree's `hashes` (unsupported otherwise). */
  hash(path: string, algorithm: HashAlgorithm): Promise<string> {
    return this.#run("hash", path, (failure) => {
      if (failure !== undefined) throw failure.error;
      const name = { "SHA-256": "sha256", "SHA-1": "sha1", "MD5": "md5", "CRC32": undefined }[
        algorithm
      ];
      if (!this.capabilities.hashes.includes(algorithm) || name === undefined) {
        throw new FtpError(`HASH ${algorithm} is not supported`, {
          code: 502,
          command: `HASH ${path}`,
          transient: false,
        });
      }
      return createHash(name).update(this.#file(path, "HASH").data).digest("hex");
    });
  }

  /** Times in the tree are UTC and the clock is ours: nothing to learn. */
  learnServerTime(_dir: string): Promise<ServerTimeView> {
    return Promise.resolve({
      offsetMinutes: { list: 0, mlsd: 0, mdtm: 0 },
      skewMs: 0,
      source: "assumed",
    });
  }

  /** MFMT (or two-argument MDTM): whole seconds; false when the server offers neither. */
  setMtime(path: string, mtimeMs: number): Promise<boolean> {
    return this.#run("setMtime", path, (failure) => {
      if (failure !== undefined) throw failure.error;
      if (!this.capabilities.mfmt && !this.capabilities.mdtmWrite) return false;
      this.#file(path, "MFMT").mtimeMs = Math.floor(mtimeMs / 1000) * 1000;
      return true;
    });
  }
}
