import assert from "node:assert/strict";
import { join } from "node:path";
import { Debouncer, isTemporaryPath, localWrites, watchLocalDir } from "./watcher.ts";
import type { Action } from "./types.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("Debouncer fires after changes settle", async () => {
  const batches: string[][] = [];
  const d = new Debouncer((paths) => batches.push(paths), { settleMs: 40, maxDelayMs: 1000 });
  d.add(["a"]);
  await sleep(15);
  d.add(["b", "a"]);
  await sleep(15);
  assert.deepEqual(batches, []);
  await sleep(60);
  assert.deepEqual(batches, [["a", "b"]]);
  d.close();
});

Deno.test("Debouncer fires at the max delay while changes go on", async () => {
  const batches: string[][] = [];
  const d = new Debouncer((paths) => batches.push(paths), { settleMs: 40, maxDelayMs: 120 });
  const started = Date.now();
  // Changes keep coming every 10 ms, so only the max delay can fire it; the loop gives up
  // after 1 s. The upper bound is loose: timers run late on a loaded 2-core machine.
  while (Date.now() - started < 1000 && batches.length === 0) {
    d.add([`f${Date.now()}`]);
    await sleep(10);
  }
  const elapsed = Date.now() - started;
  assert.equal(batches.length, 1);
  assert.ok(elapsed >= 110 && elapsed < 600, `fired after ${elapsed} ms`);
  d.close();
});

Deno.test("Debouncer ignores an empty add and close drops pending paths", async () => {
  const batches: string[][] = [];
  const d = new Debouncer((paths) => batches.push(paths), { settleMs: 10, maxDelayMs: 50 });
  d.add([]);
  d.add(["x"]);
  assert.equal(d.pending, 1);
  d.close();
  await sleep(60);
  assert.deepEqual(batches, []);
});

Deno.test("localWrites() lists the local paths a plan writes, with their ancestors", () => {
  const base = { reason: "" };
  const actions: Action[] = [
    { ...base, type: "download", path: "a/b/c.txt" },
    { ...base, type: "upload", path: "up.txt" },
    { ...base, type: "deleteLocal", path: "old", kind: "file" },
    {
      ...base,
      type: "keepBoth",
      path: "k.txt",
      winner: "local",
      loserPath: "k.conflict-x-remote.txt",
    },
    { ...base, type: "mkdirRemote", path: "rdir" },
  ];
  assert.deepEqual(
    [...localWrites(actions)].sort(),
    ["a", "a/b", "a/b/c.txt", "k.conflict-x-remote.txt", "k.txt", "old"],
  );
});

Deno.test("isTemporaryPath() spots ftp-clone's temporary names", () => {
  assert.equal(isTemporaryPath("d/.ftp-clone.down.0123456789ab.x.txt.part"), true);
  assert.equal(isTemporaryPath("d/x.txt"), false);
});

Deno.test("watchLocalDir() batches real changes and drops the pass's own writes", async () => {
  const root = await Deno.makeTempDir({ prefix: "watch-" });
  const batches: string[][] = [];
  const watcher = watchLocalDir(root, {
    onBatch: (paths) => batches.push(paths.sort()),
    settleMs: 100,
    maxDelayMs: 1000,
    graceMs: 300,
  });
  try {
    await Deno.writeTextFile(join(root, "user.txt"), "1");
    await Deno.writeTextFile(join(root, ".ftp-clone.down.0123456789ab.t.part"), "x");
    await sleep(400);
    assert.deepEqual(batches, [["user.txt"]]);

    // A pass: it writes own.txt; the user writes mine.txt meanwhile.
    watcher.hold();
    await Deno.writeTextFile(join(root, "own.txt"), "2");
    await Deno.writeTextFile(join(root, "mine.txt"), "3");
    await sleep(300);
    assert.equal(batches.length, 1, "nothing fires during the pass");
    watcher.release(new Set(["own.txt"]));
    await sleep(400);
    assert.deepEqual(batches[1], ["mine.txt"]);
    assert.equal(batches.length, 2);
    assert.equal(watcher.active, true);
  } finally {
    watcher.close();
    await Deno.remove(root, { recursive: true });
  }
  assert.equal(watcher.active, false);
});

Deno.test("watchLocalDir() throws for a missing directory", () => {
  assert.throws(
    () => watchLocalDir("/nonexistent/dir", { onBatch: () => {} }),
    Deno.errors.NotFound,
  );
});
