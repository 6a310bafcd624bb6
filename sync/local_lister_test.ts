import assert from "node:assert/strict";
import { listLocal } from "./local_lister.ts";
import { compileExclude } from "./exclude.ts";

async function withTree(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir();
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("listLocal()", async (t) => {
  await t.step("lists files and directories with size and ms mtime", async () => {
    await withTree(async (root) => {
      Deno.mkdirSync(`${root}/a/b`, { recursive: true });
      Deno.writeTextFileSync(`${root}/a/b/f.txt`, "hello");
      Deno.writeTextFileSync(`${root}/.dotfile`, "");
      const mtime = new Date(1_700_000_000_123);
      Deno.utimeSync(`${root}/a/b/f.txt`, mtime, mtime);
      const listing = await listLocal(root, { exclude: () => false, onWarning: () => {} });
      assert.deepEqual([...listing.keys()].sort(), [".dotfile", "a", "a/b", "a/b/f.txt"]);
      assert.deepEqual(listing.get("a/b/f.txt"), {
        path: "a/b/f.txt",
        kind: "file",
        size: 5,
        mtimeMs: 1_700_000_000_123,
        mtimePrecisionMs: 1,
        rawTime: "",
      });
      assert.equal(listing.get("a")?.kind, "dir");
    });
  });

  await t.step("skips symlinks with a warning naming them, never following them", async () => {
    await withTree(async (root) => {
      const outside = await Deno.makeTempDir();
      try {
        Deno.writeTextFileSync(`${outside}/secret`, "s");
        Deno.symlinkSync(outside, `${root}/dirlink`);
        Deno.symlinkSync(`${outside}/secret`, `${root}/filelink`);
        const warnings: string[] = [];
        const listing = await listLocal(root, {
          exclude: () => false,
          onWarning: (w) => warnings.push(w),
        });
        assert.equal(listing.size, 0);
        assert.equal(warnings.length, 2);
        assert.ok(warnings.some((w) => w.includes(`"${root}/dirlink"`)));
        assert.ok(warnings.some((w) => w.includes(`"${root}/filelink"`)));
      } finally {
        await Deno.remove(outside, { recursive: true });
      }
    });
  });

  await t.step("hides temporary files and applies Exclude", async () => {
    await withTree(async (root) => {
      Deno.mkdirSync(`${root}/cache`);
      Deno.writeTextFileSync(`${root}/cache/x`, "");
      Deno.writeTextFileSync(`${root}/.ftp-clone.down.0123456789ab.f.part`, "");
      Deno.writeTextFileSync(`${root}/keep.txt`, "");
      Deno.writeTextFileSync(`${root}/skip.log`, "");
      const listing = await listLocal(root, {
        exclude: compileExclude(["cache/", "*.log"]),
        onWarning: () => {},
      });
      assert.deepEqual([...listing.keys()], ["keep.txt"]);
    });
  });

  await t.step("a missing root, or a root that is a file, is an error", async () => {
    await withTree(async (root) => {
      await assert.rejects(
        listLocal(`${root}/missing`, { exclude: () => false, onWarning: () => {} }),
        /Cannot list Local_dir ".*\/missing"/,
      );
      Deno.writeTextFileSync(`${root}/file`, "");
      await assert.rejects(
        listLocal(`${root}/file`, { exclude: () => false, onWarning: () => {} }),
        /not a directory/,
      );
    });
  });

  await t.step("walks 5,000 files quickly", async () => {
    await withTree(async (root) => {
      for (let d = 0; d < 50; d++) {
        Deno.mkdirSync(`${root}/d${d}`);
        for (let f = 0; f < 100; f++) Deno.writeFileSync(`${root}/d${d}/f${f}`, new Uint8Array());
      }
      const start = performance.now();
      const listing = await listLocal(root, { exclude: () => false, onWarning: () => {} });
      const ms = performance.now() - start;
      assert.equal(listing.size, 5050);
      assert.ok(ms < 2000, `${ms} ms`);
    });
  });
});
