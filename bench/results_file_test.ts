import assert from "node:assert/strict";
import { QUICK_SCALE } from "./data.ts";
import { summarise } from "./report.ts";
import { renderMarkdown, type ResultsFile } from "./results_file.ts";

Deno.test("renderMarkdown has the table, the targets, the machine and the versions", () => {
  const records = [
    {
      profile: "plain",
      op: "S down",
      contender: "lftp mirror",
      ceiling: false,
      rep: 1,
      ok: true,
      seconds: 2,
      cpuSeconds: 1,
      peakRssKiB: 10240,
      files: 500,
      bytes: 4_000_000,
      verified: true,
    },
  ];
  const results: ResultsFile = {
    startedAt: "2026-11-25T14:00:00.000Z",
    finishedAt: "2026-11-25T14:01:00.000Z",
    command: "deno task bench --quick",
    quick: true,
    scale: QUICK_SCALE,
    reps: 1,
    rttMs: 20,
    profileScale: 0.1,
    machine: { nproc: "2", kernel: "6.1" },
    versions: { lftp: "4.9.2" },
    unavailable: { "ftp-clone": "sync is not wired" },
    rows: summarise(records, { unavailable: { "ftp-clone": "sync is not wired" } }),
    records,
  };
  const md = renderMarkdown(results);
  assert.match(md, /^# Benchmark results\n\n\*\*A smoke run/);
  assert.match(md, /S 500 files of 1-16 KiB in 5 dirs; L 2 x 16 MiB/);
  assert.match(
    md,
    /\| plain \| S down \| lftp mirror \| 1\/1 \| 2\.00 \| 2\.00 \| 250 \| 2\.0 \| 10 \|/,
  );
  assert.match(md, /- plain S down, ftp-clone: not available: sync is not wired\n/);
  assert.match(md, /## Targets \(ftp-clone\)\n\n\| target \|/);
  assert.match(md, /## Machine\n\n- nproc: 2\n- kernel: 6.1\n/);
  assert.match(md, /## Versions\n\n- lftp: 4.9.2\n$/);
  assert.doesNotMatch(renderMarkdown({ ...results, quick: false }), /smoke run/);
});
