/**
 * One section in the service: a single loop over its triggers (the poll timer, local change
 * batches, a reload, stop), so that a section never runs two passes at once (Syncthing's
 * `folder.Serve`). The timer counts ServiceWait minutes from the start of the previous pass; a
 * failed pass is simply retried at the next tick. Passes of all sections share a semaphore of
 * ConcurrentSynchronisations slots.
 *
 * A failing section says so once ("is failing"), its repeated errors are held back by the
 * service's `RepeatGate` (repeat_gate.ts) (told where each pass starts and ends), and one line says when
 * it recovers.
 * @module
 */
import { getLogger, type Logger } from "@logtape/logtape";
import type { SectionConfig } from "../config/mod.ts";
import { type Clock, systemClock, type TimerId } from "./clock.ts";
import type { ExecuteProgress } from "./execute.ts";
import type { PassOutcome } from "./pass.ts";
import type { Semaphore } from "./semaphore.ts";
import {
  type LocalWatcher,
  localWrites,
  type WatchFs,
  watchLocalDir,
  type WatchOptions,
} from "./watcher.ts";

/** What a worker hands to its pass function. */
export interface PassRequest {
  /** Aborts when the service (or this section) stops: the pass ends at a safe point. */
  signal: AbortSignal;
  onProgress: (progress: ExecuteProgress) => void;
}

/** Where each pass of a section starts and ends, for the service's repeated-error gate. */
export interface PassMarks {
  passStarted(section: string): void;
  passEnded(section: string): void;
}

/** Runs one pass of a section (the service wraps `runPass` with a pool and the identifier). */
export type SectionPass = (section: SectionConfig, request: PassRequest) => Promise<PassOutcome>;

/** The per-section settings a reload may change. */
export interface WorkerSettings {
  /** ServiceWait, minutes (decimals allowed). */
  waitMinutes: number;
  /** Watch Local_dir for changes. */
  watch: boolean;
}

/** Options of {@linkcode SectionWorker}. */
export interface SectionWorkerOptions extends WorkerSettings {
  section: SectionConfig;
  pass: SectionPass;
  semaphore: Semaphore;
  /** The service's stop signal. */
  signal: AbortSignal;
  /** Told after each pass: its outcome, or the error it threw. */
  onOutcome?: (section: SectionConfig, outcome: PassOutcome | Error) => void;
  /** Purges the section's trash; called when a day went by without a pass that did it. */
  purge?: (section: SectionConfig) => Promise<void>;
  /** A progress line this often during a pass, ms (25 s: "at least every 30 s" with margin). @default {25000} */
  progressIntervalMs?: number;
  /** How often the trash is purged, ms. @default {one day} */
  purgeIntervalMs?: number;
  /** Watch batching. */
  debounce?: Pick<WatchOptions, "settleMs" | "maxDelayMs" | "graceMs">;
  /** @default {Deno.watchFs} */
  watchFs?: WatchFs;
  /** The timer, the purge period, progress lines and watch batching run on it. @default {systemClock} */
  clock?: Clock;
  /** Told where each pass starts and ends (the service's `RepeatGate` (repeat_gate.ts)). */
  marks?: PassMarks;
}

const DAY_MS = 86_400_000;
/** setTimeout's limit (about 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The loop of one section; `run()` resolves once it stopped. */
export class SectionWorker {
  #section: SectionConfig;
  #settings: WorkerSettings;
  readonly #options: SectionWorkerOptions;
  readonly #controller = new AbortController();
  readonly #log: Logger;
  readonly #clock: Clock;
  #watcher: LocalWatcher | undefined;
  #watchError: string | undefined;
  #watchPending = false;
  #lastStartMs = Number.NEGATIVE_INFINITY;
  #lastPurgeMs: number;
  #wake: (() => void) | undefined;
  #running: Promise<void> | undefined;
  /** Failed passes in a row, and when the first of them started (ms). */
  #failedPasses = 0;
  #failingSinceMs = 0;

