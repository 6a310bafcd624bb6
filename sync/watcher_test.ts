import assert from "node:assert/strict";
import { join } from "node:path";
import { Debouncer, isTemporaryPath, localWrites, watchLocalDir } from "./watcher.ts";
import type { Action } from "./types.ts";
import { FakeClock } from "../tests/support/fake_clock.ts";
import { FakeWatchFs } from "../tests/support/fake_watch_fs.ts";

Deno.test("Debouncer fires after changes settle", async () => {
  const clock = new FakeClock();
  const batches: string[][] = [];
  const d = new Debouncer((paths) => batches.push(paths), {
    settleMs: 40,
    maxDelayMs: 1000,
    clock,
  });
  d.add(["a"]);
  await clock.advance(15);
  d.add(["b", "a"]);
  // The second add restarted the 40 ms: nothing at 54 ms, the batch at 55 ms.
  await clock.advance(39);
  assert.deepEqual(batches, []);
  await clock.advance(1);
  assert.deepEqual(batches, [["a", "b"]]);
  d.close();
});

Deno.test("Debouncer fires at the max delay while changes go on", async () => {
  const clock = new FakeClock();
  const batches: string[][] = [];
  const d = new Debouncer((paths) => batches.push(paths), {
    settleMs: 40,
    maxDelayMs: 120,
    clock,
  });
  const started = clock.now();
  // Changes keep coming every 10 ms, so only the max delay can fire the batch.
  while (clock.now() - started < 1000 && batches.length === 0) {
    d.add([`f${clock.now() - started}`]);
    await clock.advance(10);
  }
  assert.equal(batches.length, 1);
  assert.equal(clock.now() - started, 120);
  assert.equal(batches[0]!.length, 12, "the changes of 0..110 ms");
  d.close();
});

Deno.test("Debouncer ignores an empty add and close drops pending paths", async () => {
  const clock = new FakeClock();
  const batches: string[][] = [];
  const d = new Debouncer((paths) => batches.push(paths), { settleMs: 10, maxDelayMs: 50, clock });
  d.add([]);
  assert.equal(clock.pending, 0, "an empty add starts no timer");
  d.add(["x"]);
  assert.equal(d.pending, 1);
  d.close();
  await clock.advance(60);
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

Deno.test("watchLocalDir() batches changes and drops temporary names and the pass's own writes", async () => {
  const clock = new FakeClock();
  const fs = new FakeWatchFs();
  const batches: string[][] = [];
  const watcher = watchLocalDir("/l", {
    onBatch: (paths) => batches.push(paths.sort()),
    settleMs: 100,
    maxDelayMs: 1000,
    graceMs: 300,
    clock,
    watchFs: fs.watchFs,
  });
  fs.emit("create", "user.txt");
  fs.emit("modify", ".ftp-clone.down.0123456789ab.t.part");
  fs.emit("access", "read.txt");
  await clock.advance(100);
  assert.deepEqual(batches, [["user.txt"]]);

  // A pass: it writes own.txt (and d/, its folder); the user writes mine.txt meanwhile.
  watcher.hold();
  fs.emit("create", "d", "d/own.txt");
  fs.emit("create", "mine.txt");
  await clock.advance(2000);
  assert.equal(batches.length, 1, "nothing fires during the pass");
  watcher.release(new Set(["d", "d/own.txt"]));
  // A late event for the pass's own write, within the grace: dropped too.
  fs.emit("modify", "d/own.txt");
  await clock.advance(100);
  assert.deepEqual(batches, [["user.txt"], ["mine.txt"]]);
  // After the grace, a change to that path is the user's again.
  await clock.advance(200);
  fs.emit("modify", "d/own.txt");
  await clock.advance(100);
  assert.deepEqual(batches[2], ["d/own.txt"]);
  assert.equal(watcher.active, true);
  watcher.close();
  assert.equal(watcher.active, false);
  assert.equal(fs.open, 0, "close() closed the watch");
});

Deno.test("watchLocalDir() on a real directory: a write reaches a batch", async () => {
  const root = await Deno.makeTempDir({ prefix: "watch-" });
  const clock = new FakeClock();
  const batches: string[][] = [];
  const watcher = watchLocalDir(root, {
    onBatch: (paths) => batches.push(paths),
    settleMs: 100,
    clock,
  });
  try {
    await Deno.writeTextFile(join(root, "user.txt"), "1");
    // The kernel's event arrives in real time; it is the batching that runs on the fake clock.
    const deadline = Date.now() + 10_000;
    while (clock.pending === 0 && Date.now() < deadline) await clock.advance(0);
    await clock.advance(100);
    assert.deepEqual(batches, [["user.txt"]]);
  } finally {
    watcher.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("watchLocalDir() throws for a missing directory", () => {
  assert.throws(
    () => watchLocalDir("/nonexistent/dir", { onBatch: () => {} }),
    Deno.errors.NotFound,
  );
});
