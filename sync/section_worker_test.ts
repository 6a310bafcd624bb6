import assert from "node:assert/strict";
import { join } from "node:path";
import type { SectionConfig } from "../config/mod.ts";
import type { PassOutcome } from "./pass.ts";
import { Semaphore } from "./semaphore.ts";
import { SectionWorker, type SectionWorkerOptions } from "./section_worker.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function section(localDir: string): SectionConfig {
  return {
    name: "FTP1",
    line: 1,
    server: "127.0.0.1",
    type: "ftp",
    port: 21,
    user: "u",
    password: "",
    concurrentConnections: 1,
    remoteDir: "/",
    localDir,
    linuxChmod: [],
    identifier: "id",
    tlsVerify: true,
    direction: "both",
    exclude: [],
    maxDeletePercent: 50,
    keepDeletedDays: 30,
    serverTime: { mode: "auto" },
    verifyEveryMs: 86_400_000,
  };
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

function worker(overrides: Partial<SectionWorkerOptions>, signal: AbortSignal): SectionWorker {
  return new SectionWorker({
    section: section("/nonexistent"),
    waitMinutes: 10,
    watch: false,
    pass: () => Promise.resolve(okOutcome()),
    semaphore: new Semaphore(1),
    signal,
    ...overrides,
  });
}

Deno.test("SectionWorker: update() with a shorter ServiceWait takes effect at once", async () => {
  const controller = new AbortController();
  let passes = 0;
  const w = worker({ pass: () => (passes++, Promise.resolve(okOutcome())) }, controller.signal);
  const done = w.run();
  await sleep(50);
  assert.equal(passes, 1);
  w.update(section("/nonexistent"), { waitMinutes: 0.001, watch: false });
  await sleep(200);
  assert.ok(passes >= 2, `${passes} passes`);
  controller.abort();
  await done;
});

Deno.test("SectionWorker: purges the trash when a day went by without a pass", async () => {
  const controller = new AbortController();
  const purged: string[] = [];
  const w = worker({
    purgeIntervalMs: 60,
    purge: (s) => (purged.push(s.name), Promise.resolve()),
  }, controller.signal);
  const done = w.run();
  await sleep(200);
  controller.abort();
  await done;
  assert.ok(purged.length >= 2, `${purged.length} purges`);
});

Deno.test("SectionWorker: stop() ends the loop and aborts the running pass", async () => {
  const controller = new AbortController();
  let aborted = false;
  const w = worker({
    pass: (_s, request) =>
      new Promise((resolve) =>
        request.signal.addEventListener("abort", () => {
          aborted = true;
          resolve(okOutcome());
        })
      ),
  }, controller.signal);
  const done = w.run();
  await sleep(30);
  await w.stop();
  await done;
  assert.ok(aborted);
  assert.equal(controller.signal.aborted, false, "only this worker stopped");
});

Deno.test("SectionWorker: a local change starts a pass; the pass's own writes do not", async () => {
  const root = await Deno.makeTempDir({ prefix: "worker-watch-" });
  const controller = new AbortController();
  let passes = 0;
  const w = worker({
    section: section(root),
    watch: true,
    debounce: { settleMs: 50, maxDelayMs: 500, graceMs: 300 },
    pass: async () => {
      passes++;
      // The pass "downloads" a file: an event the watcher must not count.
      await Deno.writeTextFile(join(root, `own${passes}.txt`), "x");
      await sleep(20);
      return okOutcome([`own${passes}.txt`]);
    },
  }, controller.signal);
  const done = w.run();
  try {
    await sleep(300);
    assert.equal(passes, 1, "no pass from the first pass's own write");
    await Deno.writeTextFile(join(root, "user.txt"), "u");
    await sleep(300);
    assert.equal(passes, 2, "the user's change started a pass");
    await sleep(300);
    assert.equal(passes, 2);
  } finally {
    controller.abort();
    await done;
    await Deno.remove(root, { recursive: true });
  }
});
