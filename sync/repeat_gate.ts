/**
 * Keeps a failing section from repeating the same warning or error at every pass (about 180 times
 * a day at the default ServiceWait): a message is written the first time, then dropped while it
 * repeats, except for a reminder after 1 h, 2 h, 4 h... (the interval doubles up to a day), which
 * says how often it happened since when. A message that a whole pass of its section did not
 * repeat is forgotten: if it comes back, it is written again at once.
 *
 * Only the service uses it (a `sync` runs one pass): `cmd_service.ts` puts {@linkcode RepeatGate.admit}
 * between the loggers and the journal, and the section workers mark their passes.
 * @module
 */

/** What the gate sees of a log record. */
export interface GatedRecord {
  level: string;
  /** The section the record is about; records of no section are never held back. */
  section: string | undefined;
  /** The rendered message. */
  message: string;
}

/** Options of {@linkcode RepeatGate}. */
export interface RepeatGateOptions {
  /** @default {Date.now} */
  now?: () => number;
  /** The first reminder after this many ms. @default {3_600_000} (1 h) */
  firstReminderMs?: number;
  /** Reminders never further apart than this many ms. @default {86_400_000} (1 day) */
  maxReminderMs?: number;
}

interface Seen {
  firstMs: number;
  count: number;
  nextMs: number;
  intervalMs: number;
  /** Seen during the current pass of its section. */
  again: boolean;
}

const GATED_LEVELS = new Set(["warning", "error", "fatal"]);

/** See the module documentation. */
export class RepeatGate {
  readonly #now: () => number;
  readonly #firstMs: number;
  readonly #maxMs: number;
  /** section -> message -> what was seen. */
  readonly #seen = new Map<string, Map<string, Seen>>();

  constructor(options: RepeatGateOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#firstMs = options.firstReminderMs ?? 3_600_000;
    this.#maxMs = options.maxReminderMs ?? 86_400_000;
  }

  /** The message to write for `record` (a reminder carries a suffix), or undefined to drop it. */
  admit(record: GatedRecord): string | undefined {
    if (record.section === undefined || !GATED_LEVELS.has(record.level)) return record.message;
    const key = record.section.toUpperCase();
    let messages = this.#seen.get(key);
    if (messages === undefined) this.#seen.set(key, messages = new Map());
    const now = this.#now();
    const seen = messages.get(record.message);
    if (seen === undefined) {
      messages.set(record.message, {
        firstMs: now,
        count: 1,
        nextMs: now + this.#firstMs,
        intervalMs: this.#firstMs,
        again: true,
      });
      return record.message;
    }
    seen.count++;
    seen.again = true;
    if (now < seen.nextMs) return undefined;
    seen.intervalMs = Math.min(seen.intervalMs * 2, this.#maxMs);
    seen.nextMs = now + seen.intervalMs;
    const since = new Date(seen.firstMs).toISOString().replace(/\.\d+Z$/, "Z");
    return `${record.message} (still happening: ${seen.count} times since ${since})`;
  }

  /** A pass of `section` starts: what it does not repeat is forgotten when it ends. */
  passStarted(section: string): void {
    for (const seen of this.#seen.get(section.toUpperCase())?.values() ?? []) seen.again = false;
  }

  /** A pass of `section` ended: the messages it did not repeat are forgotten. */
  passEnded(section: string): void {
    const messages = this.#seen.get(section.toUpperCase());
    if (messages === undefined) return;
    for (const [message, seen] of messages) {
      if (!seen.again) messages.delete(message);
    }
  }
}
