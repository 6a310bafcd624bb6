/**
 * Watching Local_dir for changes (`Watch = yes`): Deno.watchFs events, debounced into batches.
 * A batch fires about 2 s after the changes settle, and at most about 10 s after its first event
 * while changes go on (Syncthing's notifyDelay / notifyTimeout).
 *
 * The pass's own writes must not start another pass. While a pass runs the watcher is held: its
 * events are buffered; when the pass ends, `release(ownPaths)` drops the buffered paths that the
 * pass itself wrote (and, for a short grace period, late events for them) and debounces the rest.
 * ftp-clone's temporary names (`.ftp-clone.*`) and access events are always ignored.
 * @module
 */
import { relative, sep } from "node:path";
import { type Clock, systemClock, type TimerId } from "./clock.ts";
import { isTemporaryName } from "./exclude.ts";
import type { Action } from "./types.ts";

/** Timing of a {@linkcode Debouncer}, in ms. */
export interface DebounceTiming {
  /** Quiet time after the last event before a batch fires. @default {2000} */
  settleMs?: number;
  /** Most time from a batch's first event to its firing. @default {10000} */
  maxDelayMs?: number;
  /** @default {systemClock} */
  clock?: Clock;
}

/** Collects paths and hands them over in batches (see the module doc for the timing). */
export class Debouncer {
  readonly #onBatch: (paths: string[]) => void;
  readonly #settleMs: number;
  readonly #maxDelayMs: number;
  readonly #clock: Clock;
  #pending = new Set<string>();
  #settleTimer: TimerId | undefined;
  #maxTimer: TimerId | undefined;

  /** `onBatch` receives each batch's distinct paths. */
  constructor(onBatch: (paths: string[]) => void, timing: DebounceTiming = {}) {
    this.#onBatch = onBatch;
    this.#settleMs = timing.settleMs ?? 2000;
    this.#maxDelayMs = timing.maxDelayMs ?? 10_000;
    this.#clock = timing.clock ?? systemClock;
  }

  /** Paths waiting for the next batch. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Adds changed paths: (re)starts the settle timer, and the max-delay timer on a first event. */
  add(paths: Iterable<string>): void {
    let added = false;
    for (const path of paths) {
      this.#pending.add(path);
      added = true;
    }
    if (!added) return;
    this.#clock.clearTimeout(this.#settleTimer);
    this.#settleTimer = this.#clock.setTimeout(() => this.#fire(), this.#settleMs);
    this.#maxTimer ??= this.#clock.setTimeout(() => this.#fire(), this.#maxDelayMs);
  }

  /** Drops pending paths and timers. */
  close(): void {
    this.#clearTimers();
    this.#pending.clear();
  }

  #clearTimers(): void {
    this.#clock.clearTimeout(this.#settleTimer);
    this.#clock.clearTimeout(this.#maxTimer);
    this.#settleTimer = undefined;
    this.#maxTimer = undefined;
  }

  #fire(): void {
    this.#clearTimers();
    const paths = [...this.#pending];
    this.#pending.clear();
    if (paths.length > 0) this.#onBatch(paths);
  }
}

/**
 * The local paths (relative, "/"-separated) that a plan's actions write, with their ancestor
 * directories: events for them during the pass are the pass's own.
 */
export function localWrites(actions: readonly Action[]): Set<string> {
  const paths = new Set<string>();
  const add = (path: string): void => {
    for (let p = path; p !== "" && !paths.has(p); p = p.slice(0, Math.max(0, p.lastIndexOf("/")))) {
      paths.add(p);
    }
  };
  for (const action of actions) {
    switch (action.type) {
      case "download":
      case "mkdirLocal":
      case "deleteLocal":
        add(action.path);
        break;
      case "keepBoth":
        add(action.path);
        add(action.loserPath);
        break;
      default:
        break;
    }
  }
  return paths;
}

/** Whether a relative path is, or lies inside, one of ftp-clone's temporary names. */
export function isTemporaryPath(relPath: string): boolean {
  return relPath.split("/").some(isTemporaryName);
}

/** Starts watching a directory tree recursively: `Deno.watchFs` unless a test passes a fake. */
export type WatchFs = (root: string) => AsyncIterable<Deno.FsEvent> & { close(): void };

/** Options of {@linkcode watchLocalDir}. */
export interface WatchOptions extends DebounceTiming {
  /** Receives each batch of changed relative paths. */
  onBatch: (paths: string[]) => void;
  /** The watch failed (e.g. Local_dir was removed); the watcher is then closed. */
  onError?: (error: Error) => void;
  /** How long after `release` late events for the pass's own paths are still dropped. @default {1500} */
  graceMs?: number;
  /** @default {Deno.watchFs, recursive} */
  watchFs?: WatchFs;
}

/** A running watch on one directory tree. */
export interface LocalWatcher {
  /** Buffers events from now on (a pass starts). */
  hold(): void;
  /** Ends a hold: buffered paths not in `ownPaths` go on to the debouncer. */
  release(ownPaths: ReadonlySet<string>): void;
  /** Whether the watch still runs (false after an error or close). */
  readonly active: boolean;
  /** Stops watching. */
  close(): void;
}

/**
 * Watches `root` recursively. Throws when the directory cannot be watched (it does not exist, or
 * the inotify limits are reached).
 */
export function watchLocalDir(root: string, options: WatchOptions): LocalWatcher {
  const fsWatcher = (options.watchFs ?? ((dir) => Deno.watchFs(dir, { recursive: true })))(root);
  const clock = options.clock ?? systemClock;
  const debouncer = new Debouncer(options.onBatch, options);
  const graceMs = options.graceMs ?? 1500;
  let held: Set<string> | undefined;
  let own: ReadonlySet<string> = new Set();
  let ownUntil = 0;
  let active = true;

  const toRelative = (path: string): string | undefined => {
    const rel = relative(root, path);
    if (rel === "" || rel.startsWith("..")) return undefined;
    return sep === "/" ? rel : rel.split(sep).join("/");
  };

  (async () => {
    try {
      for await (const event of fsWatcher) {
        if (event.kind === "access") continue;
        const paths: string[] = [];
        for (const path of event.paths) {
          const rel = toRelative(path);
          if (rel === undefined || isTemporaryPath(rel)) continue;
          if (held === undefined && clock.now() < ownUntil && own.has(rel)) continue;
          paths.push(rel);
        }
        if (paths.length === 0) continue;
        if (held !== undefined) { for (const path of paths) held.add(path); }
        else debouncer.add(paths);
      }
    } catch (error) {
      if (active) options.onError?.(error as Error);
    } finally {
      active = false;
      debouncer.close();
    }
  })();

  return {
    hold() {
      held ??= new Set();
    },
    release(ownPaths) {
      const buffered = held ?? new Set<string>();
      held = undefined;
      own = ownPaths;
      ownUntil = clock.now() + graceMs;
      debouncer.add([...buffered].filter((path) => !ownPaths.has(path)));
    },
    get active() {
      return active;
    },
    close() {
      if (!active) return;
      active = false;
      debouncer.close();
      try {
        fsWatcher.close();
      } catch {
        // already closed
      }
    },
  };
}
