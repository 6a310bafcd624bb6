/**
 * What a server keeps after `setMtime`, known without a read-back (MDTM) where that is safe:
 * the time the reply stated, or the value set once the connection has proven that the server
 * keeps set values as they are. Saves one round trip per upload (5 commands instead of 6).
 * @module
 */

/** The time-val an MFMT reply states (`213 Modify=20250601120000; /a.txt`), or undefined. */
export function statedModify(reply: string): string | undefined {
  return /^213 Modify=(\d{14})(?:\.\d+)?;/.exec(reply)?.[1];
}

/** Set times trusted without a read-back: 1980-01-01 to 2038-01-01 UTC (ms). */
const PLAIN_DATES_MS = { from: Date.UTC(1980, 0, 1), to: Date.UTC(2038, 0, 1) };

/**
 * One connection's record of its last successful `setMtime` and of the read-backs so far. Trust
 * needs at least two read-backs equal to the value set, one of them with odd seconds (a server
 * keeping 2-second or minute steps fails that); one read-back that differs ends it for good.
 */
export class SetMtimeTrust {
  /** The last `setMtime` that succeeded: server path, value set, value the reply stated. */
  #last: { path: string; ms: number; stated: number | undefined } | undefined;
  #matches = { all: 0, odd: 0 };
  #mismatch = false;

  /** Forgets the last set (call before each `setMtime`). */
  clear(): void {
    this.#last = undefined;
  }

  /**
   * Records a successful set of `setMs` (UTC, whole seconds) on `serverPath`; `statedMs` is the
   * time the server's reply stated it keeps (MFMT: `213 Modify=YYYYMMDDHHMMSS; path`, RFC draft
   * somers-ftp-mfxx; see {@linkcode statedModify}), already in UTC. Dates outside 1980-2037 are
   * never trusted (32-bit time_t, FAT epochs).
   */
  recordSet(serverPath: string, setMs: number, statedMs: number | undefined): void {
    if (setMs < PLAIN_DATES_MS.from || setMs >= PLAIN_DATES_MS.to) return;
    this.#last = { path: serverPath, ms: setMs, stated: statedMs };
  }

  /** Compares an MDTM read of `serverPath` (UTC) with the value just set there. */
  readBack(serverPath: string, ms: number): void {
    const last = this.#last;
    if (last === undefined || last.path !== serverPath || last.stated !== undefined) return;
    this.#last = undefined;
    if (ms !== last.ms) {
      this.#mismatch = true;
      return;
    }
    this.#matches.all++;
    if ((last.ms / 1000) % 2 === 1) this.#matches.odd++;
  }

  /** The time the server keeps for `serverPath` after the last set, when known; else undefined. */
  stored(serverPath: string): number | undefined {
    const last = this.#last;
    if (last === undefined || last.path !== serverPath) return undefined;
    if (last.stated !== undefined) return last.stated;
    const trusted = !this.#mismatch && this.#matches.all >= 2 && this.#matches.odd >= 1;
    return trusted ? last.ms : undefined;
  }
}
