import assert from "node:assert/strict";
import { listLocal } from "./local_lister.ts";
import { compileExclude } from "./exclude.ts";

async function withTree(fn: (root: string) => void | Promise<void>): Promise<void> {
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
      const { dev: _dev, ino: _ino, ...file } = listing.get("a/b/f.txt")!;
      assert.deepEqual(file, {
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
    await withTree((root) => {
      assert.throws(
        () => listLocal(`${root}/missing`, { exclude: () => false, onWarning: () => {} }),
        /Cannot list Local_dir ".*\/missing"/,
      );
      Deno.writeTextFileSync(`${root}/file`, "");
      assert.throws(
        () => listLocal(`${root}/file`, { exclude: () => false, onWarning: () => {} }),
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

  await t.step("keeps each entry's device and inode", async () => {
    await withTree((root) => {
      Deno.writeTextFileSync(`${root}/a.txt`, "a");
      const info = Deno.statSync(`${root}/a.txt`);
      const listing = listLocal(root, { exclude: () => false, onWarning: () => {} });
      assert.equal(listing.get("a.txt")?.ino, info.ino);
      assert.equal(listing.get("a.txt")?.dev, info.dev);
    });
  });

  await t.step(
    "refuses a name that is not UTF-8 or holds a newline, showing its bytes",
    async () => {
      await withTree((root) => {
        // Deno writes names as UTF-8 only: the Latin-1 name is made by a shell.
        new Deno.Command("sh", {
          args: [
            "-c",
            `printf x > "$1/caf$(printf '\\351').txt" && mkdir "$1/d$(printf '\\377')"`,
            "sh",
            root,
          ],
        }).outputSync();
        Deno.writeTextFileSync(`${root}/two\nlines`, "x");
        Deno.writeTextFileSync(`${root}/ok.txt`, "x");
        const warnings: string[] = [];
        const refused: string[] = [];
        const listing = listLocal(root, {
          exclude: () => false,
          onWarning: (w) => warnings.push(w),
          onRefusedName: (p) => refused.push(p),
        });
        assert.deepEqual([...listing.keys()], ["ok.txt"]);
        assert.equal(refused.length, 3);
        const text = warnings.join("\n");
        assert.match(text, /Refused the local name "caf\\xe9\.txt"/);
        assert.match(text, /Refused the local name "d\\xff"/);
        assert.match(text, /Refused the local name "two\\nlines"/);
      });
    },
  );
});
