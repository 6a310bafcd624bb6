import assert from "node:assert/strict";
import { baselinePath, readBaseline } from "./baseline_reader.ts";
import { SqliteBaselineStore } from "./baseline_store.ts";
import { NOW, ROOTS, row, withStateDir } from "../tests/support/baseline_fixture.ts";

Deno.test("readBaseline() reads without writing anything", async (t) => {
  await t.step("absent database: empty, and still absent", async () => {
    await withStateDir((dir) => {
      assert.equal(readBaseline(dir, "id", ROOTS).baseline.size, 0);
      assert.throws(() => Deno.statSync(dir), Deno.errors.NotFound);
    });
  });

  await t.step(
    "a closed database is read and left byte-identical, no -wal or -shm made",
    async () => {
      await withStateDir((dir) => {
        const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
        store.apply([{ path: "a", row: row("a") }]);
        store.close();
        const before = Deno.readFileSync(baselinePath(dir, "id"));
        const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
        assert.deepEqual(readBaseline(dir, "id", ROOTS).baseline.get("a"), row("a"));
        assert.deepEqual(Deno.readFileSync(baselinePath(dir, "id")), before);
        assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), names);
        assert.equal(readBaseline(dir, "id", { ...ROOTS, port: 1 }).baseline.size, 0);
      });
    },
  );

  await t.step("a database open in another connection (WAL present) is read too", async () => {
    await withStateDir((dir) => {
      const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
      try {
        store.apply([{ path: "a", row: row("a") }]);
        assert.deepEqual([...readBaseline(dir, "id", ROOTS).baseline.keys()], ["a"]);
      } finally {
        store.close();
      }
    });
  });
});
