import assert from "node:assert/strict";
import { listTrash, moveToTrash, purgeTrash, trashDir } from "./trash.ts";

Deno.test("moveToTrash(), listTrash() and purgeTrash()", async (t) => {
  const root = await Deno.makeTempDir();
  const local = `${root}/local`;
  const state = `${root}/state`;
  Deno.mkdirSync(`${local}/a/b`, { recursive: true });
  const now = new Date("2026-11-25T10:00:00Z");
  try {
    await t.step("moves a file under trash/<id>/<path> with mtime = now", () => {
      Deno.writeTextFileSync(`${local}/a/b/f.txt`, "v1");
      const target = moveToTrash(state, "id", "a/b/f.txt", local, {
        now,
        reason: "deleted on the remote",
      });
      assert.equal(target, `${trashDir(state, "id")}/a/b/f.txt`);
      assert.throws(() => Deno.statSync(`${local}/a/b/f.txt`), Deno.errors.NotFound);
      assert.equal(Deno.readTextFileSync(target), "v1");
      assert.equal(Deno.statSync(target).mtime?.getTime(), now.getTime());
    });

    await t.step("adds a time suffix when the name is taken", () => {
      Deno.writeTextFileSync(`${local}/a/b/f.txt`, "v2");
      const second = moveToTrash(state, "id", "a/b/f.txt", local, {
        now,
        reason: "overwritten by a download",
      });
      assert.equal(second, `${trashDir(state, "id")}/a/b/f.txt~20261125T100000`);
      Deno.writeTextFileSync(`${local}/a/b/f.txt`, "v3");
      const third = moveToTrash(state, "id", "a/b/f.txt", local, {
        now,
        reason: "overwritten by a download",
      });
      assert.equal(third, `${trashDir(state, "id")}/a/b/f.txt~20261125T100000-2`);
      assert.equal(Deno.readTextFileSync(second), "v2");
    });

    await t.step("the index keeps the original mtime and size", () => {
      Deno.writeTextFileSync(`${local}/kept.txt`, "12345");
      const mtime = new Date("2024-02-03T04:05:06Z");
      Deno.utimeSync(`${local}/kept.txt`, mtime, mtime);
      moveToTrash(state, "other", "kept.txt", local, { now, reason: "deleted on the remote" });
      const [record] = listTrash(state, "other");
      assert.equal(record?.mtime, "2024-02-03T04:05:06.000Z");
      assert.equal(record?.size, 5);
      assert.equal(record?.trashedAt, now.toISOString());
    });

    await t.step("the index says where each entry came from and why", () => {
      const records = listTrash(state, "id");
      assert.deepEqual(records.map((r) => [r.path, r.trashPath, r.reason]), [
        ["a/b/f.txt", "a/b/f.txt", "deleted on the remote"],
        ["a/b/f.txt", "a/b/f.txt~20261125T100000", "overwritten by a download"],
        ["a/b/f.txt", "a/b/f.txt~20261125T100000-2", "overwritten by a download"],
      ]);
    });

    await t.step("purges entries older than KeepDeleted days and empty directories", () => {
      Deno.writeTextFileSync(`${local}/young.txt`, "y");
      const later = new Date(now.getTime() + 20 * 86_400_000);
      moveToTrash(state, "id", "young.txt", local, { now: later, reason: "deleted on the remote" });
      assert.equal(purgeTrash(state, "id", { keepDays: 30, now: later }), 0);
      const muchLater = new Date(now.getTime() + 31 * 86_400_000);
      assert.equal(purgeTrash(state, "id", { keepDays: 30, now: muchLater }), 3);
      assert.deepEqual([...Deno.readDirSync(trashDir(state, "id"))].map((e) => e.name), [
        "young.txt",
      ]);
      assert.deepEqual(listTrash(state, "id").map((r) => r.path), ["young.txt"]);
    });

    await t.step("purging a missing trash does nothing", () => {
      assert.equal(purgeTrash(state, "other", { keepDays: 1, now }), 0);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