  /** A worker for `options.section`; nothing runs before `run()`. */
  constructor(options: SectionWorkerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#lastPurgeMs = this.#clock.now();
    this.#section = options.section;
    this.#settings = { waitMinutes: options.waitMinutes, watch: options.watch };
    this.#log = getLogger(["ftp-clone", options.section.name]);
    const onAbort = (): void => this.#controller.abort(options.signal.reason);
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener("abort", onAbort, { once: true });
  }

  /** The section's name. */
  get name(): string {
    return this.#section.name;
  }

  /** Runs the loop until stop; the first pass starts at once. */
  run(): Promise<void> {
    this.#running ??= this.#loop();
    return this.#running;
  }

  /** A reload: the next pass uses `section`; the timer and the watch follow `settings` at once. */
  update(section: SectionConfig, settings: WorkerSettings): void {
    const rewatch = section.localDir !== this.#section.localDir ||
      settings.watch !== this.#settings.watch;
    this.#section = section;
    this.#settings = settings;
    if (rewatch) {
      this.#closeWatcher();
      this.#ensureWatcher();
    }
    this.#wake?.();
  }

  /** Stops this section only (removed by a reload): aborts its pass; resolves once it ended. */
  stop(): Promise<void> {
    this.#controller.abort(new Error(`Section "${this.#section.name}" was removed`));
    this.#wake?.();
    return this.#running ?? Promise.resolve();
  }

