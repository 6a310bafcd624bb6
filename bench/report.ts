/**
 * Turns the runs into the results table: minimum and median seconds, files/s and MB/s at the
 * median, peak RSS, CPU seconds and the ratio to the best other tool; as markdown and JSON.
 * @module
 */

/** One timed run of one contender. */
export interface RunRecord {
  profile: string;
  op: string;
  contender: string;
  ceiling: boolean;
  rep: number;
  /** Exit status 0 (and not timed out). */
  ok: boolean;
  seconds: number;
  cpuSeconds: number;
  peakRssKiB: number;
  /** Files and bytes the operation covers (a pass: the files of the tree; bytes: the changes). */
  files: number;
  bytes: number;
  /** The result was checked on disk and was complete (undefined: not checked). */
  verified: boolean | undefined;
  /** Why it failed, or what the check found. */
  note?: string;
}

/** One line of the table. */
export interface Row {
  profile: string;
  op: string;
  contender: string;
  ceiling: boolean;
  runs: number;
  okRuns: number;
  minS: number | undefined;
  medianS: number | undefined;
  filesPerS: number | undefined;
  mbPerS: number | undefined;
  peakRssMiB: number | undefined;
  cpuS: number | undefined;
  /** Files the operation covers (as in RunRecord). */
  files: number;
  /** median / the best median of the other (non-ceiling) tools; < 1 is faster. */
  ratio: number | undefined;
  /** Every ok run was verified complete. */
  verified: boolean | undefined;
  note: string | undefined;
}

/** The median of `values` (the mean of the middle two for an even count); undefined if empty. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Groups runs by (profile, op, contender) in first-seen order and computes each row. */
export function summarise(
  records: readonly RunRecord[],
  options: { unavailable?: Record<string, string> } = {},
): Row[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const k = `${r.profile}\u0000${r.op}\u0000${r.contender}`;
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [r]);
    else g.push(r);
  }
  const rows: Row[] = [];
  for (const g of groups.values()) {
    const first = g[0];
    if (first === undefined) continue;
    const ok = g.filter((r) => r.ok);
    const med = median(ok.map((r) => r.seconds));
    const notes = [...new Set(g.map((r) => r.note).filter((n) => n !== undefined))];
    const checked = ok.filter((r) => r.verified !== undefined);
    rows.push({
      profile: first.profile,
      op: first.op,
      contender: first.contender,
      ceiling: first.ceiling,
      runs: g.length,
      okRuns: ok.length,
      minS: ok.length === 0 ? undefined : Math.min(...ok.map((r) => r.seconds)),
      medianS: med,
      filesPerS: med === undefined || first.files === 0 ? undefined : first.files / med,
      mbPerS: med === undefined || first.bytes === 0 ? undefined : first.bytes / 1e6 / med,
      peakRssMiB: ok.length === 0 ? undefined : Math.max(...ok.map((r) => r.peakRssKiB)) / 1024,
      cpuS: median(ok.map((r) => r.cpuSeconds)),
      files: first.files,
      ratio: undefined,
      verified: checked.length === 0 ? undefined : checked.every((r) => r.verified === true),
      note: notes.length === 0 ? undefined : notes.join("; "),
    });
  }
  for (const row of rows) {
    const others = rows.filter((o) =>
      o.profile === row.profile && o.op === row.op && o.contender !== row.contender &&
      !o.ceiling && o.medianS !== undefined
    );
    const best = Math.min(...others.map((o) => o.medianS ?? Infinity));
    if (row.medianS !== undefined && Number.isFinite(best)) row.ratio = row.medianS / best;
  }
  addUnavailable(rows, options.unavailable ?? {});
  return rows;
}

/** Adds a "not available" row for each unavailable contender to every (profile, op). */
function addUnavailable(rows: Row[], unavailable: Record<string, string>): void {
  const ops = [...new Set(rows.map((r) => `${r.profile}\u0000${r.op}`))];
  for (const [contender, reason] of Object.entries(unavailable)) {
    for (const key of ops) {
      const [profile = "", op = ""] = key.split("\u0000");
      if (rows.some((r) => r.profile === profile && r.op === op && r.contender === contender)) {
        continue;
      }
      const at = rows.findIndex((r) => r.profile === profile && r.op === op);
      rows.splice(at, 0, {
        profile,
        op,
        contender,
        ceiling: false,
        runs: 0,
        okRuns: 0,
        minS: undefined,
        medianS: undefined,
        filesPerS: undefined,
        mbPerS: undefined,
        peakRssMiB: undefined,
        cpuS: undefined,
        files: 0,
        ratio: undefined,
        verified: undefined,
        note: `not available: ${reason}`,
      });
    }
  }
}

/** A number with `digits` decimals, or "-" when there is none. */
export function fmt(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return "-";
  return value.toFixed(digits);
}

