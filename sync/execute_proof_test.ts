/**
 * The executor never replaces or deletes a remote file whose version it cannot prove at exact
 * precision (issue 12 item 3), on servers with MLSD seconds, LIST minutes and LIST days, with and
 * without SIZE and MDTM; and on servers that refuse renames, uploads go straight to the final
 * name, recorded in flight first (issue 13 item 2).
 */
import assert from "node:assert/strict";
import { execute } from "./execute.ts";
import { FtpError } from "./ftp/errors.ts";
import { isInFlight } from "./in_flight.ts";
import type { Action, ActionResult, BaselineUpdate, Entry } from "./types.ts";
import {
  type Fixture,
  hookedPool,
  NOW,
  planOf,
  withFixture,
  withoutCommands,
} from "../tests/support/execute_fixture.ts";

const DAY = 86_400_000;

/** One precision of a server's listing, and the age of a file it shows at that precision. */
const PRECISIONS = [
  { name: "MLSD seconds", precisionMs: 1000, ageMs: 3_600_000 },
  { name: "LIST minute", precisionMs: 60_000, ageMs: 3_600_000 },
  { name: "LIST day", precisionMs: 60_000, ageMs: 400 * DAY },
] as const;

/** The exact entry (MDTM's second) of a remote file, as the baseline's remote half holds it. */
function exact(f: Fixture, path: string): Entry {
  return { ...f.remoteEntry(path, 1000), rawTime: "" };
}

/** Another time within the same listing bucket (minute or day) and the same size. */
function sameBucket(mtimeMs: number, listedPrecisionMs: number): number {
  const start = Math.floor(mtimeMs / listedPrecisionMs) * listedPrecisionMs;
  return mtimeMs - start >= 2000 ? start : mtimeMs + 1000;
}

async function upload(f: Fixture, proveRemote: Entry): Promise<ActionResult> {
  const action: Action = {
    type: "upload",
    path: "a.txt",
    reason: "",
    local: f.localEntry("a.txt"),
    remote: f.remoteEntry("a.txt"),
    proveRemote,
  };
  const [result] = await execute(planOf([action]), f.deps());
  return result!;
}

