import assert from "node:assert/strict";
import {
  normalizeVirtual,
  openChroot,
  PathRefused,
  virtualName,
  virtualParent,
} from "./ftp_server_paths.ts";

Deno.test("normalizeVirtual joins and normalises, refusing escapes", async (t) => {
  const cases: [string, string, string | null][] = [
    ["/", "a", "/a"],
    ["/a", "b c/d", "/a/b c/d"],
    ["/a", "/x", "/x"],
    ["/a/b", "..", "/a"],
    ["/a/b", "../..", "/"],
    ["/a", "./b/./c/", "/a/b/c"],
    ["/", "a//b", "/a/b"],
    ["/", "", "/"],
    ["/", " lead", "/ lead"],
    ["/", "..", null],
    ["/a", "../..", null],
    ["/", "../../etc/passwd", null],
    ["/", "/../x", null],
    ["/", "a/../../x", null],
    ["/", "a\0b", null],
  ];
  for (const [cwd, path, expected] of cases) {
    await t.step(`${cwd} + ${JSON.stringify(path)}`, () => {
      if (expected === null) assert.throws(() => normalizeVirtual(cwd, path), PathRefused);
      else assert.equal(normalizeVirtual(cwd, path), expected);
    });
  }
});

Deno.test("virtualParent and virtualName split a virtual path", () => {
  assert.deepEqual(["/", "/a", "/a/b c"].map(virtualParent), ["/", "/", "/a"]);
  assert.deepEqual(["/", "/a", "/a/b c"].map(virtualName), ["", "a", "b c"]);
});

Deno.test("Chroot checks where symlinks lead", async (t) => {
  const base = await Deno.makeTempDir({ prefix: "ftp_paths_test_" });
  try {
    await Deno.mkdir(`${base}/root/in`, { recursive: true });
    await Deno.writeTextFile(`${base}/outside.txt`, "secret");
    await Deno.writeTextFile(`${base}/root/in/f`, "f");
    await Deno.symlink(`${base}/outside.txt`, `${base}/root/out-link`);
    await Deno.symlink(`${base}/nowhere`, `${base}/root/dangling`);
    await Deno.symlink("in/f", `${base}/root/in-link`);
    await Deno.symlink(base, `${base}/root/up-dir`);
    // The root itself through a symlink: paths are compared after resolving it.
    await Deno.symlink(`${base}/root`, `${base}/root-link`);
    const chroot = await openChroot(`${base}/root-link`);
    assert.equal(chroot.root, await Deno.realPath(`${base}/root`));
    const p = (path: string) => chroot.resolve("/", path);

    await t.step("existing", async () => {
      assert.equal(await chroot.existing(p("in-link")), `${chroot.root}/in/f`);
      assert.equal(await chroot.existing(p("/")), chroot.root);
      for (const path of ["out-link", "dangling", "up-dir", "up-dir/outside.txt", "missing"]) {
        await assert.rejects(chroot.existing(p(path)), PathRefused, path);
      }
    });
    await t.step("entry", async () => {
      await chroot.entry(p("new-file"));
      await chroot.entry(p("out-link")); // the link itself (DELE, RNFR)
      await chroot.entry(p("in-link"), { followTarget: true });
      await assert.rejects(chroot.entry(p("out-link"), { followTarget: true }), PathRefused);
      await assert.rejects(chroot.entry(p("dangling"), { followTarget: true }), PathRefused);
      await assert.rejects(chroot.entry(p("up-dir/new")), PathRefused);
      await assert.rejects(chroot.entry(p("missing-dir/new")), PathRefused);
      await assert.rejects(chroot.entry(p("/")), PathRefused);
    });
    await t.step("openChroot refuses a file", async () => {
      await assert.rejects(openChroot(`${base}/outside.txt`), /not a directory/);
    });
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
