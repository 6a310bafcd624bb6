import assert from "node:assert/strict";
import { readReport, reportPath, saveReport } from "./report_store.ts";
import type { PassReport } from "./types.ts";

Deno.test("saveReport() and readReport()", async (t) => {
  const stateDir = await Deno.makeTempDir();
  const report: PassReport = {
    section: "FTP1",
    identifier: "abc",
    startedAt: "2026-11-25T10:00:00.000Z",
    finishedAt: "2026-11-25T10:00:01.000Z",
    outcome: "failed",
    uploaded: 1,
    downloaded: 2,
    deletedLocal: 3,
    deletedRemote: 4,
    conflicts: 5,
    bytes: 6,
    errors: ['Cannot upload "/a": refused'],
  };
  try {
    await t.step("null before the first pass", () => {
      assert.equal(readReport(stateDir, "abc"), null);
    });
    await t.step("round trip, file 0600", () => {
      saveReport(stateDir, report);
      assert.deepEqual(readReport(stateDir, "abc"), report);
      assert.equal(Deno.statSync(reportPath(stateDir, "abc")).mode! & 0o777, 0o600);
    });
    await t.step("replaced by the next report", () => {
      saveReport(stateDir, { ...report, outcome: "ok", errors: [] });
      assert.equal(readReport(stateDir, "abc")?.outcome, "ok");
      assert.deepEqual([...Deno.readDirSync(stateDir)].map((e) => e.name), ["abc.report.json"]);
    });
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
});
