/**
 * What was learned about each server's time, kept between runs in
 * `<StateDirectory>/server-times.json` (one small JSON document, replaced atomically), so that a
 * `sync` started every few minutes does not measure again each time, and so that `status` and
 * `check` can show it without connecting.
 * @module
 */
import { join } from "node:path";
import type { ServerTimeRecord } from "./server_time.ts";

/** The file's name in the state directory. */
export const SERVER_TIMES_FILE = "server-times.json";

/** One server's entry: `user@host:port` and its record. */
export interface StoredServerTime {
  server: string;
  record: ServerTimeRecord;
}

/** Where the file lives. */
export function serverTimesPath(stateDir: string): string {
  return join(stateDir, SERVER_TIMES_FILE);
}

function isRecord(value: unknown): value is ServerTimeRecord {
  const r = value as Partial<ServerTimeRecord> | null;
  const o = r?.offsetMinutes;
  return typeof r === "object" && r !== null && typeof o === "object" && o !== null &&
    [o.list, o.mlsd, o.mdtm, o.set].every((n) => Number.isInteger(n)) &&
    typeof r.skewMs === "number" && Number.isFinite(r.skewMs) &&
    (r.source === "measured" || r.source === "assumed");
}

function readAll(stateDir: string): Record<string, ServerTimeRecord> {
  let text: string;
  try {
    text = Deno.readTextFileSync(serverTimesPath(stateDir));
  } catch {
    return {};
  }
  try {
    const servers = (JSON.parse(text) as { servers?: unknown }).servers;
    if (typeof servers !== "object" || servers === null) return {};
    return Object.fromEntries(Object.entries(servers).filter(([, r]) => isRecord(r)));
  } catch {
    // A damaged file is measured again: nothing in it is worth an error.
    return {};
  }
}

/** Every server's stored time, by server name (`user@host:port`); [] when none. */
export function readServerTimes(stateDir: string): StoredServerTime[] {
  return Object.entries(readAll(stateDir))
    .map(([server, record]) => ({ server, record }))
    .sort((a, b) => a.server < b.server ? -1 : a.server > b.server ? 1 : 0);
}

/** One server's stored time, or undefined. */
export function readServerTime(stateDir: string, server: string): ServerTimeRecord | undefined {
  return readAll(stateDir)[server];
}

/** Stores one server's time (temp file, then rename; mode 0600). */
export function saveServerTime(stateDir: string, server: string, record: ServerTimeRecord): void {
  Deno.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const servers = { ...readAll(stateDir), [server]: record };
  const path = serverTimesPath(stateDir);
  const temp = `${path}.tmp-${Deno.pid}`;
  Deno.writeTextFileSync(temp, JSON.stringify({ version: 1, servers }, null, 2) + "\n", {
    mode: 0o600,
  });
  Deno.renameSync(temp, path);
}
