import assert from "node:assert/strict";
import { MemoryRemoteTree } from "../tests/support/memory_remote_fs.ts";
import { moveTimeCandidates, readMoveTimes } from "./move_times.ts";
import type { Change, Entry } from "./types.ts";

const NOW = Date.parse("2026-11-25T10:00:00Z");
const DAY = 86_400_000;
const OLD = NOW - 3 * DAY + 17_000; // three days old: LIST shows the minute, the lister no MDTM

function remote(path: string, size: number, mtimeMs: number, precisionMs: number): Entry {
  return {
    path,
    kind: "file",
    size,
    mtimeMs: Math.floor(mtimeMs / precisionMs) * precisionMs,
    mtimePrecisionMs: precisionMs,
    rawTime: "",
  };
}

/** A walk's remote half: `gone` vanished (exact in the baseline), `listed` appeared. */
function walked(gone: Entry[], listed: Entry[]) {
  const remoteChanges = new Map<string, Change>();
  for (const before of gone) remoteChanges.set(before.path, { kind: "deleted", before });
  for (const after of listed) remoteChanges.set(after.path, { kind: "created", after });
  return { remote: new Map(listed.map((e) => [e.path, e])), remoteChanges };
}

Deno.test("moveTimeCandidates() asks only what could pair with a vanished file", async (t) => {
  const gone = remote("a.txt", 5, OLD, 1000);
  await t.step("the same size, a listed minute that holds the exact time", () => {
    const candidate = remote("b.txt", 5, OLD, 60_000);
    assert.deepEqual(moveTimeCandidates(walked([gone], [candidate])), [candidate]);
  });
  await t.step("another size, another minute, an exact time already: nothing", () => {
    const other = [
      remote("size.txt", 6, OLD, 60_000),
      remote("minute.txt", 5, OLD + 120_000, 60_000),
      remote("exact.txt", 5, OLD, 1000),
    ];
    assert.deepEqual(moveTimeCandidates(walked([gone], other)), []);
  });
  await t.step("nothing vanished, or only with a coarse time: nothing", () => {
    const candidate = remote("b.txt", 5, OLD, 60_000);
    assert.deepEqual(moveTimeCandidates(walked([], [candidate])), []);
    assert.deepEqual(
      moveTimeCandidates(walked([remote("a.txt", 5, OLD, 60_000)], [candidate])),
      [],
    );
  });
  await t.step("far more new files of that size than vanished ones: nothing", () => {
    const many = Array.from({ length: 19 }, (_, i) => remote(`n${i}.txt`, 5, OLD, 60_000));
    assert.equal(moveTimeCandidates(walked([gone], many.slice(0, 18))).length, 18);
    assert.deepEqual(moveTimeCandidates(walked([gone], many)), []);
  });
});

Deno.test("readMoveTimes() puts the exact times in the walk's result", async () => {
  const tree = new MemoryRemoteTree({ precisionMs: 60_000, now: () => NOW });
  tree.putFile("/r/b.txt", "12345", { mtimeMs: OLD });
  tree.putFile("/r/c.txt", "other", { mtimeMs: OLD });
  const pool = tree.pool(2);
  try {
    const result = walked([remote("a.txt", 5, OLD, 1000)], [
      remote("b.txt", 5, OLD, 60_000),
      remote("gone-since.txt", 5, OLD, 60_000),
      remote("c.txt", 6, OLD, 60_000),
    ]);
    tree.resetCounts();
    assert.equal(await readMoveTimes(result, pool, { rootDir: "/r" }), 1);
    assert.equal(tree.counts.mtime, 2); // b.txt, and gone-since.txt (not found: as listed)
    const exact = remote("b.txt", 5, OLD, 1000);
    assert.deepEqual(result.remote.get("b.txt"), exact);
    assert.deepEqual(result.remoteChanges.get("b.txt"), { kind: "created", after: exact });
    assert.equal(result.remote.get("gone-since.txt")?.mtimePrecisionMs, 60_000);
  } finally {
    await pool.close();
  }
});