  async #loop(): Promise<void> {
    const signal = this.#controller.signal;
    const onAbort = (): void => this.#wake?.();
    signal.addEventListener("abort", onAbort);
    this.#ensureWatcher();
    try {
      for (;;) {
        const trigger = await this.#nextTrigger();
        if (trigger === "stop") return;
        if (trigger === "purge") {
          await this.#purge();
          continue;
        }
        this.#log.debug("Pass of section {section} starts ({trigger})", {
          section: this.#section.name,
          trigger,
        });
        await this.#runPass();
        this.#ensureWatcher();
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#closeWatcher();
    }
  }

  /** Waits for the next reason to act. */
  async #nextTrigger(): Promise<"timer" | "watch" | "purge" | "stop"> {
    for (;;) {
      if (this.#controller.signal.aborted) return "stop";
      if (this.#watchPending) {
        this.#watchPending = false;
        return "watch";
      }
      const now = this.#clock.now();
      const dueMs = this.#lastStartMs + this.#settings.waitMinutes * 60_000;
      if (now >= dueMs) return "timer";
      const purgeMs = this.#lastPurgeMs + (this.#options.purgeIntervalMs ?? DAY_MS);
      if (this.#options.purge !== undefined && now >= purgeMs) return "purge";
      const delay = Math.min(dueMs, this.#options.purge === undefined ? dueMs : purgeMs) - now;
      let timer: TimerId | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = this.#clock.setTimeout(resolve, Math.min(Math.max(0, delay), MAX_TIMEOUT_MS));
      });
      this.#clock.clearTimeout(timer);
      this.#wake = undefined;
    }
  }

  async #runPass(): Promise<void> {
    const signal = this.#controller.signal;
    try {
      await this.#options.semaphore.acquire(signal);
    } catch {
      return; // stopped while waiting for a slot
    }
    const section = this.#section;
    const startedMs = this.#clock.now();
    this.#lastStartMs = startedMs;
    this.#watcher?.hold();
    this.#options.marks?.passStarted(section.name);
    let latest: ExecuteProgress | undefined;
    const progressTimer = this.#clock.setInterval(() => {
      const seconds = Math.round((this.#clock.now() - startedMs) / 1000);
      if (latest === undefined) {
        this.#log.info("Pass running for {seconds} s: listing and planning", { seconds });
        return;
      }
      this.#log.info(
        "Pass running for {seconds} s: {filesDone}/{filesTotal} files, " +
          "{bytesDone}/{bytesTotal} bytes done",
        { seconds, ...latest },
      );
    }, this.#options.progressIntervalMs ?? 25_000);
    let outcome: PassOutcome | Error;
    try {
      outcome = await this.#options.pass(section, {
        signal,
        onProgress: (progress) => latest = progress,
      });
    } catch (error) {
      outcome = error instanceof Error ? error : new Error(String(error));
    } finally {
      this.#clock.clearInterval(progressTimer);
      this.#options.semaphore.release();
    }
    this.#watcher?.release(
      outcome instanceof Error ? new Set() : localWrites(outcome.plan.actions),
    );
    if (!(outcome instanceof Error)) this.#lastPurgeMs = this.#clock.now();
    // A thrown error is logged nowhere else; a failed pass logged each of its errors already
    // (the executor per file, the pass for the rest), so they are not repeated here.
    if (outcome instanceof Error) {
      this.#log.error("Pass of section {section} failed: {error}", {
        section: section.name,
        error: outcome.message,
      });
    }
    this.#options.marks?.passEnded(section.name);
    this.#trackFailures(section, outcome, startedMs);
    this.#options.onOutcome?.(section, outcome);
  }

  /** Says once that the section is failing, and once that it recovered. */
  #trackFailures(section: SectionConfig, outcome: PassOutcome | Error, startedMs: number): void {
    const stopped = this.#controller.signal.aborted;
    const failed = outcome instanceof Error || (outcome.report.outcome !== "ok" && !stopped);
    if (failed) {
      if (this.#failedPasses === 0) {
        this.#failingSinceMs = startedMs;
        this.#log.warn(
          "Section {section} is failing: it is retried every {minutes} min; an error that " +
            "repeats is logged again after 1 h, then at growing intervals, and a line says when " +
            "the section recovers",
          { section: section.name, minutes: this.#settings.waitMinutes },
        );
      }
      this.#failedPasses++;
      return;
    }
    if (outcome instanceof Error || outcome.report.outcome !== "ok" || this.#failedPasses === 0) {
      return;
    }
    this.#log.info(
      "Section {section} recovered: pass ok after {count} failed pass(es) since {since}",
      {
        section: section.name,
        count: this.#failedPasses,
        since: new Date(this.#failingSinceMs).toISOString().replace(/\.\d+Z$/, "Z"),
      },
    );
    this.#failedPasses = 0;
  }

  async #purge(): Promise<void> {
    this.#lastPurgeMs = this.#clock.now();
    try {
      await this.#options.purge?.(this.#section);
    } catch (error) {
      this.#log.warn("Cannot purge the trash of section {section}: {error}", {
        section: this.#section.name,
        error: (error as Error).message,
      });
    }
  }

  #ensureWatcher(): void {
    if (!this.#settings.watch || this.#controller.signal.aborted) return;
    if (this.#watcher?.active) return;
    const localDir = this.#section.localDir;
    try {
      this.#watcher = watchLocalDir(localDir, {
        ...this.#options.debounce,
        clock: this.#clock,
        ...(this.#options.watchFs === undefined ? {} : { watchFs: this.#options.watchFs }),
        onBatch: (paths) => {
          this.#log.debug("{count} local change(s), e.g. {path}", {
            count: paths.length,
            path: paths[0] ?? "",
          });
          this.#watchPending = true;
          this.#wake?.();
        },
        onError: (error) => {
          this.#log.warn("Stopped watching {localDir}: {error}", {
            localDir,
            error: error.message,
          });
        },
      });
      this.#watchError = undefined;
    } catch (error) {
      const message = (error as Error).message;
      // Said once, not at every pass: the timer still picks the changes up.
      if (message !== this.#watchError) {
        this.#log.warn(
          "Cannot watch {localDir}: {error}; local changes are picked up every {minutes} min",
          { localDir, error: message, minutes: this.#settings.waitMinutes },
        );
      }
      this.#watchError = message;
    }
  }

  #closeWatcher(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}
