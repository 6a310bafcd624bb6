/**
 * What was learned about each server, kept between runs in `<StateDirectory>/servers.json` (one
 * small JSON document, replaced atomically):
 * - its time (`server_time.ts`), so that a `sync` started every few minutes does not measure it
 *   again each time, and so that `status` and `check` can show it without connecting;
 * - the facts its FEAT and replies taught (`server_profile.ts`), so that a new process logs at
 *   info only what changed since (a new process still reads FEAT and learns quirks in use: what
 *   is stored never decides what is sent).
 * @module
 */
import { join } from "node:path";
import type { ServerTimeRecord } from "./server_time.ts";

/** The file's name in the state directory. */
export const SERVERS_FILE = "servers.json";

/** What a profile learned, as last logged: FEAT's summary and the quirks. */
export interface StoredFacts {
  features?: string;
  quirks: Record<string, boolean>;
}

/** One server's entry. */
interface StoredServer {
  time?: ServerTimeRecord;
  facts?: StoredFacts;
}

/** One server's stored time: `user@host:port` and its record. */
export interface StoredServerTime {
  server: string;
  record: ServerTimeRecord;
}

/** Where the file lives. */
export function serversPath(stateDir: string): string {
  return join(stateDir, SERVERS_FILE);
}

function isTime(value: unknown): value is ServerTimeRecord {
  const r = value as Partial<ServerTimeRecord> | null;
  const o = r?.offsetMinutes;
  return typeof r === "object" && r !== null && typeof o === "object" && o !== null &&
    [o.list, o.mlsd, o.mdtm, o.set].every((n) => Number.isInteger(n)) &&
    typeof r.skewMs === "number" && Number.isFinite(r.skewMs) &&
    (r.source === "measured" || r.source === "assumed");
}

function isFacts(value: unknown): value is StoredFacts {
  const f = value as Partial<StoredFacts> | null;
  return typeof f === "object" && f !== null && typeof f.quirks === "object" &&
    f.quirks !== null && (f.features === undefined || typeof f.features === "string");
}

function readAll(stateDir: string): Record<string, StoredServer> {
  let text: string;
  try {
    text = Deno.readTextFileSync(serversPath(stateDir));
  } catch {
    return {};
  }
  try {
    const servers = (JSON.parse(text) as { servers?: unknown }).servers;
    if (typeof servers !== "object" || servers === null) return {};
    // A damaged entry is learned again: nothing in it is worth an error.
    const out: Record<string, StoredServer> = {};
    for (const [server, entry] of Object.entries(servers as Record<string, unknown>)) {
      const e = (entry ?? {}) as { time?: unknown; facts?: unknown };
      out[server] = {
        ...(isTime(e.time) ? { time: e.time } : {}),
        ...(isFacts(e.facts) ? { facts: e.facts } : {}),
      };
    }
    return out;
  } catch {
    return {};
  }
}

function update(stateDir: string, server: string, change: StoredServer): void {
  Deno.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const servers = readAll(stateDir);
  servers[server] = { ...servers[server], ...change };
  const path = serversPath(stateDir);
  const temp = `${path}.tmp-${Deno.pid}`;
  Deno.writeTextFileSync(temp, JSON.stringify({ version: 1, servers }, null, 2) + "\n", {
    mode: 0o600,
  });
  Deno.renameSync(temp, path);
}

/** Every server's stored time, by server name (`user@host:port`); [] when none. */
export function readServerTimes(stateDir: string): StoredServerTime[] {
  return Object.entries(readAll(stateDir))
    .flatMap(([server, entry]) => entry.time === undefined ? [] : [{ server, record: entry.time }])
    .sort((a, b) => a.server < b.server ? -1 : a.server > b.server ? 1 : 0);
}

/** One server's stored time, or undefined. */
export function readServerTime(stateDir: string, server: string): ServerTimeRecord | undefined {
  return readAll(stateDir)[server]?.time;
}

/** Stores one server's time (temp file, then rename; mode 0600). */
export function saveServerTime(stateDir: string, server: string, record: ServerTimeRecord): void {
  update(stateDir, server, { time: record });
}

/** One server's stored facts, or undefined. */
export function readServerFacts(stateDir: string, server: string): StoredFacts | undefined {
  return readAll(stateDir)[server]?.facts;
}

/** Stores one server's facts. */
export function saveServerFacts(stateDir: string, server: string, facts: StoredFacts): void {
  update(stateDir, server, { facts });
}