/** The markdown results table, one line per row. */
export function markdownTable(rows: readonly Row[]): string {
  const head = [
    "| profile | operation | contender | ok/runs | min s | median s | files/s | MB/s | peak RSS MiB | CPU s | ratio |",
    "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const lines = rows.map((r) => {
    const mark = r.verified === false ? " †" : "";
    const failed = r.runs === 0 ? "not available" : "failed";
    const median = r.okRuns === 0 ? failed : fmt(r.medianS, 2) + mark;
    const cells = [
      r.profile,
      r.op,
      r.ceiling ? `_${r.contender}_` : r.contender,
      `${r.okRuns}/${r.runs}`,
      fmt(r.minS, 2),
      median,
      fmt(r.filesPerS, 0),
      fmt(r.mbPerS, 1),
      fmt(r.peakRssMiB, 0),
      fmt(r.cpuS, 2),
      r.ratio === undefined ? "-" : `${r.ratio.toFixed(2)}x`,
    ];
    return `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
  });
  return [...head, ...lines].join("\n") + "\n";
}

/** One line per row with a note (failures, incomplete results, unavailable tools). */
export function notesList(rows: readonly Row[]): string {
  const lines = rows.filter((r) => r.note !== undefined).map((r) =>
    `- ${r.profile} ${r.op}, ${r.contender}: ${r.note?.replaceAll("\n", " ")}`
  );
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}

/** One of the issues' targets, checked against the rows of ftp-clone. */
export interface TargetCheck {
  target: string;
  /** The measured ratio, ms of CPU per file, seconds or MiB (as the target says). */
  value: number | undefined;
  /** The bound `value` must not exceed. */
  bound: number;
  met: boolean | undefined;
}

/**
 * The targets of issue 15 (speed, CPU per small file) and those of earlier issues that still hold
 * (the watch latency, the X pass's memory), from the medians of the rows. "The best other tool" is
 * the fastest of lftp mirror, rclone copy and rclone bisync (never a ceiling).
 */
export function targetChecks(rows: readonly Row[]): TargetCheck[] {
  const me = "ftp-clone";
  const others = ["lftp mirror", "rclone copy", "rclone bisync"];
  const row = (profile: string, op: string, contender: string) =>
    rows.find((r) => r.profile === profile && r.op === op && r.contender === contender);
  const med = (profile: string, op: string, contender: string) =>
    row(profile, op, contender)?.medianS;
  const best = (profile: string, op: string) => {
    const v = others.map((n) => med(profile, op, n)).filter((x) => x !== undefined);
    return v.length === 0 ? undefined : Math.min(...v);
  };
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a / b;
  const has = (profile: string, op: string) =>
    rows.some((r) => r.profile === profile && r.op === op);
  const checks: TargetCheck[] = [];
  const add = (target: string, value: number | undefined, bound: number) =>
    checks.push({ target, value, bound, met: value === undefined ? undefined : value <= bound });
  const versusBest = (profile: string, op: string, bound: number) =>
    add(
      `${profile} ${op}: at most ${bound} of the best other tool (ratio)`,
      ratio(med(profile, op, me), best(profile, op)),
      bound,
    );
  for (const profile of ["plain", "ftps"]) {
    for (const op of ["S down", "S up"]) if (has(profile, op)) versusBest(profile, op, 0.67);
  }
  for (const op of ["S down", "S up"]) if (has("rtt20", op)) versusBest("rtt20", op, 0.5);
  for (const op of ["L down", "L up"]) {
    if (!has("plain", op)) continue;
    versusBest("plain", op, 0.9);
    const curl = row("plain", op, "curl 1 file (ceiling)")?.mbPerS;
    const mine = row("plain", op, me)?.mbPerS;
    add(
      `plain ${op}: MB/s within 1.5x of curl on one file (curl MB/s / ours)`,
      ratio(curl, mine),
      1.5,
    );
  }
  for (const profile of ["plain", "rtt20"]) {
    if (has(profile, "X pass")) versusBest(profile, "X pass", 0.3);
  }
  if (has("plain", "C pass")) versusBest("plain", "C pass", 0.3);
  for (const op of ["S down", "S up"]) {
    const r = row("plain", op, me);
    if (r === undefined) continue;
    add(
      `plain ${op}: client CPU per small file, ms (start-up included)`,
      r.cpuS === undefined || r.files === 0 ? undefined : (r.cpuS * 1000) / r.files,
      0.4,
    );
  }
  const w = rows.find((r) => r.op === "W watch latency");
  if (w !== undefined) {
    add("plain W: a local change reaches the server within 3 s (median s)", w.medianS, 3);
  }
  const x = row("plain", "X pass", me);
  if (x !== undefined) {
    add(
      `plain X pass (${x.files} files): peak RSS, MiB`,
      x.peakRssMiB,
      x.files > 500_000 ? 200 : x.files > 100_000 ? 160 : 150,
    );
  }
  return checks;
}

/** The targets as a markdown table. */
export function targetsTable(checks: readonly TargetCheck[]): string {
  const lines = ["| target | measured | bound | met |", "|---|---:|---:|---|"];
  for (const c of checks) {
    const met = c.met === undefined ? "not measured" : c.met ? "yes" : "no";
    lines.push(`| ${c.target} | ${fmt(c.value, 2)} | ${fmt(c.bound, 2)} | ${met} |`);
  }
  return lines.join("\n") + "\n";
}
