/**
 * bench/results.json (everything, to compare commits) and bench/RESULTS.md (the table, the
 * targets, the machine and the versions).
 * @module
 */
import type { Scale } from "./data.ts";
import {
  markdownTable,
  notesList,
  type Row,
  type RunRecord,
  targetChecks,
  targetsTable,
} from "./report.ts";

/** The content of results.json. */
export interface ResultsFile {
  startedAt: string;
  finishedAt: string;
  command: string;
  /** A `--quick` smoke run: small data, one repetition. */
  quick: boolean;
  scale: Scale;
  reps: number;
  rttMs: number;
  /** The ftps and rtt20 profiles' S and X file counts are plain's x this. */
  profileScale: number;
  machine: Record<string, string>;
  versions: Record<string, string>;
  /** Contender -> why it did not run. */
  unavailable: Record<string, string>;
  rows: Row[];
  records: RunRecord[];
}

function keyValues(record: Record<string, string>): string {
  return Object.entries(record).map(([k, v]) => `- ${k}: ${v}`).join("\n") + "\n";
}

function notes(rows: readonly Row[]): string {
  const list = notesList(rows);
  return list === "" ? "" : `Notes:\n\n${list}\n`;
}

/** RESULTS.md. */
export function renderMarkdown(r: ResultsFile): string {
  const s = r.scale;
  const mib = (s.lBytes / 1024 / 1024).toFixed(0);
  const smoke = r.quick
    ? "**A smoke run (`--quick`): small data, one repetition; not the benchmark's numbers.**\n\n"
    : "";
  return `# Benchmark results

${smoke}\`${r.command}\`, ${r.startedAt} to ${r.finishedAt}; ${r.reps} repetition(s) per contender and
operation, interleaved. Data: S ${s.sFiles} files of 1-16 KiB in ${s.sDirs} dirs; L ${s.lFiles} x ${mib} MiB;
X ${s.xFiles} files identical on both sides; C = X + ${s.cChanges} changed files on each side.
Profiles: plain (vsftpd on loopback), ftps (explicit FTPS, TLS session reuse required), rtt20 (plain
FTP through the delay proxy, ${r.rttMs} ms round trip on control and data connections). ftps and
rtt20 run S and X with ${
    r.profileScale === 1 ? "the same" : `${r.profileScale} x the`
  } file counts (see the files/s column).

Seconds are wall-clock; files/s and MB/s (10^6 bytes) at the median; peak RSS is the largest
process of the contender's tree; CPU is user+sys of the whole tree (median); ratio = median / the
best median of the other tools (ceilings excluded): below 1 is faster. A pass (X, C) with lftp or
rclone copy runs down then up (\`--only-newer\` / \`--update\`); files/s of a pass counts the tree.
† = completed but the result on disk was incomplete (see the notes under the table).

${markdownTable(r.rows)}
${notes(r.rows)}## Targets (ftp-clone)

${targetsTable(targetChecks(r.rows))}
## Machine

${keyValues(r.machine)}
## Versions

${keyValues(r.versions)}`;
}
