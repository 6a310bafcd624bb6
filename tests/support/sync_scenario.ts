/**
 * Scenario helper for engine tests: a temp Local_dir and StateDirectory, an in-memory remote
 * tree with a settable clock, and `pass()` running `runPass` over them.
 * @module
 */
import { dirname, join } from "node:path";
import type { SectionConfig } from "../../config/mod.ts";
import { MemoryRemoteTree } from "./memory_remote_fs.ts";
import type { HashAlgorithm } from "../../sync/ftp/remote_fs.ts";
import { type PassOptions, type PassOutcome, runPass } from "../../sync/pass.ts";
import { TRASH_DIR_NAME } from "../../sync/exclude.ts";
import { testSection } from "./section_config.ts";

/** A fake clock shared by the remote server and the passes (ms since the epoch). */
export interface FakeClock {
  ms: number;
}

/** Options of {@linkcode makeScenario}. */
export interface ScenarioOptions {
  precisionMs: 1000 | 60_000;
  /** Section fields to override. */
  section?: Partial<SectionConfig>;
  /** Tree options beyond precision. */
  renameOverwrite?: boolean;
  mfmt?: boolean;
  /** Hashes the server computes (see `MemoryRemoteTreeOptions.hashes`). */
  hashes?: readonly HashAlgorithm[];
  /** Listings carry MLSD's `unique` fact (see `MemoryRemoteTreeOptions.uniqueFacts`). */
  uniqueFacts?: boolean;
  poolSize?: number;
  /** Start time of the fake clock. @default {2026-11-25T10:00:00Z} */
  startMs?: number;
}

/** A running scenario. */
export interface Scenario {
  root: string;
  local: string;
  stateDir: string;
  remoteDir: string;
  tree: MemoryRemoteTree;
  clock: FakeClock;
  section: SectionConfig;
  identifier: string;
  /** Runs one pass at the clock's time; the clock then moves on by `advanceMs` (default 1 h). */
  pass(options?: Partial<PassOptions> & { advanceMs?: number }): Promise<PassOutcome>;
  writeLocal(path: string, content: string, mtimeMs?: number): void;
  readLocal(path: string): string | undefined;
  removeLocal(path: string): void;
  /** Every local path, sorted, directories with a trailing "/". */
  localPaths(): string[];
  /** Every remote path under Remote_dir, relative, sorted, directories with a trailing "/". */
  remotePaths(): string[];
  writeRemote(path: string, content: string, mtimeMs?: number): void;
  readRemote(path: string): string | undefined;
  /** Renames a local file or directory (relative paths; parents made). */
  renameLocal(from: string, to: string): void;
  /** Renames a remote file or directory as another client would (relative paths; parents made). */
  renameRemote(from: string, to: string): void;
  /** Files in the trash, relative to the section's trash directory, sorted. */
  trashPaths(): string[];
  cleanup(): Promise<void>;
}

/**
 * Lists a local tree (relative paths, directories with a trailing "/"), without the trash that
 * Local_dir holds at its top (`.ftp-clone-trash`, never synchronised).
 */
export function walkLocal(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    let items: Deno.DirEntry[];
    try {
      items = [...Deno.readDirSync(dir)];
    } catch {
      return;
    }
    for (const item of items) {
      if (prefix === "" && item.name === TRASH_DIR_NAME) continue;
      const rel = prefix === "" ? item.name : `${prefix}/${item.name}`;
      if (item.isDirectory) {
        out.push(`${rel}/`);
        walk(join(dir, item.name), rel);
      } else {
        out.push(rel);
      }
    }
  };
  walk(root, "");
  return out.sort();
}

