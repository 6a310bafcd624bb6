/**
 * `MetricsFile`: the sections' state in Prometheus's text format, for node_exporter's textfile
 * collector (`--collector.textfile.directory`), rewritten after each pass from the report store
 * (sync/report_store.ts). Written to a temporary name in the same directory and renamed, so the
 * collector never reads half a file. Counters are totals since each section's first pass; they
 * survive restarts because the report store keeps them.
 *
 * Alert examples: `time() - ftp_clone_last_success_timestamp_seconds > 3600`,
 * `ftp_clone_last_pass_success == 0`, `ftp_clone_sections_left_out > 0`.
 * @module
 */
import { basename, dirname, join } from "node:path";
import { readReport, type StoredReport } from "./report_store.ts";

/** One section as the metrics file shows it. */
export interface SectionMetrics {
  name: string;
  /** null before its first pass. */
  report: StoredReport | null;
}

/** `{section="FTP1"}` with Prometheus's label escaping. */
function labels(values: Record<string, string>): string {
  const parts = Object.entries(values).map(([key, value]) =>
    `${key}="${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`
  );
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function seconds(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

/** The text of the metrics file (pure). */
export function renderMetrics(sections: readonly SectionMetrics[], leftOut: number): string {
  const out: string[] = [];
  const family = (
    name: string,
    type: "gauge" | "counter",
    help: string,
    samples: [Record<string, string>, number | undefined][],
  ): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labelSet, value] of samples) {
      if (value !== undefined) out.push(`${name}${labels(labelSet)} ${value}`);
    }
  };
  const each = (
    value: (report: StoredReport) => number | undefined,
  ): [Record<string, string>, number | undefined][] =>
    sections.map((s) => [{ section: s.name }, s.report === null ? undefined : value(s.report)]);

  family(
    "ftp_clone_last_pass_success",
    "gauge",
    "1 when the section's last pass ended ok, 0 when it failed, was aborted, or none ran yet.",
    sections.map((s) => [{ section: s.name }, s.report?.outcome === "ok" ? 1 : 0]),
  );
  family(
    "ftp_clone_last_pass_timestamp_seconds",
    "gauge",
    "When the section's last pass ended (Unix time).",
    each((r) => seconds(r.finishedAt)),
  );
  family(
    "ftp_clone_last_success_timestamp_seconds",
    "gauge",
    "When a pass of the section last ended ok (Unix time).",
    each((r) => seconds(r.lastSuccessAt)),
  );
  family(
    "ftp_clone_last_pass_duration_seconds",
    "gauge",
    "How long the section's last pass took.",
    each((r) => {
      const start = seconds(r.startedAt);
      const end = seconds(r.finishedAt);
      return start === undefined || end === undefined ? undefined : Math.max(0, end - start);
    }),
  );
  family(
    "ftp_clone_last_pass_errors",
    "gauge",
    "Errors of the section's last pass (at most 20 are counted).",
    each((r) => r.errors.length),
  );
  family(
    "ftp_clone_passes_total",
    "counter",
    "Passes of the section since its first.",
    each((r) => r.totals.passes),
  );
  family(
    "ftp_clone_failed_passes_total",
    "counter",
    "Passes of the section that failed or were aborted.",
    each((r) => r.totals.failedPasses),
  );
  const actions: [string, keyof StoredReport["totals"]][] = [
    ["uploaded", "uploaded"],
    ["downloaded", "downloaded"],
    ["deleted_local", "deletedLocal"],
    ["deleted_remote", "deletedRemote"],
  ];
  family(
    "ftp_clone_files_total",
    "counter",
    "Files uploaded, downloaded, deleted locally (to the trash) and deleted on the server.",
    sections.flatMap((s) =>
      actions.map(([action, field]): [Record<string, string>, number | undefined] => [
        { section: s.name, action },
        s.report?.totals[field],
      ])
    ),
  );
  family(
    "ftp_clone_bytes_total",
    "counter",
    "Bytes transferred, both ways.",
    each((r) => r.totals.bytes),
  );
  family(
    "ftp_clone_conflicts_total",
    "counter",
    "Files changed on both sides, kept twice.",
    each((r) => r.totals.conflicts),
  );
  family(
    "ftp_clone_errors_total",
    "counter",
    "Errors reported by passes (at most 20 per pass).",
    each((r) => r.totals.errors),
  );
  family(
    "ftp_clone_sections_left_out",
    "gauge",
    "Sections of parametre.ini not synchronised because of configuration errors.",
    [[{}, leftOut]],
  );
  return out.join("\n") + "\n";
}

/** Writes `text` to `path` atomically (a temporary file in the same directory, then a rename). */
export function writeMetricsFile(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.tmp-${Deno.pid}`);
  try {
    // 0644: node_exporter runs as its own user.
    Deno.writeTextFileSync(temp, text, { mode: 0o644 });
    Deno.chmodSync(temp, 0o644);
    Deno.renameSync(temp, path);
  } catch (error) {
    try {
      Deno.removeSync(temp);
    } catch {
      // never written
    }
    throw new Error(`Cannot write MetricsFile "${path}": ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Reads each section's report from the state directory and writes the metrics file.
 * @throws when the file cannot be written (the message names it)
 */
export function updateMetricsFile(
  path: string,
  stateDir: string,
  sections: readonly { name: string; identifier?: string | undefined }[],
  leftOut: number,
): void {
  const metrics = sections.map((s) => ({
    name: s.name,
    report: s.identifier === undefined ? null : readReport(stateDir, s.identifier),
  }));
  writeMetricsFile(path, renderMetrics(metrics, leftOut));
}
