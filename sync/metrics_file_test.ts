import assert from "node:assert/strict";
import { renderMetrics, writeMetricsFile } from "./metrics_file.ts";
import { withHistory } from "./report_store.ts";
import type { PassReport } from "./types.ts";

const REPORT: PassReport = {
  section: "FTP1",
  identifier: "abc",
  startedAt: "2026-11-25T10:00:00.000Z",
  finishedAt: "2026-11-25T10:00:02.500Z",
  outcome: "ok",
  uploaded: 3,
  downloaded: 2,
  deletedLocal: 1,
  deletedRemote: 0,
  conflicts: 1,
  bytes: 4096,
  errors: [],
};

Deno.test("renderMetrics() writes node_exporter's text format, per section", () => {
  const failed = withHistory(null, { ...REPORT, outcome: "failed", errors: ["x"] });
  const text = renderMetrics([
    { name: "FTP1", report: withHistory(failed, REPORT) },
    { name: "FTP2", report: null },
  ], 1);
  const samples = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  assert.deepEqual(samples, [
    'ftp_clone_last_pass_success{section="FTP1"} 1',
    'ftp_clone_last_pass_success{section="FTP2"} 0',
    'ftp_clone_last_pass_timestamp_seconds{section="FTP1"} 1795600802.5',
    'ftp_clone_last_success_timestamp_seconds{section="FTP1"} 1795600802.5',
    'ftp_clone_last_pass_duration_seconds{section="FTP1"} 2.5',
    'ftp_clone_last_pass_errors{section="FTP1"} 0',
    'ftp_clone_passes_total{section="FTP1"} 2',
    'ftp_clone_failed_passes_total{section="FTP1"} 1',
    'ftp_clone_files_total{section="FTP1",action="uploaded"} 6',
    'ftp_clone_files_total{section="FTP1",action="downloaded"} 4',
    'ftp_clone_files_total{section="FTP1",action="deleted_local"} 2',
    'ftp_clone_files_total{section="FTP1",action="deleted_remote"} 0',
    'ftp_clone_bytes_total{section="FTP1"} 8192',
    'ftp_clone_conflicts_total{section="FTP1"} 2',
    'ftp_clone_errors_total{section="FTP1"} 1',
    "ftp_clone_sections_left_out 1",
  ]);
  // Every family has its HELP and TYPE lines, before its samples.
  assert.match(text, /^# HELP ftp_clone_passes_total .+\n# TYPE ftp_clone_passes_total counter\n/m);
  assert.ok(text.endsWith("\n"));
});

Deno.test("writeMetricsFile() replaces the file atomically, readable by others", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/ftp-clone.prom`;
    writeMetricsFile(path, "a 1\n");
    writeMetricsFile(path, "a 2\n");
    assert.equal(Deno.readTextFileSync(path), "a 2\n");
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o644);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["ftp-clone.prom"]);
    assert.throws(
      () => writeMetricsFile(`${dir}/missing/x.prom`, ""),
      /Cannot write MetricsFile ".*\/missing\/x\.prom": /,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
