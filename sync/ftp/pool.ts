/**
 * A pool of FTP connections for one section, and a connection budget shared per server.
 *
 * - At most `size` connections, opened lazily and reused; callers are served first come, first
 *   served (FIFO).
 * - After a failure that is not an FTP reply (a reset, a timeout...), the connection is checked
 *   with NOOP before it is reused, and dropped when closed.
 * - A 421 ("too many connections") while opening shrinks the pool by one (never below 1); the
 *   caller then waits for the next free connection. With no connection open at all, the 421 is
 *   the caller's error (transient).
 * - `ConnectionBudget` caps the connections of several pools to one server (host:port:user): a
 *   pool opens a connection only with a slot from it, and gives idle connections back when
 *   another pool waits for a slot. Its limit is the largest ConcurrentConnections any section
 *   asked, lowered by the server's 421s and never raised back after one (`ConnectionBudgets`).
 * @module
 */
import { FtpError } from "./errors.ts";
import type { RemoteFs, RemoteFsPool } from "./remote_fs.ts";

interface Waiter {
  resolve: (remote: RemoteFs) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/** Connection slots shared by the pools of all sections that use one server. */
export class ConnectionBudget {
  #limit: number;
  /** Whether a 421 lowered the limit: asks never raise it again. */
  #lowered = false;
  #used = 0;
  #waiters: (() => void)[] = [];

  /** `limit`: most connections to the server at once (at least 1). */
  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  /** Most connections at once (it shrinks after a 421). */
  get limit(): number {
    return this.#limit;
  }

  /**
   * A section asks for `limit` connections: the limit rises to the largest ask, unless the server
   * already refused one connection too many (a 421 set the limit for good).
   */
  ask(limit: number): void {
    if (this.#lowered || limit <= this.#limit) return;
    this.#limit = limit;
    this.#drain();
  }

  /** Slots in use. */
  get used(): number {
    return this.#used;
  }

  /** Whether some pool waits for a slot. */
  get contended(): boolean {
    return this.#waiters.length > 0;
  }

  /** Take a slot if one is free. */
  tryAcquire(): boolean {
    if (this.#used >= this.#limit) return false;
    this.#used++;
    return true;
  }

  /** Wait for a slot (FIFO). */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.#waiters.length === 0 && this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        this.#used++;
        resolve();
      };
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== grant);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(grant);
    });
  }

  /** Give a slot back. */
  release(): void {
    this.#used = Math.max(0, this.#used - 1);
    this.#drain();
  }

  /** The server refused a connection as one too many: lower the limit (at least 1), for good. */
  shrink(): void {
    this.#lowered = true;
    this.#limit = Math.max(1, Math.min(this.#limit, this.#used + 1) - 1);
  }

  #drain() {
    while (this.#used < this.#limit && this.#waiters.length > 0) this.#waiters.shift()!();
  }
}

/**
 * The budgets of a process, one per server and user (`host:port:user`), so that the pools of all
 * sections using one server share one: its limit is the largest ConcurrentConnections asked,
 * lowered by 421s and never raised back after one, never exceeded.
 */
export class ConnectionBudgets {
  readonly #budgets = new Map<string, ConnectionBudget>();

  /** The budget of a server, created on first use; `limit` is this section's ask. */
  get(server: { host: string; port: number; user: string }, limit: number): ConnectionBudget {
    const key = `${server.host}:${server.port}:${server.user}`;
    let budget = this.#budgets.get(key);
    if (budget === undefined) {
      budget = new ConnectionBudget(limit);
      this.#budgets.set(key, budget);
    }
    budget.ask(limit);
    return budget;
  }
}

/** Options of {@linkcode FtpPool}. */
export interface FtpPoolOptions {
  /** Most connections at once (ConcurrentConnections, at least 1). */
  size: number;
  /** Slots shared with other sections' pools on the same server. */
  budget?: ConnectionBudget | undefined;
}

/**
 * Whether an error is the server saying "too many connections": a 421, or a 530 that says so
 * (proftpd's MaxClientsPerUser: "530 Sorry, the maximum number of clients (2) for this user are
 * already connected").
 */
export function isTooManyConnections(err: unknown): boolean {
  if (!(err instanceof FtpError)) return false;
  if (err.code === 421) return true;
  return err.code === 530 && /too many|maximum number|already connected/i.test(err.message);
}

/** A pool of at most `size` lazily opened, reused connections. */
export class FtpPool implements RemoteFsPool {
  readonly #connect: () => Promise<RemoteFs>;
  readonly #budget: ConnectionBudget | undefined;
  #size: number;
  /** Connections open or being opened. */
  #open = 0;
  /** Of those, being opened (each will serve one waiter). */
  #opening = 0;
  #idle: RemoteFs[] = [];
  #waiters: Waiter[] = [];
  #closed = false;