Deno.test("execute(): an upload replaces a remote file only once its version is proved", async (t) => {
  for (const { name, precisionMs, ageMs } of PRECISIONS) {
    await t.step(`${name}: unchanged on the server: replaced (SIZE, MDTM)`, async () => {
      await withFixture(async (f) => {
        f.tree.putFile("/r/a.txt", "remote v1", { mtimeMs: NOW.getTime() - ageMs + 7000 });
        const base = exact(f, "a.txt");
        f.writeLocal("a.txt", "local edit");
        f.tree.resetCounts();
        const result = await upload(f, base);
        assert.ok(result.ok && result.performed === undefined, JSON.stringify(result));
        assert.equal(f.tree.readText("/r/a.txt"), "local edit");
        assert.equal(f.tree.counts.size >= 1 && f.tree.counts.mtime >= 1, true);
      }, { precisionMs });
    });
    await t.step(`${name}: rewritten, same size, within the listing's bucket: kept`, async () => {
      await withFixture(async (f) => {
        const t0 = NOW.getTime() - ageMs + 7000;
        f.tree.putFile("/r/a.txt", "remote v1", { mtimeMs: t0 });
        const base = exact(f, "a.txt");
        const listed = f.remoteEntry("a.txt");
        // Backdated by another client (MFMT, touch -d, an archive unpacked on the server).
        f.tree.putFile("/r/a.txt", "remote v2", { mtimeMs: sameBucket(t0, precisionMs) });
        // A LIST shows the same entry as before: only an exact time tells them apart.
        if (precisionMs > 1000) assert.deepEqual(f.remoteEntry("a.txt"), listed);
        f.writeLocal("a.txt", "local edit");
        const result = await upload(f, base);
        assert.ok(result.ok, JSON.stringify(result));
        assert.equal(result.performed?.type, "forget");
        assert.deepEqual(result.updates, [{ path: "a.txt", row: null }]);
        assert.equal(f.tree.readText("/r/a.txt"), "remote v2");
        assert.deepEqual(f.tree.paths().filter((p) => p.includes(".ftp-clone.")), []);
      }, { precisionMs });
    });
  }
  await t.step("a baseline that knows the time only to the minute: kept (unprovable)", async () => {
    await withFixture(async (f) => {
      f.tree.putFile("/r/a.txt", "remote v1", { mtimeMs: NOW.getTime() - 3_600_000 + 7000 });
      const legacy = f.remoteEntry("a.txt", 60_000);
      f.writeLocal("a.txt", "local edit");
      const result = await upload(f, legacy);
      assert.ok(result.ok && result.performed?.type === "forget", JSON.stringify(result));
      assert.match(result.performed!.reason, /only to the minute/);
      assert.equal(f.tree.readText("/r/a.txt"), "remote v1");
    }, { precisionMs: 60_000 });
  });
  await t.step("without SIZE: the size comes from a listing, a rewrite is kept", async () => {
    await withFixture(async (f) => {
      f.tree.putFile("/r/a.txt", "remote v1", { mtimeMs: NOW.getTime() - 3_600_000 });
      const base = exact(f, "a.txt");
      withoutCommands(f.tree, ["size"]);
      f.tree.putFile("/r/a.txt", "remote v2, longer", { mtimeMs: base.mtimeMs });
      f.writeLocal("a.txt", "local edit");
      const result = await upload(f, base);
      assert.ok(result.ok && result.performed?.type === "forget", JSON.stringify(result));
      assert.equal(f.tree.readText("/r/a.txt"), "remote v2, longer");
    }, { precisionMs: 60_000 });
  });
  await t.step("without SIZE: an unchanged file is replaced", async () => {
    await withFixture(async (f) => {
      f.tree.putFile("/r/a.txt", "remote v1", { mtimeMs: NOW.getTime() - 3_600_000 });
      const base = exact(f, "a.txt");
      withoutCommands(f.tree, ["size"]);
      f.writeLocal("a.txt", "local edit");
      const result = await upload(f, base);
      assert.ok(result.ok && result.performed === undefined, JSON.stringify(result));
      assert.equal(f.tree.readText("/r/a.txt"), "local edit");
    }, { precisionMs: 60_000 });
  });
  await t.step("without MDTM: what the listing says (another minute: kept)", async () => {
    await withFixture(async (f) => {
      f.tree.putFile("/r/a.txt", "remote v1", { mtimeMs: NOW.getTime() - 3_600_000 });
      const base = f.remoteEntry("a.txt");
      withoutCommands(f.tree, ["mtime"]);
      f.tree.putFile("/r/a.txt", "remote v2", { mtimeMs: NOW.getTime() - 600_000 });
      f.writeLocal("a.txt", "local edit");
      const result = await upload(f, base);
      assert.ok(result.ok && result.performed?.type === "forget", JSON.stringify(result));
      assert.equal(f.tree.readText("/r/a.txt"), "remote v2");
    }, { precisionMs: 60_000 });
  });
});

Deno.test("execute(): a remote file is deleted only once its version is proved", async (t) => {
  for (const { name, precisionMs, ageMs } of PRECISIONS) {
    await t.step(`${name}: unchanged: deleted; rewritten within the bucket: kept`, async () => {
      await withFixture(async (f) => {
        const t0 = NOW.getTime() - ageMs + 7000;
        f.tree.putFile("/r/same.txt", "v1", { mtimeMs: t0 });
        f.tree.putFile("/r/new.txt", "v1", { mtimeMs: t0 });
        const bases = { same: exact(f, "same.txt"), rewritten: exact(f, "new.txt") };
        f.tree.putFile("/r/new.txt", "v2", { mtimeMs: sameBucket(t0, precisionMs) });
        const results = await execute(
          planOf([
            {
              type: "deleteRemote",
              kind: "file",
              path: "same.txt",
              reason: "",
              remote: f.remoteEntry("same.txt"),
              proveRemote: bases.same,
            },
            {
              type: "deleteRemote",
              kind: "file",
              path: "new.txt",
              reason: "",
              remote: f.remoteEntry("new.txt"),
              proveRemote: bases.rewritten,
            },
          ]),
          f.deps(),
        );
        assert.equal(f.tree.getFile("/r/same.txt"), undefined);
        assert.equal(f.tree.readText("/r/new.txt"), "v2");
        const kept = results.find((r) => r.action.path === "new.txt");
        assert.ok(kept?.ok && kept.performed?.type === "forget", JSON.stringify(kept));
        assert.match(kept.performed!.reason, /kept, not deleted/);
      }, { precisionMs });
    });
  }
});

