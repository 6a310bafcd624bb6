/**
 * A counting semaphore: at most ConcurrentSynchronisations sections pass at once in the service.
 * @module
 */

/** At most `limit` holders at once; waiters are served first come, first served. */
export class Semaphore {
  #limit: number;
  #used = 0;
  #waiters: Array<() => void> = [];

  /** `limit` is at least 1. */
  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit));
  }

  /** Holders right now. */
  get used(): number {
    return this.#used;
  }

  /** Changes the limit (a reload); waiters get the new free slots at once. */
  setLimit(limit: number): void {
    this.#limit = Math.max(1, Math.floor(limit));
    this.#drain();
  }

  /** Waits for a slot; rejects with the signal's reason when it aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#waiters.length === 0 && this.#used < this.#limit) {
      this.#used++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener("abort", onAbort);
        this.#used++;
        resolve();
      };
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== grant);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(grant);
    });
  }

  /** Gives a slot back. */
  release(): void {
    this.#used = Math.max(0, this.#used - 1);
    this.#drain();
  }

  #drain(): void {
    while (this.#used < this.#limit && this.#waiters.length > 0) this.#waiters.shift()!();
  }
}
