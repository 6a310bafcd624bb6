/**
 * Equal bytes are never a conflict (issue 12 item 4): same-size files are compared by the
 * remote's exact time, the server's hash, or a download; equal ones are adopted with the older
 * mtime on both sides, different ones kept both.
 */
import assert from "node:assert/strict";
import { execute } from "./execute.ts";
import type { HashAlgorithm } from "./ftp/remote_fs.ts";
import type { Action, ActionResult, Side } from "./types.ts";
import {
  type Fixture,
  notImplemented,
  NOW,
  planOf,
  withFixture,
  withoutCommands,
} from "../tests/support/execute_fixture.ts";

const HOUR = 3_600_000;
const OLDER = NOW.getTime() - 48 * HOUR;
const NEWER = NOW.getTime() - 2 * HOUR;

/** A compare of `a.txt` as the planner makes it (different: keep both, the newer wins). */
function compareAction(f: Fixture, onlySide?: Side): Action {
  const local = f.localEntry("a.txt");
  const remote = f.remoteEntry("a.txt");
  const winner: Side = remote.mtimeMs > local.mtimeMs ? "remote" : "local";
  return {
    type: "compare",
    path: "a.txt",
    reason: "",
    local,
    remote,
    ...(onlySide === undefined ? {} : { onlySide }),
    ifDifferent: {
      type: "keepBoth",
      path: "a.txt",
      reason: "",
      local,
      remote,
      winner,
      loserPath: `a.conflict-20261125T100000-${winner === "local" ? "remote" : "local"}.txt`,
    },
  };
}

async function compare(f: Fixture, onlySide?: Side): Promise<ActionResult & { ok: true }> {
  const [result] = await execute(planOf([compareAction(f, onlySide)]), f.deps());
  assert.ok(result?.ok, JSON.stringify(result));
  return result as ActionResult & { ok: true };
}

function localMtime(f: Fixture): number {
  return f.localEntry("a.txt").mtimeMs;
}

function remoteMtime(f: Fixture): number {
  return f.tree.node("/r/a.txt")!.mtimeMs;
}

Deno.test("execute() compares same-size files before it keeps both", async (t) => {
  await t.step("a LIST time of the same minute: MDTM tells the same second, adopted", async () => {
    await withFixture(async (f) => {
      f.writeLocal("a.txt", "same", NEWER + 7000);
      f.tree.putFile("/r/a.txt", "same", { mtimeMs: NEWER + 7000 });
      const result = await compare(f);
      assert.deepEqual(result.comparison, { by: "mtime", equal: true });
      assert.equal(f.tree.counts.download + f.tree.counts.hash, 0);
      assert.equal(result.updates[0]?.row?.remote.mtimePrecisionMs, 1000);
    }, { precisionMs: 60_000 });
  });

  await t.step(
    "by the server's hash: equal, the older (local) mtime given to the server",
    async () => {
      await withFixture(async (f) => {
        f.writeLocal("a.txt", "same bytes", OLDER);
        f.tree.putFile("/r/a.txt", "same bytes", { mtimeMs: NEWER });
        const result = await compare(f);
        assert.deepEqual(result.comparison, { by: "hash", equal: true });
        assert.equal(f.tree.counts.download, 0);
        assert.equal(remoteMtime(f), OLDER);
        assert.equal(localMtime(f), OLDER);
        assert.equal(result.updates[0]?.row?.remote.mtimeMs, OLDER);
      }, { hashes: ["SHA-256"] });
    },
  );

  await t.step(
    "by a download: equal, the older (remote) mtime given to the local file",
    async () => {
      await withFixture(async (f) => {
        f.writeLocal("a.txt", "same bytes", NEWER);
        f.tree.putFile("/r/a.txt", "same bytes", { mtimeMs: OLDER });
        const result = await compare(f);
        assert.deepEqual(result.comparison, { by: "download", equal: true });
        assert.equal(f.tree.counts.download, 1);
        assert.equal(localMtime(f), OLDER);
        assert.equal(remoteMtime(f), OLDER);
        assert.equal(result.updates[0]?.row?.local.mtimeMs, OLDER);
        // The copy downloaded to compare is gone.
        assert.deepEqual([...Deno.readDirSync(f.local)].map((e) => e.name), ["a.txt"]);
      });
    },
  );

  await t.step("different bytes of one size: both kept, the newer under the name", async () => {
    await withFixture(async (f) => {
      f.writeLocal("a.txt", "local!", OLDER);
      f.tree.putFile("/r/a.txt", "remote", { mtimeMs: NEWER });
      const result = await compare(f);
      assert.deepEqual(result.comparison, { by: "download", equal: false });
      assert.equal(result.performed?.type, "keepBoth");
      assert.equal(f.readLocal("a.txt"), "remote");
      assert.equal(f.readLocal("a.conflict-20261125T100000-local.txt"), "local!");
      assert.equal(f.tree.readText("/r/a.conflict-20261125T100000-local.txt"), "local!");
    });
  });

  for (
    const [name, hashes] of [["CRC32 only", ["CRC32"]], ["a HASH refused", ["SHA-1"]]] as const
  ) {
    await t.step(`${name}: compared by a download`, async () => {
      await withFixture(async (f) => {
        if (name === "a HASH refused") {
          f.tree.failNext({ op: "hash", error: notImplemented("HASH"), times: Infinity });
        }
        f.writeLocal("a.txt", "same bytes", NEWER);
        f.tree.putFile("/r/a.txt", "same bytes", { mtimeMs: OLDER });
        const result = await compare(f);
        assert.deepEqual(result.comparison, { by: "download", equal: true });
      }, { hashes: hashes as unknown as HashAlgorithm[] });
    });
  }

  await t.step("Direction=upload: the local mtime is left alone", async () => {
    await withFixture(async (f) => {
      f.writeLocal("a.txt", "same bytes", NEWER);
      f.tree.putFile("/r/a.txt", "same bytes", { mtimeMs: OLDER });
      const before = localMtime(f);
      const result = await compare(f, "remote");
      assert.equal(result.comparison?.equal, true);
      assert.equal(localMtime(f), before);
      assert.equal(result.updates[0]?.row?.local.mtimeMs, before);
    });
  });

  await t.step("no MFMT: the server keeps its time, recorded as it shows it", async () => {
    await withFixture(async (f) => {
      withoutCommands(f.tree, ["setMtime"]);
      f.writeLocal("a.txt", "same bytes", OLDER);
      f.tree.putFile("/r/a.txt", "same bytes", { mtimeMs: NEWER });
      const result = await compare(f);
      assert.equal(result.comparison?.equal, true);
      assert.equal(remoteMtime(f), NEWER);
      assert.equal(result.updates[0]?.row?.remote.mtimeMs, NEWER);
    });
  });

  await t.step("a local file changed during the comparison: left for the next pass", async () => {
    await withFixture(async (f) => {
      f.writeLocal("a.txt", "same bytes", NEWER);
      f.tree.putFile("/r/a.txt", "same bytes", { mtimeMs: OLDER });
      const action = compareAction(f);
      f.writeLocal("a.txt", "edited now", NOW.getTime());
      const [result] = await execute(planOf([action]), f.deps());
      assert.ok(result && !result.ok && result.deferred === true, JSON.stringify(result));
      assert.equal(f.readLocal("a.txt"), "edited now");
    });
  });
});
