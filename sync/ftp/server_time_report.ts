/**
 * One line about a server's time as stored in the state directory, for `status` and `check`
 * (neither connects to measure it).
 * @module
 */
import { type ServerKey, serverLabel } from "./server_profile.ts";
import { configuredOffset, describeServerTime } from "./server_time.ts";
import { readServerTime } from "./server_store.ts";

/**
 * `LIST in UTC+05:30, MDTM in UTC+05:30, times set in UTC+05:30; clock in step with ours
 * (measured 2026-12-06 02:11 UTC)`, `ServerTime UTC+05:30 (configured)`, or `not measured yet`.
 */
export function describeStoredServerTime(
  stateDir: string,
  server: ServerKey,
  configured?: { mode: "auto" } | { mode: "fixed"; offsetMinutes: number },
): string {
  if (configured?.mode === "fixed") {
    return describeServerTime(configuredOffset(configured.offsetMinutes));
  }
  const record = readServerTime(stateDir, serverLabel(server));
  if (record === undefined) return "not measured yet (the first pass measures it)";
  const at = record.atMs === undefined
    ? ""
    : ` (${record.source === "measured" ? "measured" : "since"} ` +
      `${new Date(record.atMs).toISOString().slice(0, 16).replace("T", " ")} UTC)`;
  return describeServerTime(record) + at;
}
