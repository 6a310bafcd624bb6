/**
 * A small seeded PRNG (mulberry32): the benchmark data must be the same bytes on every machine
 * and every run, so that results compare across commits.
 * @module
 */

/** A deterministic 32-bit generator; `next()` returns an unsigned 32-bit integer. */
export class Prng {
  #state: number;

  /** Starts the sequence at `seed` (any 32-bit integer). */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next unsigned 32-bit value. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A whole number in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + (this.next() % (max - min + 1));
  }

  /** `length` pseudo-random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    const words = new Uint32Array(out.buffer, 0, Math.floor(length / 4));
    for (let i = 0; i < words.length; i++) words[i] = this.next();
    for (let i = words.length * 4; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }
}
