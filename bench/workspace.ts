/**
 * The benchmark's directories and data: a master copy of every data set made from the seed,
 * the server's root (owned by the FTP user) and the local sources, all under one work dir.
 * @module
 */
import {
  changedFiles,
  contentPool,
  type FileSpec,
  largeFiles,
  type Scale,
  smallFiles,
  treeFiles,
  writeTree,
} from "./data.ts";
import type { Dataset } from "./contenders.ts";

/** Where everything lives, and the data sets' file lists. */
export interface Workspace {
  /** The work dir (removed at the end unless --keep). */
  readonly dir: string;
  /** The FTP server's root: S/, L/, X/ (sources and the X tree), runs/ (per-run targets). */
  readonly root: string;
  /** Local sources: S/, L/ and the local side of X/. */
  readonly local: string;
  /** Generated data sets, copied from for every fresh C tree. */
  readonly master: string;
  /** Per-run local directories and state. */
  readonly runs: string;
  /** Logs of every command. */
  readonly logs: string;
  /** HOME of lftp and rclone. */
  readonly home: string;
  /** Owner of the server's files (the FTP user). */
  readonly uid: number;
  readonly gid: number;
  /** The file lists by directory name: S, L, X, and S-small, X-small (smaller copies for the
   * ftps and rtt20 profiles) when asked for. */
  readonly sets: Readonly<Record<string, readonly FileSpec[]>>;
  /** The X tree (C passes start from a copy of it). */
  readonly tree: readonly FileSpec[];
  /** The C changes, one set per side. */
  readonly changes: { readonly local: readonly FileSpec[]; readonly remote: readonly FileSpec[] };
  /** Content source of every file. */
  readonly pool: Uint8Array;
}

/** Runs a program; throws with its stderr when it fails. */
export async function sh(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped", stdin: "null" })
    .output();
  if (!out.success) {
    throw new Error(
      `Cannot run "${cmd} ${args.join(" ")}": ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
}

/** Options of {@linkcode prepareWorkspace}. */
export interface WorkspaceOptions {
  scale: Scale;
  seed: number;
  datasets: readonly Dataset[];
  /** The server root (already made by the harness); its owner becomes the owner of every file. */
  root: string;
  /** Seconds since the epoch the C changes are stamped with. */
  changedAt: number;
  /** When set, also make S-small and X-small from this scale (ftps and rtt20 profiles). */
  smallScale?: Scale;
}

/** Generates the data sets that `datasets` need and lays out the work dir `dir`. */
export async function prepareWorkspace(dir: string, options: WorkspaceOptions): Promise<Workspace> {
  const { uid, gid } = await Deno.stat(options.root);
  const ws: Workspace = {
    dir,
    root: options.root,
    local: `${dir}/local`,
    master: `${dir}/master`,
    runs: `${dir}/runs`,
    logs: `${dir}/logs`,
    home: `${dir}/home`,
    uid: uid ?? 0,
    gid: gid ?? 0,
    sets: {},
    tree: treeFiles(options.scale, options.seed),
    changes: { local: [], remote: [] },
    pool: contentPool(options.seed),
  };
  for (const d of [ws.local, ws.master, ws.runs, ws.logs, ws.home, `${ws.root}/runs`]) {
    await Deno.mkdir(d, { recursive: true });
  }
  await Deno.writeTextFile(`${ws.home}/rclone.conf`, "");
  const want = new Set(options.datasets);
  const small = options.smallScale;
  const sets: Record<string, readonly FileSpec[]> = {};
  if (want.has("S")) sets["S"] = smallFiles(options.scale, options.seed);
  if (want.has("L")) sets["L"] = largeFiles(options.scale);
  if (want.has("X") || want.has("C")) sets["X"] = ws.tree;
  if (small !== undefined && want.has("S")) sets["S-small"] = smallFiles(small, options.seed);
  if (small !== undefined && want.has("X")) sets["X-small"] = treeFiles(small, options.seed);
  for (const [name, specs] of Object.entries(sets)) {
    writeTree(`${ws.master}/${name}`, specs, ws.pool);
    // X only for C: C passes copy the master; the shared trees are for X passes.
    if (name !== "X" || want.has("X")) {
      await sh("cp", ["-a", `${ws.master}/${name}`, `${ws.root}/${name}`]);
      await sh("cp", ["-a", `${ws.master}/${name}`, `${ws.local}/${name}`]);
    }
  }
  // A one-file directory for the ftp-clone availability probe.
  writeTree(
    `${ws.root}/probe`,
    [{ path: "hello.txt", size: 100, mtime: 1_748_779_200, salt: 0 }],
    ws.pool,
  );
  await sh("chown", ["-R", `${ws.uid}:${ws.gid}`, ws.root]);
  const changes = changedFiles(ws.tree, {
    count: options.scale.cChanges,
    seed: options.seed,
    changedAt: options.changedAt,
  });
  return { ...ws, sets, changes };
}

/** Makes a fresh copy of the X tree at `localDir` and at `remoteFsDir` (owned by the FTP user). */
export async function copyTree(
  ws: Workspace,
  localDir: string,
  remoteFsDir: string,
): Promise<void> {
  await Promise.all([
    sh("cp", ["-a", `${ws.master}/X`, localDir]),
    sh("cp", ["-a", `${ws.master}/X`, remoteFsDir]).then(() =>
      sh("chown", ["-R", `${ws.uid}:${ws.gid}`, remoteFsDir])
    ),
  ]);
}

/** Writes the C changes into both copies (remote files owned by the FTP user). */
export function applyChanges(ws: Workspace, localDir: string, remoteFsDir: string): void {
  writeTree(localDir, ws.changes.local, ws.pool);
  writeTree(remoteFsDir, ws.changes.remote, ws.pool);
  for (const spec of ws.changes.remote) {
    Deno.chownSync(`${remoteFsDir}/${spec.path}`, ws.uid, ws.gid);
  }
}

/** How many changed files do not have the same bytes on both sides (after a C pass). */
export function unsyncedChanges(ws: Workspace, localDir: string, remoteFsDir: string): number {
  let bad = 0;
  for (const spec of [...ws.changes.local, ...ws.changes.remote]) {
    try {
      const a = Deno.readFileSync(`${localDir}/${spec.path}`);
      const b = Deno.readFileSync(`${remoteFsDir}/${spec.path}`);
      if (a.length !== spec.size || b.length !== spec.size || !a.every((v, i) => v === b[i])) bad++;
    } catch {
      bad++;
    }
  }
  return bad;
}
