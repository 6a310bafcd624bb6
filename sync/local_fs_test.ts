import assert from "node:assert/strict";
import { applyOwnership, localChangedSince, makeLocalDirs, statLocal } from "./local_fs.ts";

/** A BinDirectory whose chown and chmod record their argv, one line per call. */
function fakeBin(
  root: string,
  exitCode = 0,
): { bin: string; calls: () => string[] } {
  const bin = `${root}/bin`;
  Deno.mkdirSync(bin);
  for (const tool of ["chown", "chmod"]) {
    Deno.writeTextFileSync(
      `${bin}/${tool}`,
      `#!/bin/sh\necho "${tool} $*" >> "${root}/calls"\n` +
        (exitCode === 0 ? "" : `echo "${tool}: nope" >&2\nexit ${exitCode}\n`),
      { mode: 0o755 },
    );
  }
  return {
    bin,
    calls: () => {
      try {
        return Deno.readTextFileSync(`${root}/calls`).trim().split("\n");
      } catch {
        return [];
      }
    },
  };
}

Deno.test("applyOwnership()", async (t) => {
  const root = await Deno.makeTempDir();
  try {
    await t.step(
      "chown files and dirs, then each chmod mode in order to files only, batched",
      async () => {
        const { bin, calls } = fakeBin(root);
        await applyOwnership(["/x/a", "/x/b"], ["/x/d"], {
          binDirectory: bin,
          linuxChown: "www-data:www-data",
          linuxChmod: ["u=rw,go=r", "g+w"],
        });
        assert.deepEqual(calls(), [
          "chown www-data:www-data -- /x/a /x/b /x/d",
          "chmod u=rw,go=r -- /x/a /x/b",
          "chmod g+w -- /x/a /x/b",
        ]);
      },
    );

    await t.step("nothing configured: no process", async () => {
      Deno.removeSync(`${root}/calls`);
      Deno.removeSync(`${root}/bin`, { recursive: true });
      const { bin, calls } = fakeBin(root);
      await applyOwnership(["/x/a"], [], { binDirectory: bin, linuxChmod: [] });
      assert.deepEqual(calls(), []);
    });

    await t.step("a failing tool rejects with its stderr", async () => {
      Deno.removeSync(`${root}/bin`, { recursive: true });
      const { bin } = fakeBin(root, 1);
      await assert.rejects(
        applyOwnership(["/x/a"], [], { binDirectory: bin, linuxChown: "u", linuxChmod: [] }),
        /chown.*exit code 1: chown: nope/,
      );
    });

    await t.step({
      name: "real chown and chmod set owner and mode (needs root)",
      ignore: Deno.uid() !== 0,
      fn: async () => {
        const file = `${root}/real.txt`;
        Deno.writeTextFileSync(file, "x", { mode: 0o644 });
        Deno.mkdirSync(`${root}/realdir`, { mode: 0o755 });
        await applyOwnership([file], [`${root}/realdir`], {
          binDirectory: "/bin",
          linuxChown: "65534:65534",
          linuxChmod: ["600", "g+r"],
        });
        assert.equal(Deno.statSync(file).uid, 65534);
        assert.equal(Deno.statSync(file).mode! & 0o7777, 0o640);
        assert.equal(Deno.statSync(`${root}/realdir`).uid, 65534);
        assert.equal(Deno.statSync(`${root}/realdir`).mode! & 0o7777, 0o755);
      },
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("localChangedSince() and makeLocalDirs()", async (t) => {
  const root = await Deno.makeTempDir();
  try {
    Deno.writeTextFileSync(`${root}/f`, "abc");
    const planned = statLocal(`${root}/f`, "f")!;
    await t.step(
      "unchanged",
      () => assert.equal(localChangedSince(`${root}/f`, "f", planned), false),
    );
    await t.step(
      "appeared",
      () => assert.equal(localChangedSince(`${root}/f`, "f", undefined), true),
    );
    await t.step(
      "still absent",
      () => assert.equal(localChangedSince(`${root}/g`, "g", undefined), false),
    );
    await t.step("mtime changed", () => {
      Deno.utimeSync(`${root}/f`, new Date(1000), new Date(1000));
      assert.equal(localChangedSince(`${root}/f`, "f", planned), true);
    });
    await t.step("replaced by a symlink", () => {
      const now = statLocal(`${root}/f`, "f")!;
      Deno.removeSync(`${root}/f`);
      Deno.symlinkSync("/etc/hostname", `${root}/f`);
      assert.equal(localChangedSince(`${root}/f`, "f", now), true);
    });
    await t.step("makeLocalDirs returns what it made, shallowest first", () => {
      assert.deepEqual(makeLocalDirs(`${root}/a/b/c`), [
        `${root}/a`,
        `${root}/a/b`,
        `${root}/a/b/c`,
      ]);
      assert.deepEqual(makeLocalDirs(`${root}/a/b/c`), []);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
