import assert from "node:assert/strict";
import { execute } from "./execute.ts";
import { FtpError } from "./ftp/errors.ts";
import type { Action, ActionResult } from "./types.ts";
import { hookedPool, NOW, planOf, withFixture } from "../tests/support/execute_fixture.ts";

Deno.test("execute()", async (t) => {
  await t.step(
    "a local file changed since the listing is never overwritten: conflict copy",
    async () => {
      await withFixture(async (f) => {
        Deno.writeTextFileSync(`${f.local}/a.txt`, "listed");
        const listed = f.localEntry("a.txt");
        Deno.writeTextFileSync(`${f.local}/a.txt`, "edited during the pass");
        f.tree.putFile("/r/a.txt", "remote", { mtimeMs: NOW.getTime() - 5000 });
        const conflicts: string[] = [];
        const results = await execute(
          planOf([{
            type: "download",
            path: "a.txt",
            reason: "",
            local: listed,
            remote: f.remoteEntry("a.txt"),
          }]),
          f.deps({ onConflict: (_path, copy) => conflicts.push(copy) }),
        );
        assert.equal(results.length, 1);
        const result = results[0]!;
        assert.ok(result.ok);
        assert.equal(Deno.readTextFileSync(`${f.local}/a.txt`), "edited during the pass");
        assert.deepEqual(conflicts, ["a.conflict-20261125T100000-remote.txt"]);
        assert.equal(Deno.readTextFileSync(`${f.local}/${conflicts[0]}`), "remote");
        // The row keeps the listed local entry, so that the next pass uploads the edit.
        assert.deepEqual(result.updates[0]?.row?.local, listed);
      });
    },
  );

  await t.step(
    "an upload never replaces a remote version written since the listing: kept, row forgotten",
    async () => {
      for (
        const [name, rewrite] of [
          ["rewritten with another size", "remote v2, longer"],
          ["rewritten with the same size, later", "remote v2"],
        ] as const
      ) {
        await withFixture(async (f) => {
          f.tree.putFile("/r/a.txt", "remote v1", { mtimeMs: NOW.getTime() - 60_000 });
          const listedRemote = f.remoteEntry("a.txt");
          Deno.writeTextFileSync(`${f.local}/a.txt`, "local edit");
          // Another client writes the server's file after the listing.
          f.tree.putFile("/r/a.txt", rewrite, { mtimeMs: NOW.getTime() - 1000 });
          const results = await execute(
            planOf([{
              type: "upload",
              path: "a.txt",
              reason: "",
              local: f.localEntry("a.txt"),
              remote: listedRemote,
              proveRemote: listedRemote,
            }]),
            f.deps(),
          );
          const result = results[0]!;
          assert.ok(result.ok, name);
          // Nothing replaced; the row is forgotten, so that the next pass sees two versions.
          assert.equal(result.performed?.type, "forget", name);
          assert.match(result.performed?.reason ?? "", /changed on the server/, name);
          assert.deepEqual(result.updates, [{ path: "a.txt", row: null }], name);
          assert.equal(f.tree.readText("/r/a.txt"), rewrite, name);
          // No temporary file is left behind, and nothing was retried.
          assert.deepEqual(f.tree.paths().filter((p) => p.includes(".ftp-clone.")), [], name);
          assert.equal(f.tree.counts.upload, 1, name);
        });
      }
    },
  );

  await t.step("an upload of a new file never replaces one that appeared since", async () => {
    await withFixture(async (f) => {
      Deno.writeTextFileSync(`${f.local}/new.txt`, "local");
      const local = f.localEntry("new.txt");
      f.tree.putFile("/r/new.txt", "made on the server meanwhile");
      const results = await execute(
        planOf([{ type: "upload", path: "new.txt", reason: "", local }]),
        f.deps(),
      );
      assert.equal(results[0]!.ok, false);
      assert.equal(f.tree.readText("/r/new.txt"), "made on the server meanwhile");
    });
  });

  await t.step(
    "an upload whose local file changed since the listing sends its current version",
    async () => {
      await withFixture(async (f) => {
        Deno.writeTextFileSync(`${f.local}/a.txt`, "listed version");
        const local = f.localEntry("a.txt");
        Deno.writeTextFileSync(`${f.local}/a.txt`, "edited after the listing!");
        const [upload] = await execute(
          planOf([{ type: "upload", path: "a.txt", reason: "", local }]),
          f.deps(),
        );
        assert.ok(upload?.ok, JSON.stringify(upload));
        assert.equal(f.tree.readText("/r/a.txt"), "edited after the listing!");
        // The row records the version sent, not the one listed.
        assert.deepEqual(upload.updates[0]?.row?.local, f.localEntry("a.txt"));
      });
    },
  );

  await t.step(
    "an upload whose local file disappears as it starts is deferred, not an error",
    async () => {
      await withFixture(async (f) => {
        Deno.writeTextFileSync(`${f.local}/a.txt`, "listed version");
        const local = f.localEntry("a.txt");
        const deps = f.deps();
        // The file is deleted after the checks before the upload, as the transfer opens it.
        const pool = hookedPool(deps.pool, {
          uploadFromFile: (from) => Deno.removeSync(String(from)),
        });
        const results = await execute(
          planOf([{ type: "upload", path: "a.txt", reason: "", local }]),
          { ...deps, pool },
        );
        const upload = results[0]!;
        assert.ok(!upload.ok && upload.deferred === true, JSON.stringify(upload));
        assert.match(!upload.ok ? upload.error : "", /changed since it was listed/);
        assert.deepEqual(f.tree.paths().filter((p) => p.includes(".ftp-clone.")), []);
      });
    },
  );

  await t.step("a download gets the remote mtime, owner and modes before its rename", async () => {
    await withFixture(async (f) => {
      const bin = `${f.root}/bin`;
      Deno.mkdirSync(bin);
      for (const tool of ["chown", "chmod"]) {
        Deno.writeTextFileSync(
          `${bin}/${tool}`,
          `#!/bin/sh\necho "${tool} $*" >> "${f.root}/calls"\n`,
          { mode: 0o755 },
        );
      }
      const mtimeMs = Date.parse("2020-01-02T03:04:05Z");
      for (const name of ["x", "y", "z"]) f.tree.putFile(`/r/new/${name}`, name, { mtimeMs });
      const actions: Action[] = ["x", "y", "z"].map((name) => ({
        type: "download",
        path: `new/${name}`,
        reason: "",
        remote: f.remoteEntry(`new/${name}`),
      }));
      const results = await execute(
        planOf(actions),
        f.deps({
          binDirectory: bin,
          linuxChown: "1000:1000",
          linuxChmod: ["640"],
        }),
      );
      assert.ok(results.every((r) => r.ok));
      assert.equal(Deno.statSync(`${f.local}/new/x`).mtime?.getTime(), mtimeMs);
      const calls = Deno.readTextFileSync(`${f.root}/calls`).trim().split("\n");
      // One chown and one chmod for the three temporary files, then chown for the made directory.
      assert.equal(calls.length, 3, calls.join("\n"));
      assert.match(calls[0]!, /^chown 1000:1000 -- (\S*\/new\/\.ftp-clone\.down\.\S+ ?){3}$/);
      assert.match(calls[1]!, /^chmod 640 -- (\S*\/new\/\.ftp-clone\.down\.\S+ ?){3}$/);
      assert.equal(calls[2], `chown 1000:1000 -- ${f.local}/new`);
    });
  });

  await t.step("deletions are skipped when a transfer failed transiently", async () => {
    await withFixture(async (f) => {
      Deno.writeTextFileSync(`${f.local}/u.txt`, "u");
      Deno.writeTextFileSync(`${f.local}/gone.txt`, "g");
      f.tree.putFile("/r/gone2.txt", "g");
      f.tree.failNext({
        op: "upload",
        error: new FtpError("Lost", { code: "ECONNRESET", transient: true }),
        times: 10,
      });
      const results = await execute(
        planOf([
          { type: "upload", path: "u.txt", reason: "", local: f.localEntry("u.txt") },
          {
            type: "deleteLocal",
            kind: "file",
            path: "gone.txt",
            reason: "",
            local: f.localEntry("gone.txt"),
          },
          {
            type: "deleteRemote",
            kind: "file",
            path: "gone2.txt",
            reason: "",
            remote: f.remoteEntry("gone2.txt"),
          },
        ]),
        f.deps(),
      );
      assert.deepEqual(results.map((r) => [r.action.type, r.ok]), [
        ["upload", false],
        ["deleteLocal", false],
        ["deleteRemote", false],
      ]);
      assert.equal(f.tree.counts.upload, 3, "three tries");
      assert.equal(Deno.readTextFileSync(`${f.local}/gone.txt`), "g");
      assert.equal(f.tree.readText("/r/gone2.txt"), "g");
    });
  });

  await t.step("a permanent failure of one file does not block the deletions", async () => {
    await withFixture(async (f) => {
      Deno.writeTextFileSync(`${f.local}/u.txt`, "u");
      f.tree.putFile("/r/gone.txt", "g");
      f.tree.failNext({
        op: "upload",
        error: new FtpError("Refused", { code: 553, transient: false }),
      });
      const results = await execute(
        planOf([
          { type: "upload", path: "u.txt", reason: "", local: f.localEntry("u.txt") },
          {
            type: "deleteRemote",
            kind: "file",
            path: "gone.txt",
            reason: "",
            remote: f.remoteEntry("gone.txt"),
          },
        ]),
        f.deps(),
      );
      assert.deepEqual(results.map((r) => [r.action.type, r.ok]), [["upload", false], [
        "deleteRemote",
        true,
      ]]);
      assert.match(
        (results[0] as ActionResult & { ok: false }).error,
        /Cannot upload "\/r\/u\.txt": Refused/,
      );
      assert.equal(f.tree.readText("/r/gone.txt"), undefined);
    });
  });

  await t.step("a remote file rewritten since the listing is not deleted", async () => {
    await withFixture(async (f) => {
      f.tree.putFile("/r/d.txt", "old");
      const listed = f.remoteEntry("d.txt");
      f.tree.putFile("/r/d.txt", "rewritten");
      const [result] = await execute(
        planOf([{ type: "deleteRemote", kind: "file", path: "d.txt", reason: "", remote: listed }]),
        f.deps(),
      );
      assert.ok(result?.ok);
      assert.deepEqual(result.updates, [{ path: "d.txt", row: null }]);
      assert.equal(f.tree.readText("/r/d.txt"), "rewritten");
    });
  });

  await t.step("nothing is written through a local symlink", async () => {
    await withFixture(async (f) => {
      const outside = `${f.root}/outside`;
      Deno.mkdirSync(outside);
      Deno.symlinkSync(outside, `${f.local}/link`);
      f.tree.putFile("/r/link/evil.txt", "x");
      const [result] = await execute(
        planOf([{
          type: "download",
          path: "link/evil.txt",
          reason: "",
          remote: f.remoteEntry("link/evil.txt"),
        }]),
        f.deps(),
      );
      assert.ok(result && !result.ok);
      assert.deepEqual([...Deno.readDirSync(outside)], []);
    });
  });

  await t.step("an aborted signal starts nothing", async () => {
    await withFixture(async (f) => {
      Deno.writeTextFileSync(`${f.local}/u.txt`, "u");
      const controller = new AbortController();
      controller.abort();
      const results = await execute(
        planOf([{ type: "upload", path: "u.txt", reason: "", local: f.localEntry("u.txt") }]),
        f.deps({ signal: controller.signal }),
      );
      assert.deepEqual(results, []);
      assert.equal(f.tree.counts.upload, 0);
    });
  });

  await t.step("progress counts files and bytes", async () => {
    await withFixture(async (f) => {
      Deno.writeTextFileSync(`${f.local}/a`, "12345");
      f.tree.putFile("/r/b", "123");
      const seen: string[] = [];
      await execute(
        planOf([
          { type: "upload", path: "a", reason: "", local: f.localEntry("a") },
          { type: "download", path: "b", reason: "", remote: f.remoteEntry("b") },
        ]),
        f.deps({
          onProgress: (p) =>
            seen.push(`${p.filesDone}/${p.filesTotal} ${p.bytesDone}/${p.bytesTotal}`),
        }),
      );
      assert.equal(seen.at(-1), "2/2 8/8");
    });
  });
});
