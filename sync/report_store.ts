/**
 * The last pass report of each section, for `status`: `<StateDirectory>/<Identifier>.report.json`,
 * replaced atomically.
 * @module
 */
import { join } from "node:path";
import type { PassReport } from "./types.ts";

/** Where a section's last report lives. */
export function reportPath(stateDir: string, identifier: string): string {
  return join(stateDir, `${identifier}.report.json`);
}

/** Saves a section's last pass report (temp file, then rename; mode 0600). */
export function saveReport(stateDir: string, report: PassReport): void {
  Deno.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = reportPath(stateDir, report.identifier);
  const temp = `${path}.tmp-${Deno.pid}`;
  Deno.writeTextFileSync(temp, JSON.stringify(report, null, 2) + "\n", { mode: 0o600 });
  Deno.renameSync(temp, path);
}

/** A section's last pass report, or null before its first pass (or when unreadable). */
export function readReport(stateDir: string, identifier: string): PassReport | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(reportPath(stateDir, identifier));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  try {
    return JSON.parse(text) as PassReport;
  } catch {
    return null;
  }
}
