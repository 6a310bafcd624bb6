/**
 * A fake `WatchFs` (sync/watcher.ts): the test hands file system events to the watchers it
 * started, as inotify would, so that what the watcher does with them does not depend on when
 * the kernel delivers real ones.
 * @module
 */
import type { WatchFs } from "../../sync/watcher.ts";

/** One watch started through {@linkcode FakeWatchFs.watchFs}. */
class FakeWatch implements AsyncIterable<Deno.FsEvent> {
  #queue: Deno.FsEvent[] = [];
  #wake: (() => void) | undefined;
  closed = false;

  constructor(readonly root: string) {}

  push(event: Deno.FsEvent): void {
    this.#queue.push(event);
    this.#wake?.();
  }

  close(): void {
    this.closed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Deno.FsEvent> {
    for (;;) {
      const event = this.#queue.shift();
      if (event !== undefined) {
        yield event;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
  }
}

/** Starts fake watches and feeds them events. */
export class FakeWatchFs {
  readonly watches: FakeWatch[] = [];

  /** Pass this as the `watchFs` option. */
  readonly watchFs: WatchFs = (root) => {
    const watch = new FakeWatch(root);
    this.watches.push(watch);
    return watch;
  };

  /** The watches not closed yet. */
  get open(): number {
    return this.watches.filter((watch) => !watch.closed).length;
  }

  /** An event for `relPaths` (relative to each open watch's root) to every open watch. */
  emit(kind: Deno.FsEvent["kind"], ...relPaths: string[]): void {
    for (const watch of this.watches) {
      if (!watch.closed) watch.push({ kind, paths: relPaths.map((p) => `${watch.root}/${p}`) });
    }
  }
}