/** Makes a scenario in a fresh temp directory. */
export async function makeScenario(options: ScenarioOptions): Promise<Scenario> {
  const root = await Deno.makeTempDir({ prefix: "ftp-clone-scenario-" });
  const local = join(root, "local");
  const stateDir = join(root, "state");
  Deno.mkdirSync(local);
  const clock: FakeClock = { ms: options.startMs ?? Date.parse("2026-11-25T10:00:00Z") };
  const tree = new MemoryRemoteTree({
    precisionMs: options.precisionMs,
    now: () => clock.ms,
    ...(options.renameOverwrite === undefined ? {} : { renameOverwrite: options.renameOverwrite }),
    ...(options.mfmt === undefined ? {} : { mfmt: options.mfmt }),
    ...(options.hashes === undefined ? {} : { hashes: options.hashes }),
    ...(options.uniqueFacts === undefined ? {} : { uniqueFacts: options.uniqueFacts }),
  });
  const remoteDir = "/data";
  tree.putDir(remoteDir);
  const identifier = "0123456789abcdef0123456789abcdef01234567";
  const section = testSection({
    concurrentConnections: options.poolSize ?? 4,
    remoteDir,
    localDir: local,
    identifier,
    ...options.section,
  });
  const remote = (path: string): string => `${remoteDir}/${path}`;
  const scenario: Scenario = {
    root,
    local,
    stateDir,
    remoteDir,
    tree,
    clock,
    section,
    identifier,
    async pass(passOptions = {}) {
      const { advanceMs, ...rest } = passOptions;
      const pool = tree.pool(options.poolSize ?? 4);
      try {
        return await runPass({
          section: scenario.section,
          stateDir,
          binDirectory: "/bin",
          dryRun: false,
          now: new Date(clock.ms),
          pool,
          identifier,
          retryDelaysMs: [1, 1],
          clock: () => new Date(clock.ms),
          ...rest,
        });
      } finally {
        await pool.close();
        clock.ms += advanceMs ?? 3_600_000;
      }
    },
    writeLocal(path, content, mtimeMs) {
      const abs = join(local, path);
      Deno.mkdirSync(dirname(abs), { recursive: true });
      Deno.writeTextFileSync(abs, content);
      const mtime = new Date(mtimeMs ?? clock.ms);
      Deno.utimeSync(abs, mtime, mtime);
    },
    readLocal(path) {
      try {
        return Deno.readTextFileSync(join(local, path));
      } catch {
        return undefined;
      }
    },
    removeLocal(path) {
      Deno.removeSync(join(local, path), { recursive: true });
    },
    localPaths: () => walkLocal(local),
    remotePaths() {
      const prefix = `${remoteDir}/`;
      return tree.paths().filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length))
        .filter((p) => p !== "");
    },
    writeRemote(path, content, mtimeMs) {
      tree.putFile(remote(path), content, { mtimeMs: mtimeMs ?? clock.ms });
    },
    readRemote: (path) => tree.readText(remote(path)),
    renameLocal(from, to) {
      Deno.mkdirSync(dirname(join(local, to)), { recursive: true });
      Deno.renameSync(join(local, from), join(local, to));
    },
    renameRemote(from, to) {
      const source = tree.parentOf(remote(from), { command: "RNFR" });
      const node = source.dir.children.get(source.name);
      if (node === undefined) throw new Error(`No remote entry at "${from}"`);
      const target = tree.parentOf(remote(to), { create: true, command: "RNTO" });
      source.dir.children.delete(source.name);
      target.dir.children.set(target.name, node);
    },
    trashPaths: () => walkLocal(join(local, TRASH_DIR_NAME)).filter((p) => !p.endsWith("/")),
    async cleanup() {
      await Deno.remove(root, { recursive: true });
    },
  };
  return scenario;
}

/** Runs `fn` on a fresh scenario and removes it afterwards. */
export async function withScenario(
  precisionMs: 1000 | 60_000,
  fn: (s: Scenario) => Promise<void>,
  extra: Partial<ScenarioOptions> = {},
): Promise<void> {
  const s = await makeScenario({ precisionMs, ...extra });
  try {
    await fn(s);
  } finally {
    await s.cleanup();
  }
}

/** Every file under a directory with its bytes (as a string), sorted. */
export function* walkAll(root: string): Generator<[string, string]> {
  const entries: [string, string][] = [];
  const walk = (dir: string): void => {
    for (const item of Deno.readDirSync(dir)) {
      const path = `${dir}/${item.name}`;
      if (item.isDirectory) walk(path);
      else entries.push([path, Deno.readFileSync(path).join(",")]);
    }
  };
  try {
    walk(root);
  } catch {
    return;
  }
  yield* entries.sort((a, b) => a[0] < b[0] ? -1 : 1);
}
