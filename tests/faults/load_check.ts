/**
 * The load test's end checks, as functions of the final trees and the writers' ledger: each
 * returns a list of problems (empty when the property holds), so that one run reports all of them.
 * @module
 */
import { join } from "node:path";
import { type Ledger, sha, type Version } from "./load_writer.ts";

/** A tree: relative file path -> sha256, and the set of directories. */
export interface Tree {
  files: Map<string, string>;
  dirs: Set<string>;
}

/**
 * Every file (sha256) and directory under `root`; a missing root is an empty tree. `skip` leaves
 * out a top-level name (the trash, which Local_dir holds but the sync never sees).
 */
export function readTree(root: string, options: { skip?: string } = {}): Tree {
  const tree: Tree = { files: new Map(), dirs: new Set() };
  const walk = (dir: string, rel: string): void => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      return;
    }
    for (const e of entries) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (path === options.skip) continue;
      if (e.isDirectory) {
        tree.dirs.add(path);
        walk(join(dir, e.name), path);
      } else if (e.isFile) tree.files.set(path, sha(Deno.readFileSync(join(dir, e.name))));
    }
  };
  walk(root, "");
  return tree;
}

/** Paths under `root` with a component that is one of our temporary names. */
export function tempFiles(root: string): string[] {
  const tree = readTree(root);
  return [...tree.files.keys(), ...tree.dirs]
    .filter((p) => p.split("/").some((c) => c.startsWith(".ftp-clone.")));
}

/** sync/conflict_name.ts's CONFLICT_NAME_REGEXP, with the extension captured. */
const CONFLICT_MARKER = /\.conflict-\d{8}T\d{6}-(?:local|remote)(?:-\d+)?(\.[^.]*)?$/;

/** Whether a path is a conflict copy. */
export function isConflictCopy(path: string): boolean {
  return CONFLICT_MARKER.test(path);
}

/** The path a conflict copy stands for (`s/f1.conflict-...-local.txt` -> `s/f1.txt`), else itself. */
export function conflictOrigin(path: string): string {
  const m = CONFLICT_MARKER.exec(path);
  return m === null ? path : path.slice(0, m.index) + (m[1] ?? "");
}

/** Differences between the two sides' trees of one section. */
export function compareTrees(local: Tree, remote: Tree): string[] {
  const problems: string[] = [];
  for (const [path, hash] of local.files) {
    const other = remote.files.get(path);
    if (other === undefined) problems.push(`only local: ${path}`);
    else if (other !== hash) problems.push(`different bytes: ${path}`);
  }
  for (const path of remote.files.keys()) {
    if (!local.files.has(path)) problems.push(`only remote: ${path}`);
  }
  for (const d of local.dirs) if (!remote.dirs.has(d)) problems.push(`dir only local: ${d}/`);
  for (const d of remote.dirs) if (!local.dirs.has(d)) problems.push(`dir only remote: ${d}/`);
  return problems;
}

/** Options of {@linkcode checkOwned}. */
export interface OwnedOptions {
  /** `l/` (the local writer's files) or `r/` (the remote writer's). */
  prefix: "l/" | "r/";
  /**
   * Conflict copies there (a known bug: a local file rewritten during its upload) are listed
   * in `notes` instead of being problems, provided they hold a version of their path.
   */
  notes?: string[];
}

/**
 * Files owned by one writer: the final tree holds exactly the owner's last version of every
 * path it did not delete, nothing it deleted (no resurrection), and no conflict copy.
 */
export function checkOwned(tree: Tree, ledger: Ledger, options: OwnedOptions): string[] {
  const { prefix, notes } = options;
  const side = prefix === "l/" ? "local" : "remote";
  const problems: string[] = [];
  for (const [path, version] of ledger.last[side]) {
    if (!path.startsWith(prefix)) continue;
    const found = tree.files.get(path);
    if (version === null && found !== undefined) {
      problems.push(`${path}: deleted by the ${side} writer, but present (${found.slice(0, 8)})`);
    } else if (version !== null && found === undefined) {
      problems.push(`${path}: last ${side} version ${version.hash.slice(0, 8)} lost`);
    } else if (version !== null && found !== version.hash) {
      problems.push(
        `${path}: holds ${found?.slice(0, 8)}, not the last ${side} version ${
          version.hash.slice(0, 8)
        }` + (ledger.allHashes.has(found ?? "") ? " (an older version)" : " (unknown bytes)"),
      );
    }
  }
  for (const [path, hash] of tree.files) {
    if (!path.startsWith(prefix)) continue;
    if (isConflictCopy(path)) {
      const origin = conflictOrigin(path);
      const ofOrigin = (ledger.history.get(origin) ?? []).some((v) => v.hash === hash);
      const what = `${path}: a conflict copy where only the ${side} writer writes`;
      if (notes !== undefined && ofOrigin) notes.push(`${what} (known bug)`);
      else problems.push(`${what}${ofOrigin ? "" : `, holding no version of ${origin}`}`);
    } else if (!ledger.last[side].has(path)) {
      problems.push(`${path}: never written by the ${side} writer`);
    }
  }
  return problems;
}

/** Options of {@linkcode checkShared}. */
export interface SharedOptions {
  /** Hashes of the section's local trash. */
  trash: Set<string>;
  /** Gets a line for each newest local version found only in the trash (allowed, reported). */
  notes: string[];
}

/**
 * The shared files (both sides rewrite them, never delete): the newest version written (of
 * either side) is present under the name or a conflict name (a local one may be in the trash: a
 * download raced with the local write, and the trash kept it); the local writer's last version
 * is there too, or in the trash (overwritten by a newer remote version after its upload); every
 * file there is a version that was written to that path.
 */
export function checkShared(tree: Tree, ledger: Ledger, options: SharedOptions): string[] {
  const { trash, notes } = options;
  const problems: string[] = [];
  const family = new Map<string, Set<string>>();
  for (const [path, hash] of tree.files) {
    if (!path.startsWith("s/")) continue;
    const origin = conflictOrigin(path);
    const set = family.get(origin) ?? new Set();
    set.add(hash);
    family.set(origin, set);
    const written = ledger.history.get(origin) ?? [];
    if (!written.some((v) => v.hash === hash)) {
      problems.push(`${path}: bytes ${hash.slice(0, 8)} never written to ${origin}`);
    }
  }
  for (const [path, versions] of ledger.history) {
    if (!path.startsWith("s/")) continue;
    const here = family.get(path) ?? new Set<string>();
    const newest = versions.at(-1) as Version;
    const name = `${path}: the newest version (${newest.side}) ${newest.hash.slice(0, 8)}`;
    if (!here.has(newest.hash)) {
      if (newest.side === "local" && trash.has(newest.hash)) notes.push(`${name} is in the trash`);
      else problems.push(`${name} is lost`);
    }
    const local = ledger.last.local.get(path);
    if (local && !here.has(local.hash) && !trash.has(local.hash)) {
      problems.push(`${path}: the last local version ${local.hash.slice(0, 8)} is nowhere`);
    }
  }
  return problems;
}

/** Every file of a tree whose bytes no writer wrote (a partial or corrupted file). */
export function unknownContent(tree: Tree, ledger: Ledger): string[] {
  return [...tree.files].filter(([, hash]) => !ledger.allHashes.has(hash))
    .map(([path, hash]) => `${path}: unknown bytes ${hash.slice(0, 8)}`);
}

/** Median of numbers (0 for none). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid] as number
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
