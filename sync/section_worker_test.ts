import assert from "node:assert/strict";
import type { SectionConfig } from "../config/mod.ts";
import type { PassOutcome } from "./pass.ts";
import { Semaphore } from "./semaphore.ts";
import { SectionWorker, type SectionWorkerOptions } from "./section_worker.ts";
import { FakeClock } from "../tests/support/fake_clock.ts";
import { FakeWatchFs } from "../tests/support/fake_watch_fs.ts";
import { testSection } from "../tests/support/section_config.ts";

const MINUTE_MS = 60_000;

function section(localDir: string): SectionConfig {
  return testSection({ concurrentConnections: 1, remoteDir: "/", localDir, identifier: "id" });
}

function okOutcome(written: string[] = []): PassOutcome {
  return {
    report: {
      section: "FTP1",
      identifier: "id",
      startedAt: "",
      finishedAt: "",
      outcome: "ok",
      uploaded: 0,
      downloaded: 0,
      deletedLocal: 0,
      deletedRemote: 0,
      conflicts: 0,
      bytes: 0,
      errors: [],
    },
    plan: {
      actions: written.map((path) => ({ type: "download", path, reason: "" })),
      deletes: { local: 0, remote: 0 },
      conflicts: 0,
    },
  };
}

function worker(
  overrides: Partial<SectionWorkerOptions>,
  signal: AbortSignal,
  clock: FakeClock,
): SectionWorker {
  return new SectionWorker({
    section: section("/nonexistent"),
    waitMinutes: 10,
    watch: false,
    pass: () => Promise.resolve(okOutcome()),
    semaphore: new Semaphore(1),
    signal,
    clock,
    ...overrides,
  });
}

Deno.test("SectionWorker: a pass every ServiceWait, counted from the previous pass's start", async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const starts: number[] = [];
  const t0 = clock.now();
  const w = worker(
    {
      pass: async () => {
        starts.push(clock.now() - t0);
        await clock.sleep(MINUTE_MS);
        return okOutcome();
      },
    },
    controller.signal,
    clock,
  );
  const done = w.run();
  await clock.advance(35 * MINUTE_MS);
  assert.deepEqual(starts, [0, 10, 20, 30].map((m) => m * MINUTE_MS));
  controller.abort();
  await done;
});

Deno.test("SectionWorker: update() with a shorter ServiceWait takes effect at once", async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  let passes = 0;
  const w = worker(
    { pass: () => (passes++, Promise.resolve(okOutcome())) },
    controller.signal,
    clock,
  );
  const done = w.run();
  await clock.advance(2 * MINUTE_MS);
  assert.equal(passes, 1);
  // The loop sleeps until 10 min; the new ServiceWait of 3 min counts from the first pass.
  w.update(section("/nonexistent"), { waitMinutes: 3, watch: false });
  await clock.advance(MINUTE_MS - 1);
  assert.equal(passes, 1);
  await clock.advance(1);
  assert.equal(passes, 2);
  controller.abort();
  await done;
});

Deno.test("SectionWorker: purges the trash when a day went by without a pass", async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const purged: number[] = [];
  const t0 = clock.now();
  const w = worker(
    {
      waitMinutes: 3 * 24 * 60,
      purge: () => (purged.push(clock.now() - t0), Promise.resolve()),
    },
    controller.signal,
    clock,
  );
  const done = w.run();
  const day = 24 * 60 * MINUTE_MS;
  await clock.advance(day - 1);
  assert.deepEqual(purged, [], "the first pass (at 0) counts as a purge");
  await clock.advance(day + 1);
  assert.deepEqual(purged, [day, 2 * day]);
  controller.abort();
  await done;
});

Deno.test("SectionWorker: stop() ends the loop and aborts the running pass", async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  let aborted = false;
  let started = false;
  const w = worker(
    {
      pass: (_s, request) =>
        new Promise((resolve) => {
          started = true;
          request.signal.addEventListener("abort", () => {
            aborted = true;
            resolve(okOutcome());
          });
        }),
    },
    controller.signal,
    clock,
  );
  const done = w.run();
  await clock.advance(0);
  assert.ok(started);
  await w.stop();
  await done;
  assert.ok(aborted);
  assert.equal(controller.signal.aborted, false, "only this worker stopped");
});

Deno.test("SectionWorker: a local change starts a pass; the pass's own writes do not", async () => {
  const clock = new FakeClock();
  const fs = new FakeWatchFs();
  const controller = new AbortController();
  let passes = 0;
  const w = worker(
    {
      section: section("/l"),
      watch: true,
      watchFs: fs.watchFs,
      debounce: { settleMs: 2000, maxDelayMs: 10_000, graceMs: 1500 },
      pass: async () => {
        passes++;
        // The pass "downloads" a file: an event the watcher must not count.
        fs.emit("create", `own${passes}.txt`);
        await clock.sleep(1000);
        return okOutcome([`own${passes}.txt`]);
      },
    },
    controller.signal,
    clock,
  );
  const done = w.run();
  try {
    await clock.advance(MINUTE_MS);
    assert.equal(passes, 1, "no pass from the first pass's own write");
    fs.emit("create", "user.txt");
    await clock.advance(1999);
    assert.equal(passes, 1, "the change is batched for 2 s");
    await clock.advance(1);
    assert.equal(passes, 2, "the user's change started a pass");
    await clock.advance(MINUTE_MS);
    assert.equal(passes, 2);
  } finally {
    controller.abort();
    await done;
  }
  assert.equal(fs.open, 0, "the watch was closed with the loop");
});
