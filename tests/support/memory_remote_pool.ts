/**
 * A `RemoteFsPool` over in-memory connections (tests): at most `size` at once, closed ones
 * replaced, a 421 shrinks it.
 * @module
 */
import { FtpError } from "../../sync/ftp/errors.ts";
import type { RemoteFs, RemoteFsPool } from "../../sync/ftp/remote_fs.ts";

/** What the pool opens connections with (a `MemoryRemoteTree`). */
export interface MemoryConnector {
  /** Opens a connection; throws `FtpError` 421 when the server refuses one more. */
  connect(): RemoteFs;
}

/** Options of {@linkcode MemoryRemoteFsPool}. */
export interface MemoryRemoteFsPoolOptions {
  /** Most connections at once. */
  size: number;
}

/**
 * At most `size` connections on a `MemoryRemoteTree`; a closed connection is
 * replaced on the next `use`, and a 421 shrinks the pool by one (never below 1).
 */
export class MemoryRemoteFsPool implements RemoteFsPool {
  #connector: MemoryConnector;
  #size: number;
  #busy = 0;
  #idle: RemoteFs[] = [];
  #all = new Set<RemoteFs>();
  #waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  #closed = false;

  /** A pool opening its connections with `connector`. */
  constructor(connector: MemoryConnector, options: MemoryRemoteFsPoolOptions) {
    this.#connector = connector;
    this.#size = Math.max(1, options.size);
  }

  /** Most connections held at once. */
  get size(): number {
    return this.#size;
  }

  /** Runs `fn` on a free connection (opened or replaced as needed). Retries nothing. */
  async use<T>(fn: (remote: RemoteFs) => Promise<T>, signal?: AbortSignal): Promise<T> {
    while (this.#busy >= this.#size) {
      if (this.#closed) throw new Error("The connection pool is closed");
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    }
    if (this.#closed) throw new Error("The connection pool is closed");
    signal?.throwIfAborted();
    this.#busy++;
    try {
      let remote = this.#idle.pop();
      while (remote !== undefined && remote.closed) {
        this.#all.delete(remote);
        remote = this.#idle.pop();
      }
      if (remote === undefined) {
        remote = this.#connector.connect();
        this.#all.add(remote);
      }
      try {
        return await fn(remote);
      } finally {
        if (remote.closed) this.#all.delete(remote);
        else this.#idle.push(remote);
      }
    } catch (error) {
      if (error instanceof FtpError && error.code === 421 && this.#size > 1) this.#size--;
      throw error;
    } finally {
      this.#busy--;
      this.#waiting.shift()?.resolve();
    }
  }

  /** Closes every connection; pending `use` calls reject. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of this.#waiting.splice(0)) {
      waiter.reject(new Error("The connection pool is closed"));
    }
    await Promise.all([...this.#all].map((remote) => remote.close()));
    this.#all.clear();
    this.#idle = [];
  }
}
