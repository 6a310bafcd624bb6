/**
 * The benchmark data sets, made deterministically from a seed: S (many small files), L (a few
 * large ones), X (a big tree identical on both sides) and C (X plus changes on each side).
 * @module
 */
import { Prng } from "./prng.ts";

/** Sizes of the data sets. */
export interface Scale {
  /** S: number of small files (1-16 KiB each). */
  sFiles: number;
  /** S: number of directories they are spread over. */
  sDirs: number;
  /** L: number of large files. */
  lFiles: number;
  /** L: bytes per large file. */
  lBytes: number;
  /** X: files in the tree that is identical on both sides (100 per directory). */
  xFiles: number;
  /** C: files changed on EACH side before the C pass. */
  cChanges: number;
}

const MIB = 1024 * 1024;

/** The scale: S 10,000 files in 100 dirs, L 8 x 128 MiB, X 50,000, C +100 per side. */
export const FULL_SCALE: Scale = {
  sFiles: 10_000,
  sDirs: 100,
  lFiles: 8,
  lBytes: 128 * MIB,
  xFiles: 50_000,
  cChanges: 100,
};

/** The smoke-run scale of `--quick`. */
export const QUICK_SCALE: Scale = {
  sFiles: 500,
  sDirs: 5,
  lFiles: 2,
  lBytes: 16 * MIB,
  xFiles: 2_000,
  cChanges: 20,
};

/** FULL_SCALE with every count and size multiplied by `factor` (at least 1 of each). */
export function scaleBy(factor: number): Scale {
  const n = (v: number) => Math.max(1, Math.round(v * factor));
  return {
    sFiles: n(FULL_SCALE.sFiles),
    sDirs: n(FULL_SCALE.sDirs),
    lFiles: FULL_SCALE.lFiles,
    lBytes: n(FULL_SCALE.lBytes),
    xFiles: n(FULL_SCALE.xFiles),
    cChanges: n(FULL_SCALE.cChanges),
  };
}

/** `scale` with the file counts of S and X (and S's directories) multiplied by `factor`. */
export function fewerFiles(scale: Scale, factor: number): Scale {
  const n = (v: number) => Math.max(1, Math.round(v * factor));
  return { ...scale, sFiles: n(scale.sFiles), sDirs: n(scale.sDirs), xFiles: n(scale.xFiles) };
}

/** One file of a data set. */
export interface FileSpec {
  /** Relative path, `/`-separated. */
  readonly path: string;
  /** Bytes. */
  readonly size: number;
  /** Modification time, seconds since the epoch. */
  readonly mtime: number;
  /** Varies the content: a changed file has the same path and another salt. */
  readonly salt: number;
}

/** 2025-06-01T12:00:00Z in seconds: older than six months, so LIST shows only the day. */
export const BASE_MTIME = 1_748_779_200;

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** S: `sFiles` files of 1-16 KiB spread evenly over `sDirs` directories `dNNN/`. */
export function smallFiles(scale: Scale, seed: number): FileSpec[] {
  const rng = new Prng(seed ^ 0x5151);
  const perDir = Math.ceil(scale.sFiles / scale.sDirs);
  const out: FileSpec[] = [];
  for (let i = 0; i < scale.sFiles; i++) {
    const dir = Math.floor(i / perDir);
    out.push({
      path: `d${pad(dir, 3)}/f${pad(i, 5)}.bin`,
      size: rng.int(1024, 16 * 1024),
      mtime: BASE_MTIME + i,
      salt: 0,
    });
  }
  return out;
}

/** L: `lFiles` files of `lBytes` each at the top level. */
export function largeFiles(scale: Scale): FileSpec[] {
  return Array.from({ length: scale.lFiles }, (_, i) => ({
    path: `big-${i}.bin`,
    size: scale.lBytes,
    mtime: BASE_MTIME + i,
    salt: 0,
  }));
}

