/**
 * A file that keeps changing while it is uploaded (issue 13 item 3): sent again a few times,
 * then from a snapshot that cannot change, recorded as such for the planner's hold.
 */
import assert from "node:assert/strict";
import { execute } from "./execute.ts";
import { RESUMABLE_MIN_BYTES } from "./exclude.ts";
import { heldWhileGrowing, removeSnapshots } from "./growing_file.ts";
import { hookedPool, NOW, planOf, withFixture } from "../tests/support/execute_fixture.ts";

Deno.test("execute() uploads a growing file from a snapshot after a few tries", async (t) => {
  for (const [name, initial, tries] of [["small", "line 0\n", 3], ["large", "", 1]] as const) {
    await t.step(`${name} file: ${tries} tries, then a consistent snapshot`, async () => {
      await withFixture(async (f) => {
        const path = `${f.local}/log.txt`;
        const start = initial === "" ? "x".repeat(RESUMABLE_MIN_BYTES) + "\n" : initial;
        Deno.writeTextFileSync(path, start);
        const listed = f.localEntry("log.txt");
        let appended = 0;
        let snapshot = "";
        // A writer appends a line whenever an upload reads the file.
        const pool = hookedPool(f.pool, {
          uploadFromFile: (from) => {
            if (String(from) !== path) snapshot = Deno.readTextFileSync(String(from));
            Deno.writeTextFileSync(path, `line ${++appended}\n`, { append: true });
          },
        });
        const [result] = await execute(
          planOf([{ type: "upload", path: "log.txt", reason: "", local: listed }]),
          f.deps({ pool }),
        );
        assert.ok(result?.ok, JSON.stringify(result).slice(0, 500));
        assert.equal(f.tree.counts.upload, tries + 1);
        // The server holds the snapshot: one version the file had, whole.
        assert.equal(f.tree.readText("/r/log.txt"), snapshot);
        assert.ok(snapshot.startsWith(start) && snapshot.length < Deno.statSync(path).size);
        // The row records the snapshot, which holds newer versions back until they settle.
        const local = result.updates[0]!.row!.local;
        assert.equal(local.size, snapshot.length);
        const grown = f.localEntry("log.txt");
        assert.match(heldWhileGrowing(local, grown, NOW.getTime()) ?? "", /still growing/);
        assert.equal(heldWhileGrowing(local, grown, NOW.getTime() + 3_600_000), undefined);
        // No snapshot is left in the state directory.
        assert.deepEqual([...Deno.readDirSync(`${f.stateDir}/snapshots`)], []);
      });
    });
  }
  await t.step("a snapshot a killed pass left is removed", async () => {
    await withFixture((f) => {
      Deno.mkdirSync(`${f.stateDir}/snapshots`, { recursive: true });
      Deno.writeTextFileSync(`${f.stateDir}/snapshots/id.0123456789ab`, "left");
      Deno.writeTextFileSync(`${f.stateDir}/snapshots/other.0123456789ab`, "another section's");
      removeSnapshots({ stateDir: f.stateDir, identifier: "id" });
      assert.deepEqual([...Deno.readDirSync(`${f.stateDir}/snapshots`)].map((e) => e.name), [
        "other.0123456789ab",
      ]);
      return Promise.resolve();
    });
  });
});
