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
    await t.step("round trip, file 0600, with the failure and the totals", () => {
      saveReport(stateDir, report);
      assert.deepEqual(readReport(stateDir, "abc"), {
        ...report,
        lastFailure: {
          finishedAt: report.finishedAt,
          outcome: "failed",
          errors: report.errors,
        },
        totals: {
          passes: 1,
          failedPasses: 1,
          uploaded: 1,
          downloaded: 2,
          deletedLocal: 3,
          deletedRemote: 4,
          conflicts: 5,
          errors: 1,
          bytes: 6,
        },
      });
      assert.equal(Deno.statSync(reportPath(stateDir, "abc")).mode! & 0o777, 0o600);
    });
    await t.step("the next report replaces it, the failure and the totals carry over", () => {
      const finishedAt = "2026-11-25T10:08:01.000Z";
      saveReport(stateDir, { ...report, outcome: "ok", errors: [], finishedAt, uploaded: 10 });
      const stored = readReport(stateDir, "abc");
      assert.equal(stored?.outcome, "ok");
      assert.equal(stored?.lastSuccessAt, finishedAt);
      assert.equal(stored?.lastFailure?.finishedAt, report.finishedAt);
      assert.equal(stored?.totals.passes, 2);
      assert.equal(stored?.totals.failedPasses, 1);
      assert.equal(stored?.totals.uploaded, 11);
      assert.deepEqual([...Deno.readDirSync(stateDir)].map((e) => e.name), ["abc.report.json"]);
    });
    await t.step("a report written before the history gets zero totals", () => {
      Deno.writeTextFileSync(reportPath(stateDir, "old"), JSON.stringify(report));
      assert.equal(readReport(stateDir, "old")?.totals.passes, 0);
      assert.equal(readReport(stateDir, "old")?.lastSuccessAt, undefined);
    });
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
});
