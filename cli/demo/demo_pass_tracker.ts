/**
 * Sits between the service loop and `runPass` for the demo: counts and tells each pass as it ends,
 * lets the scenario wait for a pass that did something, and holds new passes back (a gate) while
 * the scenario edits both sides, so that the edits land between two passes.
 * @module
 */
import type { PassOptions, PassOutcome } from "../../sync/mod.ts";

/** A pass function, as the service calls it. */
export type PassFn = (options: PassOptions) => Promise<PassOutcome>;

/** Options of {@linkcode PassTracker}. */
export interface PassTrackerOptions {
  /** Told about each finished pass with its number (from 1). */
  onPass: (outcome: PassOutcome, n: number) => void;
}

interface Waiter {
  test: (outcome: PassOutcome) => boolean;
  resolve: (outcome: PassOutcome) => void;
}

/** See the module doc. */
export class PassTracker {
  #options: PassTrackerOptions;
  #count = 0;
  #running: Promise<unknown> | undefined;
  #gate: Promise<void> | undefined;
  #openGate: (() => void) | undefined;
  #waiters: Waiter[] = [];

  /** A tracker that tells `options.onPass` about every pass. */
  constructor(options: PassTrackerOptions) {
    this.#options = options;
  }

  /** Passes finished so far. */
  get count(): number {
    return this.#count;
  }

  /** Wraps `pass`: waits while the gate is closed, runs it, then tells and wakes the waiters. */
  wrap(pass: PassFn): PassFn {
    return async (options) => {
      while (this.#gate) await this.#gate;
      const running = pass(options);
      this.#running = running.catch(() => {});
      const outcome = await running;
      this.#count++;
      this.#options.onPass(outcome, this.#count);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.test(outcome)) return true;
        w.resolve(outcome);
        return false;
      });
      return outcome;
    };
  }

  /**
   * Resolves with the first pass, ending from now on, whose outcome passes `test`; rejects when
   * `signal` aborts first.
   */
  waitFor(test: (outcome: PassOutcome) => boolean, signal: AbortSignal): Promise<PassOutcome> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const waiter: Waiter = {
        test,
        resolve: (outcome) => {
          signal.removeEventListener("abort", onAbort);
          resolve(outcome);
        },
      };
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Holds back passes that have not started, and waits for the running one (if any) to end. */
  async closeGate(): Promise<void> {
    this.#gate ??= new Promise((resolve) => this.#openGate = resolve);
    await this.#running;
  }

  /** Lets passes run again. */
  openGate(): void {
    const open = this.#openGate;
    this.#gate = undefined;
    this.#openGate = undefined;
    open?.();
  }
}
