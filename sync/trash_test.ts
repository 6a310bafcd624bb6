import assert from "node:assert/strict";
import {
  copyPreserving,
  legacyTrashDir,
  listTrash,
  moveToTrash,
  purgeTrash,
  trashDir,
  trashFile,
} from "./trash.ts";

const inCi = Deno.env.get("CI") === "true";

/** Runs a command; true when it exited 0. */
function sh(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

Deno.test("moveToTrash(), listTrash() and purgeTrash()", async (t) => {
  const root = await Deno.makeTempDir();
  const local = `${root}/local`;
  const state = `${root}/state`;
  Deno.mkdirSync(`${local}/a/b`, { recursive: true });
  const now = new Date("2026-11-25T10:00:00Z");
  try {
    await t.step("moves a file to <Local_dir>/.ftp-clone-trash/<path>, its mtime kept", () => {
      Deno.writeTextFileSync(`${local}/a/b/f.txt`, "v1");
      const mtime = new Date("2024-02-03T04:05:06Z");
      Deno.utimeSync(`${local}/a/b/f.txt`, mtime, mtime);
      const inode = Deno.statSync(`${local}/a/b/f.txt`).ino;
      const target = moveToTrash(state, "id", "a/b/f.txt", local, {
        now,
        reason: "deleted on the remote",
      });
      assert.equal(target, `${local}/.ftp-clone-trash/a/b/f.txt`);
      assert.equal(trashDir(local), `${local}/.ftp-clone-trash`);
      assert.throws(() => Deno.statSync(`${local}/a/b/f.txt`), Deno.errors.NotFound);
      assert.equal(Deno.readTextFileSync(target), "v1");
      assert.equal(Deno.statSync(target).mtime?.getTime(), mtime.getTime());
      assert.equal(Deno.statSync(target).ino, inode, "a rename, not a copy");
      assert.equal(Deno.statSync(trashDir(local)).mode! & 0o777, 0o700);
    });

    await t.step("adds a time suffix when the name is taken", () => {
      Deno.writeTextFileSync(`${local}/a/b/f.txt`, "v2");
      const second = moveToTrash(state, "id", "a/b/f.txt", local, {
        now,
        reason: "overwritten by a download",
      });
      assert.equal(second, `${trashDir(local)}/a/b/f.txt~20261125T100000`);
      Deno.writeTextFileSync(`${local}/a/b/f.txt`, "v3");
      const third = moveToTrash(state, "id", "a/b/f.txt", local, {
        now,
        reason: "overwritten by a download",
      });
      assert.equal(third, `${trashDir(local)}/a/b/f.txt~20261125T100000-2`);
      assert.equal(Deno.readTextFileSync(second), "v2");
    });

    await t.step("the index keeps the original mtime, size, owner, group and mode", () => {
      const local2 = `${root}/local2`;
      Deno.mkdirSync(local2);
      Deno.writeTextFileSync(`${local2}/kept.txt`, "12345");
      const mtime = new Date("2024-02-03T04:05:06Z");
      Deno.utimeSync(`${local2}/kept.txt`, mtime, mtime);
      Deno.chmodSync(`${local2}/kept.txt`, 0o640);
      moveToTrash(state, "other", "kept.txt", local2, { now, reason: "deleted on the remote" });
      const [record] = listTrash(state, "other");
      assert.equal(record?.mtime, "2024-02-03T04:05:06.000Z");
      assert.equal(record?.size, 5);
      assert.equal(record?.mode, 0o640);
      assert.equal(record?.uid, Deno.uid());
      assert.equal(record?.trashedAt, now.toISOString());
      assert.equal(record?.trashRoot, trashDir(local2));
      assert.equal(trashFile(state, "other", record!), `${trashDir(local2)}/kept.txt`);
    });

    await t.step("the index says where each entry came from and why", () => {
      const records = listTrash(state, "id");
      assert.deepEqual(records.map((r) => [r.path, r.trashPath, r.reason]), [
        ["a/b/f.txt", "a/b/f.txt", "deleted on the remote"],
        ["a/b/f.txt", "a/b/f.txt~20261125T100000", "overwritten by a download"],
        ["a/b/f.txt", "a/b/f.txt~20261125T100000-2", "overwritten by a download"],
      ]);
    });

    await t.step("entries of the old state-directory trash are still listed", () => {
      Deno.mkdirSync(legacyTrashDir(state, "id"), { recursive: true });
      Deno.writeTextFileSync(`${legacyTrashDir(state, "id")}/old.txt`, "old");
      const line = JSON.stringify({
        trashedAt: now.toISOString(),
        path: "old.txt",
        trashPath: "old.txt",
        reason: "deleted on the remote",
      });
      Deno.writeTextFileSync(`${state}/trash/id.jsonl`, line + "\n", { append: true });
      assert.deepEqual(listTrash(state, "id").map((r) => r.path).at(-1), "old.txt");
    });

    await t.step("purges entries older than KeepDeleted days and empty directories", () => {
      Deno.writeTextFileSync(`${local}/young.txt`, "y");
      const later = new Date(now.getTime() + 20 * 86_400_000);
      moveToTrash(state, "id", "young.txt", local, { now: later, reason: "deleted on the remote" });
      assert.equal(purgeTrash(state, "id", { keepDays: 30, now: later }), 0);
      const muchLater = new Date(now.getTime() + 31 * 86_400_000);
      assert.equal(purgeTrash(state, "id", { keepDays: 30, now: muchLater }), 4);
      assert.deepEqual([...Deno.readDirSync(trashDir(local))].map((e) => e.name), ["young.txt"]);
      assert.ok(
        ![...Deno.readDirSync(`${state}/trash`)].some((e) => e.name === "id"),
        "the empty old trash directory went too",
      );
      assert.deepEqual(listTrash(state, "id").map((r) => r.path), ["young.txt"]);
    });

    await t.step("purging a trash with nothing old does nothing", () => {
      assert.equal(purgeTrash(state, "other", { keepDays: 1, now }), 0);
      assert.equal(purgeTrash(state, "none", { keepDays: 1, now }), 0);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("copyPreserving() keeps owner, group, mode and times, and never clobbers", async () => {
  const root = await Deno.makeTempDir();
  try {
    const from = `${root}/from`;
    Deno.writeTextFileSync(from, "bytes");
    const mtime = new Date("2023-05-06T07:08:09Z");
    if (Deno.uid() === 0) Deno.chownSync(from, 33, 33); // www-data on Debian
    Deno.chmodSync(from, 0o2640);
    Deno.utimeSync(from, mtime, mtime);
    copyPreserving(from, `${root}/to`, { replace: false });
    const info = Deno.statSync(`${root}/to`);
    assert.equal(Deno.readTextFileSync(`${root}/to`), "bytes");
    assert.equal(info.mode! & 0o7777, 0o2640);
    assert.equal(info.mtime?.getTime(), mtime.getTime());
    if (Deno.uid() === 0) assert.deepEqual([info.uid, info.gid], [33, 33]);
    assert.throws(() => copyPreserving(from, `${root}/to`, { replace: false }));
    assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name).sort(), ["from", "to"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "moveToTrash() from a file system mounted inside Local_dir keeps owner, mode and mtime",
  ignore: Deno.uid() !== 0 && !inCi,
  fn: async () => {
    assert.equal(Deno.uid(), 0, "mounting a tmpfs needs root");
    const root = await Deno.makeTempDir();
    const local = `${root}/local`;
    Deno.mkdirSync(`${local}/mnt`, { recursive: true });
    assert.ok(sh("mount", ["-t", "tmpfs", "-o", "size=1m", "none", `${local}/mnt`]), "mount");
    try {
      const file = `${local}/mnt/page.html`;
      Deno.writeTextFileSync(file, "<html>");
      Deno.chownSync(file, 33, 33);
      Deno.chmodSync(file, 0o640);
      const mtime = new Date("2025-01-02T03:04:05Z");
      Deno.utimeSync(file, mtime, mtime);
      const target = moveToTrash(`${root}/state`, "id", "mnt/page.html", local, {
        now: new Date(),
        reason: "deleted on the remote",
      });
      assert.throws(() => Deno.statSync(file), Deno.errors.NotFound);
      const info = Deno.statSync(target);
      assert.deepEqual([info.uid, info.gid, info.mode! & 0o7777], [33, 33, 0o640]);
      assert.equal(info.mtime?.getTime(), mtime.getTime());
      assert.deepEqual([...Deno.readDirSync(`${local}/mnt`)], [], "no temporary copy left");
    } finally {
      sh("umount", ["-l", `${local}/mnt`]);
      await Deno.remove(root, { recursive: true });
    }
  },
});
