/**
 * A change of kind on one side only (issue 13 item 1): the other side's file makes way for the
 * directory (locally to the trash; on the server once proved), or its directory goes before the
 * file arrives.
 */
import assert from "node:assert/strict";
import { execute } from "./execute.ts";
import { FtpError } from "./ftp/errors.ts";
import { trashDir } from "./trash.ts";
import type { Action, Entry } from "./types.ts";
import { NOW, planOf, withFixture } from "../tests/support/execute_fixture.ts";

function dirEntry(path: string): Entry {
  return { path, kind: "dir", size: 0, mtimeMs: 0, mtimePrecisionMs: 1, rawTime: "" };
}

Deno.test("execute() carries out a change of kind on one side", async (t) => {
  await t.step(
    "a directory replaced a file on the server: the local file to the trash",
    async () => {
      await withFixture(async (f) => {
        f.writeLocal("x", "the old file");
        f.tree.putFile("/r/x/new.txt", "new");
        const [result] = await execute(
          planOf([{
            type: "mkdirLocal",
            replaceFile: true,
            path: "x",
            reason: "",
            local: f.localEntry("x"),
            remote: dirEntry("x"),
          }]),
          f.deps(),
        );
        assert.ok(result?.ok, JSON.stringify(result));
        assert.ok(Deno.statSync(`${f.local}/x`).isDirectory);
        assert.equal(Deno.readTextFileSync(`${trashDir(f.local)}/x`), "the old file");
      });
    },
  );
  await t.step("... unless the local file changed since the listing", async () => {
    await withFixture(async (f) => {
      f.writeLocal("x", "the old file");
      const listed = f.localEntry("x");
      f.writeLocal("x", "edited meanwhile", NOW.getTime());
      const [result] = await execute(
        planOf([{
          type: "mkdirLocal",
          replaceFile: true,
          path: "x",
          reason: "",
          local: listed,
          remote: dirEntry("x"),
        }]),
        f.deps(),
      );
      assert.ok(result && !result.ok && result.deferred === true);
      assert.equal(f.readLocal("x"), "edited meanwhile");
    });
  });
  await t.step(
    "a directory replaced a file locally: the server's file deleted once proved",
    async () => {
      await withFixture(async (f) => {
        f.tree.putFile("/r/x", "the old file", { mtimeMs: NOW.getTime() - 60_000 });
        const base = f.remoteEntry("x");
        Deno.mkdirSync(`${f.local}/x`);
        const action = (): Action => ({
          type: "mkdirRemote",
          replaceFile: true,
          path: "x",
          reason: "",
          local: f.localEntry("x"),
          remote: f.remoteEntry("x"),
          proveRemote: base,
        });
        const first = action();
        // Rewritten on the server since the last pass: kept, no directory.
        f.tree.putFile("/r/x", "rewritten on the server", { mtimeMs: NOW.getTime() - 1000 });
        const [kept] = await execute(planOf([first]), f.deps());
        assert.ok(kept?.ok && kept.performed?.type === "forget", JSON.stringify(kept));
        assert.equal(f.tree.readText("/r/x"), "rewritten on the server");
        // As the baseline knows it: deleted, the directory made.
        f.tree.putFile("/r/x", "the old file", { mtimeMs: base.mtimeMs });
        const [done] = await execute(planOf([action()]), f.deps());
        assert.ok(done?.ok && done.performed === undefined, JSON.stringify(done));
        assert.equal(f.tree.node("/r/x")?.kind, "dir");
      });
    },
  );
  await t.step(
    "a file replaced a directory on the server: its content trashed, then the file",
    async () => {
      await withFixture(async (f) => {
        f.writeLocal("x/a.txt", "old content");
        f.tree.putFile("/r/x", "the new file");
        const [results] = [
          await execute(
            planOf([
              {
                type: "deleteLocal",
                kind: "file",
                path: "x/a.txt",
                reason: "",
                local: f.localEntry("x/a.txt"),
              },
              { type: "deleteLocal", kind: "dir", path: "x", reason: "", local: f.localEntry("x") },
              {
                type: "download",
                afterDeletions: true,
                path: "x",
                reason: "",
                local: f.localEntry("x"),
                remote: f.remoteEntry("x"),
              },
            ]),
            f.deps(),
          ),
        ];
        assert.ok(results.every((r) => r.ok), JSON.stringify(results));
        assert.equal(f.readLocal("x"), "the new file");
        assert.equal(Deno.readTextFileSync(`${trashDir(f.local)}/x/a.txt`), "old content");
      });
    },
  );
  await t.step("... not after a failed transfer (the deletions wait too)", async () => {
    await withFixture(async (f) => {
      f.writeLocal("x/a.txt", "old content");
      f.writeLocal("up.txt", "u");
      f.tree.putFile("/r/x", "the new file");
      f.tree.failNext({
        op: "upload",
        error: new FtpError("Lost", { code: "ECONNRESET", transient: true }),
        times: 10,
      });
      const results = await execute(
        planOf([
          { type: "upload", path: "up.txt", reason: "", local: f.localEntry("up.txt") },
          {
            type: "deleteLocal",
            kind: "file",
            path: "x/a.txt",
            reason: "",
            local: f.localEntry("x/a.txt"),
          },
          {
            type: "download",
            afterDeletions: true,
            path: "x",
            reason: "",
            local: f.localEntry("x"),
            remote: f.remoteEntry("x"),
          },
        ]),
        f.deps(),
      );
      assert.ok(results.every((r) => !r.ok));
      assert.equal(f.readLocal("x/a.txt"), "old content");
    });
  });
});