/** X: `xFiles` files of 100-2,000 bytes, 100 per directory `aNN/bN/`, 10 leaves per parent. */
export function treeFiles(scale: Scale, seed: number): FileSpec[] {
  const rng = new Prng(seed ^ 0x7878);
  const out: FileSpec[] = [];
  for (let i = 0; i < scale.xFiles; i++) {
    const leaf = Math.floor(i / 100);
    out.push({
      path: `a${pad(Math.floor(leaf / 10), 3)}/b${leaf % 10}/x${pad(i, 6)}.txt`,
      size: rng.int(100, 2000),
      mtime: BASE_MTIME + i,
      salt: 0,
    });
  }
  return out;
}

/**
 * C: `cChanges` files of `tree` picked for each side (disjoint sets), with new content, a new size
 * and the mtime `changedAt` (seconds): what a day of edits looks like to a daemon's pass.
 */
export function changedFiles(
  tree: readonly FileSpec[],
  options: { count: number; seed: number; changedAt: number },
): { local: FileSpec[]; remote: FileSpec[] } {
  const count = Math.min(options.count, Math.floor(tree.length / 2));
  const rng = new Prng(options.seed ^ 0xc0c0);
  const picked = new Set<number>();
  while (picked.size < count * 2) picked.add(rng.int(0, tree.length - 1));
  const order = [...picked];
  const change = (index: number, k: number, side: number): FileSpec => {
    const old = tree[index];
    if (old === undefined) throw new RangeError(`No file ${index} in the tree`);
    return { path: old.path, size: old.size + 1 + k, mtime: options.changedAt + k, salt: side };
  };
  return {
    local: order.slice(0, count).map((index, k) => change(index, k, 1)),
    remote: order.slice(count).map((index, k) => change(index, k, 2)),
  };
}

/** Bytes the content of every file is cut from: 2 MiB of PRNG output (a start in the first
 * MiB plus a slice of up to 1 MiB). */
export function contentPool(seed: number): Uint8Array {
  return new Prng(seed).bytes(2 * MIB);
}

function hash32(text: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const encoder = new TextEncoder();

/** The content of bytes [offset, offset + length) of `spec`, cut from `pool`; `offset` is a
 * multiple of 1 MiB and `length` at most 1 MiB. */
export function contentSlice(
  spec: FileSpec,
  pool: Uint8Array,
  range: { offset: number; length: number },
): Uint8Array {
  const block = Math.floor(range.offset / MIB);
  const out = new Uint8Array(range.length);
  const start = (hash32(spec.path, spec.salt) + block * 7919) % MIB;
  out.set(pool.subarray(start, start + range.length));
  if (range.offset === 0) {
    out.set(encoder.encode(`${spec.path}#${spec.salt}\n`).subarray(0, range.length));
  }
  return out;
}

/** Writes `specs` under `root` (directories made as needed) with their mtimes; sync, one file at a time. */
export function writeTree(root: string, specs: readonly FileSpec[], pool: Uint8Array): void {
  const made = new Set<string>();
  for (const spec of specs) {
    const slash = spec.path.lastIndexOf("/");
    const dir = slash < 0 ? root : `${root}/${spec.path.slice(0, slash)}`;
    if (!made.has(dir)) {
      Deno.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const path = `${root}/${spec.path}`;
    if (spec.size <= MIB) {
      Deno.writeFileSync(path, contentSlice(spec, pool, { offset: 0, length: spec.size }));
    } else {
      using file = Deno.openSync(path, { write: true, create: true, truncate: true });
      // Whole MiB blocks: each block's slice stays inside the 2 MiB pool.
      for (let offset = 0; offset < spec.size; offset += MIB) {
        const length = Math.min(MIB, spec.size - offset);
        const chunk = contentSlice(spec, pool, { offset, length });
        for (let done = 0; done < chunk.length;) done += file.writeSync(chunk.subarray(done));
      }
    }
    Deno.utimeSync(path, spec.mtime, spec.mtime);
  }
}

/** Number of files and bytes under `root` (sync walk; symlinks are not followed). */
export function treeStats(root: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const stack = [root];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    for (const entry of Deno.readDirSync(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) stack.push(path);
      else if (entry.isFile) {
        files++;
        bytes += Deno.statSync(path).size;
      }
    }
  }
  return { files, bytes };
}

/** Sum of the sizes of `specs`. */
export function totalBytes(specs: readonly FileSpec[]): number {
  let sum = 0;
  for (const s of specs) sum += s.size;
  return sum;
}
