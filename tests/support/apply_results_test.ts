import assert from "node:assert/strict";
import { applyResults } from "./apply_results.ts";
import type { Action, ActionResult, Baseline, BaselineRow, Entry } from "../../sync/types.ts";

function row(path: string, mtimeMs: number): BaselineRow {
  const entry: Entry = { path, kind: "file", size: 1, mtimeMs, mtimePrecisionMs: 1, rawTime: "" };
  return { path, kind: "file", local: entry, remote: { ...entry, mtimePrecisionMs: 1000 } };
}

const action = (path: string): Action => ({ type: "upload", path, reason: "test" });

Deno.test("applyResults() applies only successful results", async (t) => {
  const before: Baseline = new Map([["a", row("a", 1)], ["b", row("b", 1)], ["c", row("c", 1)]]);
  const results: ActionResult[] = [
    { action: action("a"), ok: true, updates: [{ path: "a", row: row("a", 2) }], bytes: 1 },
    { action: action("b"), ok: false, error: "550 refused", transient: false },
    { action: action("c"), ok: true, updates: [{ path: "c", row: null }], bytes: 0 },
    {
      action: action("d"),
      ok: true,
      updates: [{ path: "d", row: row("d", 3) }, { path: "d.x", row: row("d.x", 4) }],
      bytes: 2,
    },
  ];
  const after = applyResults(before, results);
  await t.step("updated", () => assert.deepEqual(after.get("a"), row("a", 2)));
  await t.step("failed: old row kept", () => assert.deepEqual(after.get("b"), row("b", 1)));
  await t.step("dropped", () => assert.equal(after.has("c"), false));
  await t.step("several updates", () => {
    assert.deepEqual(after.get("d"), row("d", 3));
    assert.deepEqual(after.get("d.x"), row("d.x", 4));
  });
  await t.step("input untouched", () => {
    assert.equal(before.size, 3);
    assert.deepEqual(before.get("a"), row("a", 1));
  });
  await t.step("no results: same content", () => {
    assert.deepEqual([...applyResults(before, [])], [...before]);
  });
});
