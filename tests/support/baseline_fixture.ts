/**
 * A baseline's roots, rows and a throw-away state directory, for the baseline's tests.
 * @module
 */
import type { BaselineRoots } from "../../sync/baseline_reader.ts";
import type { BaselineRow, Entry } from "../../sync/types.ts";

export const ROOTS: BaselineRoots = {
  server: "ftp.example.com",
  port: 21,
  user: "me",
  remoteDir: "/data",
  localDir: "/srv/data",
};
export const NOW = new Date("2026-11-25T10:00:00Z");

export function entry(path: string, extra: Partial<Entry> = {}): Entry {
  return {
    path,
    kind: "file",
    size: 3,
    mtimeMs: 1_700_000_000_123,
    mtimePrecisionMs: 1,
    rawTime: "",
    ...extra,
  };
}

export function row(path: string): BaselineRow {
  return {
    path,
    kind: "file",
    local: entry(path),
    remote: entry(path, {
      mtimeMs: 1_700_000_000_000,
      mtimePrecisionMs: 60_000,
      rawTime: "Nov 14 22:13",
    }),
  };
}

export async function withStateDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(`${dir}/state`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