Deno.test("execute(): a server that refuses renames gets its uploads straight, in flight first", async (t) => {
  await t.step("known from the start: no temporary name, one warning for the pass", async () => {
    await withFixture(async (f) => {
      withoutCommands(f.tree, ["rename"]);
      f.writeLocal("a.txt", "one");
      f.writeLocal("b.txt", "two");
      const warnings: string[] = [];
      const recorded: BaselineUpdate[] = [];
      const pool = hookedPool(f.pool, {
        uploadFromFile: (_from, to) => {
          // The in-flight row is on disk before any byte reaches the final name.
          const path = String(to).slice("/r/".length);
          assert.ok(recorded.some((u) => u.path === path && isInFlight(u.row!.remote)), path);
        },
      });
      const results = await execute(
        planOf(["a.txt", "b.txt"].map((path) => ({
          type: "upload",
          path,
          reason: "",
          local: f.localEntry(path),
        }))),
        f.deps({
          pool,
          recordNow: (updates) => recorded.push(...updates),
          warnOnce: (key) => warnings.push(key),
        }),
      );
      assert.ok(results.every((r) => r.ok), JSON.stringify(results));
      assert.equal(f.tree.readText("/r/a.txt"), "one");
      assert.equal(f.tree.readText("/r/b.txt"), "two");
      assert.equal(f.tree.counts.upload, 2);
      // The results' rows replace the in-flight ones.
      for (const r of results) assert.ok(r.ok && !isInFlight(r.updates[0]!.row!.remote));
      assert.ok(warnings.length >= 1 && warnings.every((key) => key === "direct-upload"));
    });
  });
  await t.step(
    "learned at the first refused rename: the temporary file goes, then straight",
    async () => {
      await withFixture(async (f) => {
        f.tree.failNext({
          op: "rename",
          error: new FtpError("RNFR not implemented", {
            code: 502,
            command: "RNFR",
            transient: false,
          }),
        });
        f.writeLocal("a.txt", "one");
        const [result] = await execute(
          planOf([{ type: "upload", path: "a.txt", reason: "", local: f.localEntry("a.txt") }]),
          f.deps(),
        );
        assert.ok(result?.ok, JSON.stringify(result));
        assert.equal(f.tree.readText("/r/a.txt"), "one");
        assert.deepEqual(f.tree.paths(), ["/r/", "/r/a.txt"]);
      });
    },
  );
  await t.step(
    "cut short: the partial file stays, recorded in flight for the next pass",
    async () => {
      await withFixture(async (f) => {
        withoutCommands(f.tree, ["rename"]);
        f.tree.putFile("/r/a.txt", "old server version", { mtimeMs: NOW.getTime() - 3_600_000 });
        const base = exact(f, "a.txt");
        f.writeLocal("a.txt", "the new local version");
        f.tree.failNext({
          op: "upload",
          afterBytes: 5,
          error: new FtpError("Lost", { code: 426, command: "STOR", transient: false }),
        });
        const recorded: BaselineUpdate[] = [];
        const [result] = await execute(
          planOf([{
            type: "upload",
            path: "a.txt",
            reason: "",
            local: f.localEntry("a.txt"),
            remote: f.remoteEntry("a.txt"),
            proveRemote: base,
          }]),
          f.deps({ recordNow: (updates) => recorded.push(...updates) }),
        );
        assert.ok(result && !result.ok);
        assert.equal(f.tree.readText("/r/a.txt"), "the n");
        assert.equal(recorded.length, 1);
        assert.ok(isInFlight(recorded[0]!.row!.remote));
      });
    },
  );
});
