/**
 * Time as the service's loops see it (the service, a section's worker, the watcher's batching):
 * the wall clock and timers, passed in so that their timing is tested on a fake clock
 * (tests/support/fake_clock.ts) rather than with sleeps.
 * @module
 */

/** A timer's id, as the clock that made it returned it (the runtime's for `systemClock`). */
export type TimerId = number | ReturnType<typeof setTimeout>;

/** The wall clock and timers. */
export interface Clock {
  /** Now, in ms since the epoch. */
  now(): number;
  /** Calls `fn` once, `ms` from now. */
  setTimeout(fn: () => void, ms: number): TimerId;
  /** Cancels a timeout; an id already fired, cancelled or undefined is ignored. */
  clearTimeout(id: TimerId | undefined): void;
  /** Calls `fn` every `ms`. */
  setInterval(fn: () => void, ms: number): TimerId;
  /** Cancels an interval; an id already cancelled or undefined is ignored. */
  clearInterval(id: TimerId | undefined): void;
}

/** The process's clock: `Date.now()` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (id) => clearInterval(id),
};
