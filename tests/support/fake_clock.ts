/**
 * A fake {@linkcode Clock} for tests of timing: time stands still until the test moves it with
 * `advance(ms)`, which runs the timers that fall due, in order, each at its own time, and lets
 * the code they wake run to its next wait before the next timer. Written by hand rather than with
 * `@sinonjs/fake-timers`: the product takes a four-function `Clock` (sync/clock.ts), and this is
 * all a fake of it needs, without a test-only npm dependency and its separate type package.
 * @module
 */
import type { Clock, TimerId } from "../../sync/clock.ts";

interface Timer {
  atMs: number;
  fn: () => void;
  /** Set for an interval: its period, ms. */
  everyMs?: number;
}

/** Lets promise callbacks and already-finished I/O run: a few turns of the real event loop. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** A clock that moves only when told (see the module doc). */
export class FakeClock implements Clock {
  #nowMs: number;
  #timers = new Map<TimerId, Timer>();
  #nextId = 1;

  /** Starts at `startMs` (ms since the epoch). */
  constructor(startMs = Date.parse("2026-11-25T10:00:00Z")) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.#nextId++;
    this.#timers.set(id, { atMs: this.#nowMs + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id: TimerId | undefined): void {
    if (id !== undefined) this.#timers.delete(id);
  }

  setInterval(fn: () => void, ms: number): TimerId {
    const everyMs = Math.max(1, ms);
    const id = this.#nextId++;
    this.#timers.set(id, { atMs: this.#nowMs + everyMs, fn, everyMs });
    return id;
  }

  clearInterval(id: TimerId | undefined): void {
    this.clearTimeout(id);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Resolves after `ms` of this clock's time (for fake work in tests). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Moves time `ms` forward, firing each timer due on the way at its time (see the module doc). */
  async advance(ms: number): Promise<void> {
    const endMs = this.#nowMs + ms;
    await settle();
    for (;;) {
      let next: [TimerId, Timer] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].atMs <= endMs && (next === undefined || entry[1].atMs < next[1].atMs)) {
          next = entry;
        }
      }
      if (next === undefined) break;
      const [id, timer] = next;
      this.#nowMs = timer.atMs;
      if (timer.everyMs === undefined) this.#timers.delete(id);
      else timer.atMs += timer.everyMs;
      timer.fn();
      await settle();
    }
    this.#nowMs = endMs;
    await settle();
  }
}