  /** `connect` opens one logged-in connection (rejects with an FtpError). */
  constructor(connect: () => Promise<RemoteFs>, options: FtpPoolOptions) {
    this.#connect = connect;
    this.#size = Math.max(1, options.size);
    this.#budget = options.budget;
  }

  /** Most connections held at once. */
  get size(): number {
    return this.#size;
  }

  /** Connections currently open (idle or in use). */
  get openCount(): number {
    return this.#open;
  }

  /** Run `fn` with a connection; the connection goes back to the pool afterwards. */
  async use<T>(fn: (remote: RemoteFs) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const remote = await this.#acquire(signal);
    let failure: unknown;
    try {
      return await fn(remote);
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      await this.#release(remote, failure);
    }
  }

  /** Close every connection; pending `use` calls reject. */
  async close(): Promise<void> {
    this.#closed = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      w.signal?.removeEventListener("abort", w.onAbort);
      w.reject(this.#closedError());
    }
    const idle = this.#idle;
    this.#idle = [];
    await Promise.all(idle.map((remote) => this.#discard(remote)));
  }

  #closedError() {
    return new FtpError("The FTP connection pool is closed", {
      code: "POOL_CLOSED",
      command: "pool",
      transient: false,
    });
  }

  #acquire(signal: AbortSignal | undefined): Promise<RemoteFs> {
    if (this.#closed) return Promise.reject(this.#closedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#dispatch();
    });
  }

  /** Hand idle connections to waiters, and open new ones while allowed. */
  #dispatch() {
    while (this.#waiters.length > 0) {
      const remote = this.#idle.shift();
      if (remote !== undefined) {
        if (remote.closed) {
          void this.#discard(remote);
          continue;
        }
        this.#hand(remote);
        continue;
      }
      // Open only as many connections as there are waiters not already served by one coming.
      if (this.#waiters.length <= this.#opening || this.#open >= this.#size) return;
      const budget = this.#budget;
      if (budget !== undefined && !budget.tryAcquire()) {
        // Without any connection this pool would starve: queue for a slot.
        if (this.#open > 0) return;
        this.#open++;
        this.#opening++;
        const waiter = this.#waiters[0]!;
        budget.acquire(waiter.signal).then(
          () => this.#openOne(),
          () => {
            this.#open--;
            this.#opening--;
            this.#dispatch();
          },
        );
        return;
      }
      this.#open++;
      this.#opening++;
      void this.#openOne();
    }
  }

  #hand(remote: RemoteFs) {
    const waiter = this.#waiters.shift()!;
    waiter.signal?.removeEventListener("abort", waiter.onAbort);
    waiter.resolve(remote);
  }

  /** Open a connection (its slot is already counted in #open and in the budget). */
  async #openOne(): Promise<void> {
    let remote: RemoteFs;
    try {
      remote = await this.#connect();
    } catch (err) {
      this.#opening--;
      this.#open--;
      this.#budget?.release();
      if (isTooManyConnections(err)) {
        this.#size = Math.max(1, this.#size - 1);
        this.#budget?.shrink();
        // Someone else holds a connection: wait for it instead of failing.
        if (this.#open > 0) {
          this.#dispatch();
          return;
        }
      }
      const waiter = this.#waiters.shift();
      if (waiter !== undefined) {
        waiter.signal?.removeEventListener("abort", waiter.onAbort);
        waiter.reject(err);
      }
      this.#dispatch();
      return;
    }
    this.#opening--;
    if (this.#closed) {
      await this.#discard(remote);
      return;
    }
    this.#idle.push(remote);
    this.#dispatch();
    // Nobody wanted it any more (an aborted waiter): keep it idle.
  }

  async #release(remote: RemoteFs, failure: unknown) {
    // After a failure other than an FTP reply, the connection may be dead: check it.
    const ftpReply = failure instanceof FtpError && typeof failure.code === "number";
    if (failure !== undefined && !ftpReply && !remote.closed && remote.noop !== undefined) {
      try {
        await remote.noop();
      } catch {
        await remote.close();
      }
    }
    if (remote.closed || this.#closed || this.#open > this.#size) {
      await this.#discard(remote);
      this.#dispatch();
      return;
    }
    // Another section waits for a slot on this server and nobody here needs this one.
    if (this.#waiters.length === 0 && this.#budget?.contended) {
      await this.#discard(remote);
      return;
    }
    this.#idle.push(remote);
    this.#dispatch();
  }

  async #discard(remote: RemoteFs) {
    this.#open--;
    this.#budget?.release();
    await remote.close();
  }
}
