/**
 * The executor's test fixture: a temp Local_dir and state directory, an in-memory server tree
 * (`/r` is Remote_dir) with its failure injection, entries as listed, and server quirks.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { ExecuteOptions } from "../../sync/execute.ts";
import { FtpError } from "../../sync/ftp/errors.ts";
import {
  MemoryRemoteTree,
  type MemoryRemoteTreeOptions,
  type RemoteOp,
} from "./memory_remote_fs.ts";
import type { RemoteFs, RemoteFsPool } from "../../sync/ftp/remote_fs.ts";
import { statLocal } from "../../sync/local_fs.ts";
import type { Action, Entry, Plan } from "../../sync/types.ts";

/** The time of the executed pass. */
export const NOW = new Date("2026-11-25T10:00:00Z");

/** A running fixture. */
export interface Fixture {
  root: string;
  local: string;
  stateDir: string;
  tree: MemoryRemoteTree;
  pool: RemoteFsPool;
  deps: (extra?: Partial<ExecuteOptions>) => ExecuteOptions;
  /** The remote file at `path` as a listing shows it (at the tree's precision unless given). */
  remoteEntry: (path: string, precisionMs?: number) => Entry;
  localEntry: (path: string) => Entry;
  writeLocal: (path: string, content: string, mtimeMs?: number) => void;
  readLocal: (path: string) => string | undefined;
}

/** Runs `fn` on a fresh fixture and removes it afterwards. */
export async function withFixture(
  fn: (f: Fixture) => Promise<void>,
  options: Partial<MemoryRemoteTreeOptions> = {},
): Promise<void> {
  const root = await Deno.makeTempDir();
  const local = `${root}/local`;
  Deno.mkdirSync(local);
  const tree = new MemoryRemoteTree({ precisionMs: 1000, ...options });
  tree.putDir("/r");
  const pool = tree.pool(3);
  const fixture: Fixture = {
    root,
    local,
    stateDir: `${root}/state`,
    tree,
    pool,
    deps: (extra = {}) => ({
      pool,
      localRoot: local,
      remoteRoot: "/r",
      stateDir: `${root}/state`,
      identifier: "id",
      now: NOW,
      log: getLogger(["ftp-clone", "test"]),
      binDirectory: "/bin",
      linuxChmod: [],
      retryDelaysMs: [1, 1],
      ...extra,
    }),
    remoteEntry: (path, precisionMs) => {
      const data = tree.getFile(`/r/${path}`)!;
      const node = tree.node(`/r/${path}`)!;
      const listed = tree.listedTime(node.mtimeMs);
      const precision = precisionMs ?? listed.precisionMs;
      return {
        path,
        kind: "file",
        size: data.length,
        mtimeMs: Math.floor(node.mtimeMs / precision) * precision,
        mtimePrecisionMs: precision,
        rawTime: listed.rawTime,
      };
    },
    localEntry: (path) => statLocal(`${local}/${path}`, path)!,
    writeLocal: (path, content, mtimeMs) => {
      const abs = `${local}/${path}`;
      Deno.mkdirSync(abs.slice(0, abs.lastIndexOf("/")), { recursive: true });
      Deno.writeTextFileSync(abs, content);
      if (mtimeMs !== undefined) Deno.utimeSync(abs, new Date(mtimeMs), new Date(mtimeMs));
    },
    readLocal: (path) => {
      try {
        return Deno.readTextFileSync(`${local}/${path}`);
      } catch {
        return undefined;
      }
    },
  };
  try {
    await fn(fixture);
  } finally {
    await pool.close();
    await Deno.remove(root, { recursive: true });
  }
}

/** A plan of these actions. */
export function planOf(actions: Action[]): Plan {
  return { actions, deletes: { local: 0, remote: 0 }, conflicts: 0 };
}

/** The reply of a server that does not implement a command (502). */
export function notImplemented(command: string): FtpError {
  return new FtpError(`${command} not implemented`, { code: 502, command, transient: false });
}

/**
 * Makes the tree's server lack commands for good: `rename` (it refuses renames: RNFR/RNTO
 * rejected, and `capabilities.renames` false, as the FTP layer reports once it learned it),
 * `size` (no SIZE), `mtime` (no MDTM), `setMtime` (no MFMT).
 */
export function withoutCommands(tree: MemoryRemoteTree, ops: readonly RemoteOp[]): void {
  for (const op of ops) {
    if (op === "rename") tree.capabilities.renames = false;
    if (op === "setMtime") {
      tree.capabilities.mfmt = false;
      tree.capabilities.mdtmWrite = false;
      continue;
    }
    tree.failNext({ op, error: notImplemented(op.toUpperCase()), times: Infinity });
  }
}

/** A pool whose connections run `before(op, args)` before each call of the named operations. */
export function hookedPool(
  pool: RemoteFsPool,
  hooks: Partial<Record<keyof RemoteFs, (...args: unknown[]) => void | Promise<void>>>,
): RemoteFsPool {
  return {
    size: pool.size,
    close: () => pool.close(),
    use: (fn, signal) =>
      pool.use((fs) =>
        fn(
          new Proxy(fs, {
            get(target, key) {
              const value = Reflect.get(target, key);
              if (typeof value !== "function") return value;
              const hook = hooks[key as keyof RemoteFs];
              // Bound: the connection's methods use its private fields.
              if (hook === undefined) return value.bind(target);
              return async (...args: unknown[]) => {
                await hook(...args);
                return (value as (...a: unknown[]) => unknown).apply(target, args);
              };
            },
          }),
        ), signal),
  };
}
