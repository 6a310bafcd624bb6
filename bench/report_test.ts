import assert from "node:assert/strict";
import {
  markdownTable,
  median,
  notesList,
  type RunRecord,
  summarise,
  targetChecks,
  targetsTable,
} from "./report.ts";

function run(contender: string, seconds: number, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    profile: "plain",
    op: "S down",
    contender,
    ceiling: false,
    rep: 1,
    ok: true,
    seconds,
    cpuSeconds: seconds / 2,
    peakRssKiB: 20 * 1024,
    files: 1000,
    bytes: 10_000_000,
    verified: true,
    ...extra,
  };
}

Deno.test("median", async (t) => {
  const rows: Array<[number[], number | undefined]> = [
    [[], undefined],
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
  ];
  for (const [values, want] of rows) {
    await t.step(JSON.stringify(values), () => assert.equal(median(values), want));
  }
});

Deno.test("summarise computes min, median, rates, peak RSS and the ratio to the best other", () => {
  const rows = summarise([
    run("ftp-clone", 4),
    run("lftp mirror", 10),
    run("ftp-clone", 2, { peakRssKiB: 40 * 1024 }),
    run("lftp mirror", 8),
    run("ftp-clone", 3),
    run("lftp mirror", 12, { ok: false, note: "exit 1" }),
    run("cp -r (ceiling)", 1, { ceiling: true }),
  ]);
  assert.equal(rows.length, 3);
  const [me, lftp, cp] = rows;
  assert.deepEqual(
    { min: me?.minS, med: me?.medianS, fps: me?.filesPerS, mbps: me?.mbPerS, rss: me?.peakRssMiB },
    { min: 2, med: 3, fps: 1000 / 3, mbps: 10 / 3, rss: 40 },
  );
  assert.equal(me?.cpuS, 1.5);
  // The ceiling never counts as "the best other tool".
  assert.equal(me?.ratio, 3 / 9);
  assert.deepEqual([lftp?.okRuns, lftp?.runs, lftp?.medianS, lftp?.note], [2, 3, 9, "exit 1"]);
  assert.equal(lftp?.ratio, 9 / 3);
  assert.equal(cp?.ratio, 1 / 3);
});

Deno.test("markdownTable formats rows, failures, ceilings and unavailable contenders", () => {
  const rows = summarise(
    [
      run("lftp mirror", 2.345),
      run("rclone copy", 3, { verified: false, note: "12 files differ" }),
      run("rclone bisync", 9, { ok: false, note: "exit 2: boom | bad" }),
      run("cp -r (ceiling)", 0.5, { ceiling: true }),
    ],
    { unavailable: { "ftp-clone": "sync is not implemented yet" } },
  );
  const md = markdownTable(rows);
  const lines = md.trim().split("\n");
  assert.equal(lines.length, 2 + 5);
  assert.equal(
    lines[2],
    "| plain | S down | ftp-clone | 0/0 | - | not available | - | - | - | - | - |",
  );
  assert.equal(
    lines[3],
    "| plain | S down | lftp mirror | 1/1 | 2.35 | 2.35 | 426 | 4.3 | 20 | 1.17 | 0.78x |",
  );
  assert.equal(
    lines[4],
    "| plain | S down | rclone copy | 1/1 | 3.00 | 3.00 † | 333 | 3.3 | 20 | 1.50 | 1.28x |",
  );
  assert.equal(
    lines[5],
    "| plain | S down | rclone bisync | 0/1 | - | failed | - | - | - | - | - |",
  );
  assert.match(lines[6] ?? "", /^\| plain \| S down \| _cp -r \(ceiling\)_ \| 1\/1 \| 0\.50 \|/);
  assert.equal(
    notesList(rows),
    "- plain S down, ftp-clone: not available: sync is not implemented yet\n" +
      "- plain S down, rclone copy: 12 files differ\n" +
      "- plain S down, rclone bisync: exit 2: boom | bad\n",
  );
});

Deno.test("targetChecks compares ftp-clone with the issues' bounds", () => {
  const x = { op: "X pass" };
  const l = { op: "L up", files: 8, bytes: 8_000_000_000 };
  const rows = summarise([
    run("ftp-clone", 2, { cpuSeconds: 3 }),
    run("lftp mirror", 4),
    run("rclone copy", 5),
    run("ftp-clone", 1, { ...x, peakRssKiB: 200 * 1024, files: 200_000 }),
    run("rclone bisync", 1.5, x),
    run("lftp mirror", 3, x),
    run("ftp-clone", 10, l),
    run("lftp mirror", 8, l),
    run("curl 1 file (ceiling)", 0.5, { ...l, ceiling: true, files: 1, bytes: 1_000_000_000 }),
  ]);
  const checks = targetChecks(rows);
  assert.deepEqual(checks.map((c) => [c.target.split(":")[0], c.value, c.bound, c.met]), [
    ["plain S down", 0.5, 0.67, true],
    ["plain L up", 10 / 8, 0.9, false],
    // curl: 2,000 MB/s on one file; ours 800 MB/s.
    ["plain L up", 2.5, 1.5, false],
    ["plain X pass", 1 / 1.5, 0.3, false],
    // 3 s of CPU for 1,000 files.
    ["plain S down", 3, 0.4, false],
    // 200,000 files: issue 16's bound.
    ["plain X pass (200000 files)", 200, 160, false],
  ]);
  assert.match(targetsTable(checks), /\| plain S down: .* \| 0\.50 \| 0\.67 \| yes \|/);
});
