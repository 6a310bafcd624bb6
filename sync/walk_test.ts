import assert from "node:assert/strict";
import { type WalkSides, walkTrees } from "./walk.ts";
import { MemoryBaselineSource } from "./baseline_source.ts";
import { parentOf } from "./baseline_schema.ts";
import { compileExclude } from "./exclude.ts";
import { localNamesOf, PLAIN_NAMES } from "./local_names.ts";
import { type Direction, plan } from "./plan.ts";
import type { BaselineRow, Entry } from "./types.ts";

const NOW = new Date("2026-11-25T10:00:00Z");
const T0 = Date.parse("2026-01-01T00:00:00Z");

/** mulberry32: a small deterministic PRNG, so that a failing seed can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Names that exercise every rule: case variants (folding), conflict copies, files and dirs. */
const NAMES = [
  "a",
  "A",
  "b",
  "c.txt",
  "C.txt",
  "d.txt",
  // The names plan() gives the first conflict copies of c.txt at NOW: taken ones are skipped.
  "c.conflict-20261125T100000-local.txt",
  "c.conflict-20261125T100000-remote.txt",
];

/** Inode numbers handed out so far: each new local file or directory gets its own. */
let inodes = 0;

function file(path: string, size: number, mtimeMs = T0): Entry {
  return {
    path,
    kind: "file",
    size,
    mtimeMs,
    mtimePrecisionMs: 1,
    rawTime: "",
    dev: 1,
    ino: ++inodes,
  };
}

function dir(path: string): Entry {
  return {
    path,
    kind: "dir",
    size: 0,
    mtimeMs: T0,
    mtimePrecisionMs: 1,
    rawTime: "",
    dev: 1,
    ino: ++inodes,
  };
}

/** A random tree of at most three levels (a few distinct times, so that moves can pair). */
function randomTree(rand: () => number, prefix = "", depth = 0, out = new Map<string, Entry>()) {
  for (const name of NAMES) {
    if (rand() > 0.35) continue;
    const path = prefix === "" ? name : `${prefix}/${name}`;
    if (depth < 2 && rand() < 0.45) {
      out.set(path, dir(path));
      randomTree(rand, path, depth + 1, out);
    } else {
      out.set(path, file(path, 1 + Math.floor(rand() * 3), T0 + Math.floor(rand() * 4) * 1000));
    }
  }
  return out;
}

/** `tree` with `from` (and what is under it) moved to `to`, entries (inodes) kept. */
function moveIn(tree: Map<string, Entry>, base: Map<string, Entry>, from: string, to: string) {
  for (const [p, e] of base) {
    if (p === from || p.startsWith(`${from}/`)) {
      const next = to + p.slice(from.length);
      tree.set(next, { ...e, path: next });
    }
  }
}

/**
 * One side after random changes to the base tree: edits (in place or through a new inode),
 * deletions, kind flips, moves (with a new file at the old name or not), additions.
 */
function mutate(base: Map<string, Entry>, rand: () => number): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const dropped: string[] = [];
  const moved: string[] = [];
  const gone = (path: string) => dropped.some((d) => path.startsWith(`${d}/`));
  for (const [path, entry] of [...base].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (gone(path)) continue;
    const r = rand();
    if (r < 0.52) {
      out.set(path, entry);
    } else if (r < 0.6) {
      dropped.push(path);
      moved.push(path);
      if (rand() < 0.25) out.set(path, file(path, 7));
    } else if (r < 0.72) {
      const edited = file(
        path,
        entry.size + 1 + Math.floor(rand() * 2),
        T0 + Math.floor(rand() * 3) * 7_000,
      );
      out.set(
        path,
        entry.kind === "file" ? (rand() < 0.5 ? { ...edited, ino: entry.ino! } : edited) : entry,
      );
    } else if (r < 0.86) {
      dropped.push(path);
    } else if (r < 0.92) {
      dropped.push(path);
      out.set(path, entry.kind === "file" ? dir(path) : file(path, 9));
    } else {
      out.set(path, entry);
      if (entry.kind === "dir") { for (const [p, e] of randomTree(rand, path, 2)) out.set(p, e); }
    }
  }
  const free = (p: string): boolean =>
    !out.has(p) && [...out.keys()].every((k) => !k.startsWith(`${p}/`)) &&
    (parentOf(p) === "" || out.get(parentOf(p))?.kind === "dir");
  for (const from of moved) {
    // To a name of the root or of a directory still there, sometimes the same on both sides.
    const dirs = ["", ...[...out.values()].filter((e) => e.kind === "dir").map((e) => e.path)];
    const parent = dirs[Math.floor(rand() * dirs.length)]!;
    const name = NAMES[Math.floor(rand() * NAMES.length)]! + (rand() < 0.5 ? ".moved" : "");
    const to = rand() < 0.4 ? `${from}.moved` : parent === "" ? name : `${parent}/${name}`;
    if (free(to) && !to.startsWith(`${from}/`)) moveIn(out, base, from, to);
  }
  for (const [p, e] of randomTree(rand)) {
    if (rand() < 0.3 && !gone(p) && free(p)) out.set(p, e);
  }
  return out;
}

/** What a lister returns: excluded entries and everything under them left out. */
function listed(tree: Map<string, Entry>, isExcluded: (p: string, k: "file" | "dir") => boolean) {
  return new Map([...tree].filter(([p, e]) => !isExcluded(p, e.kind)));
}

function childrenOf(tree: Map<string, Entry>, dir: string): Entry[] {
  return [...tree.values()].filter((e) => parentOf(e.path) === dir);
}

const EXCLUDES = [[], ["b"], ["*.txt"], ["a/"], ["A/c.txt"]];
const DIRECTIONS: Direction[] = ["both", "upload", "download"];

Deno.test("plan() over the walk's sparse inputs equals plan() over the full trees", async (t) => {
  for (let seed = 1; seed <= 400; seed++) {
    const rand = prng(seed);
    const base = randomTree(rand);
    const local0 = mutate(base, rand);
    const remote0 = mutate(base, rand);
    const baseline = new Map<string, BaselineRow>();
    for (const [path, e] of base) {
      // Some rows missing (a killed pass), some rows of paths no side has any more.
      if (rand() < 0.1) continue;
      baseline.set(path, { path, kind: e.kind, local: e, remote: e });
    }
    if (rand() < 0.3) {
      baseline.set("gone/x.txt", {
        path: "gone/x.txt",
        kind: "file",
        local: file("gone/x.txt", 1),
        remote: file("gone/x.txt", 1),
      });
    }
    const patterns = EXCLUDES[Math.floor(rand() * EXCLUDES.length)]!;
    const isExcluded = compileExclude(patterns);
    const direction = DIRECTIONS[Math.floor(rand() * DIRECTIONS.length)]!;
    const names = rand() < 0.5 ? PLAIN_NAMES : localNamesOf(true, "insensitive");
    const local = listed(local0, isExcluded);
    const remote = listed(remote0, isExcluded);

    const fold = names === PLAIN_NAMES ? {} : { foldLocalName: names.fold };
    const full = plan({ local, remote }, baseline, { direction, now: NOW, isExcluded, ...fold });
    const sides: WalkSides = {
      local: (d) => childrenOf(local, d),
      remote: (d) => Promise.resolve(childrenOf(remote, d)),
      baseline: new MemoryBaselineSource({
        baseline,
        remoteSeenMs: new Map(),
        remoteVerifiedMs: new Map(),
      }),
    };
    const walked = await walkTrees(sides, {
      isExcluded,
      foldLocalName: names.fold,
      concurrency: 1 + (seed % 4),
    });
    const sparse = plan({ local: walked.local, remote: walked.remote }, walked.baseline, {
      direction,
      now: NOW,
      isExcluded,
      localChanges: walked.localChanges,
      remoteChanges: walked.remoteChanges,
      ...fold,
    });
    const context = `seed ${seed}, Exclude ${JSON.stringify(patterns)}, Direction=${direction}`;
    assert.deepEqual(sparse, full, context);
    assert.equal(walked.localEmpty, local.size === 0, context);
    assert.equal(walked.remoteEmpty, remote.size === 0, context);
  }
  await t.step("400 random trees agree", () => {});
});

Deno.test("walkTrees() keeps only directories, changes, conflict copies and fold collisions", async () => {
  const unchanged = file("d/same.txt", 1);
  const local = new Map<string, Entry>([
    ["d", dir("d")],
    ["d/same.txt", unchanged],
    ["d/new.txt", file("d/new.txt", 1)],
    ["d/Photo.jpg", file("d/Photo.jpg", 1)],
    ["d/x.conflict-20261125T100000-local.txt", file("d/x.conflict-20261125T100000-local.txt", 1)],
  ]);
  const remote = new Map<string, Entry>([
    ["d", dir("d")],
    ["d/same.txt", unchanged],
    ["d/photo.jpg", file("d/photo.jpg", 1)],
    ["d/x.conflict-20261125T100000-local.txt", file("d/x.conflict-20261125T100000-local.txt", 1)],
  ]);
  const baseline = new Map<string, BaselineRow>();
  for (const path of ["d", "d/same.txt", "d/x.conflict-20261125T100000-local.txt"]) {
    const e = local.get(path)!;
    baseline.set(path, { path, kind: e.kind, local: e, remote: e });
  }
  const walked = await walkTrees({
    local: (d) => childrenOf(local, d),
    remote: (d) => Promise.resolve(childrenOf(remote, d)),
    baseline: new MemoryBaselineSource({
      baseline,
      remoteSeenMs: new Map(),
      remoteVerifiedMs: new Map(),
    }),
  }, { isExcluded: () => false, foldLocalName: localNamesOf(true, "none").fold, concurrency: 2 });
  assert.deepEqual([...walked.local.keys()].sort(), [
    "d",
    "d/Photo.jpg",
    "d/new.txt",
    "d/x.conflict-20261125T100000-local.txt",
  ]);
  assert.deepEqual([...walked.remote.keys()].sort(), [
    "d",
    "d/photo.jpg",
    "d/x.conflict-20261125T100000-local.txt",
  ]);
  assert.deepEqual([...walked.localChanges.keys()].sort(), ["d/Photo.jpg", "d/new.txt"]);
  assert.deepEqual([...walked.remoteChanges.keys()].sort(), ["d/photo.jpg"]);
});

Deno.test("walkTrees() leaves an unlistable remote directory unknown: nothing under it is planned", async () => {
  const local = new Map<string, Entry>([["u", dir("u")], ["u/a.txt", file("u/a.txt", 1)]]);
  const remote = new Map<string, Entry>([["u", dir("u")], ["v.txt", file("v.txt", 1)]]);
  const baseline = new Map<string, BaselineRow>();
  for (const e of [dir("u"), file("u/a.txt", 1), file("u/b.txt", 1)]) {
    baseline.set(e.path, { path: e.path, kind: e.kind, local: e, remote: e });
  }
  const walked = await walkTrees({
    local: (d) => childrenOf(local, d),
    remote: (d) => Promise.resolve(d === "u" ? "unlistable" : childrenOf(remote, d)),
    baseline: new MemoryBaselineSource({
      baseline,
      remoteSeenMs: new Map(),
      remoteVerifiedMs: new Map(),
    }),
  }, { isExcluded: () => false, concurrency: 2 });
  assert.deepEqual(walked.unknown, ["u"]);
  const p = plan({ local: walked.local, remote: walked.remote }, walked.baseline, {
    direction: "both",
    now: NOW,
    localChanges: walked.localChanges,
    remoteChanges: walked.remoteChanges,
  });
  assert.deepEqual(p.actions.map((a) => `${a.type} ${a.path}`), ["download v.txt"]);
});

Deno.test("walkTrees() tells the inodes an unchanged local entry's row should keep", async () => {
  const at = (entry: Entry, ino: number | undefined): Entry => {
    const { dev: _dev, ino: _ino, ...rest } = entry;
    return ino === undefined ? rest : { ...rest, dev: 1, ino };
  };
  const rows = [
    at(dir("d"), 1), // a directory keeps its row's inode (a new one under an old name)
    at(file("d/a", 1), undefined), // a row from before inodes were kept
    at(file("b", 1), 5), // replaced by a copy of the same size and time
    at(dir("e"), undefined),
    at(file("c", 1), undefined), // changed: its row is rewritten by its transfer
  ];
  const local = new Map<string, Entry>([
    ["d", at(dir("d"), 2)],
    ["d/a", at(file("d/a", 1), 3)],
    ["b", at(file("b", 1), 6)],
    ["e", at(dir("e"), 7)],
    ["c", at(file("c", 2), 8)],
  ]);
  const baseline = new Map<string, BaselineRow>();
  for (const e of rows) baseline.set(e.path, { path: e.path, kind: e.kind, local: e, remote: e });
  const told: string[] = [];
  await walkTrees({
    local: (d) => childrenOf(local, d),
    remote: (d) => Promise.resolve(childrenOf(new Map(rows.map((e) => [e.path, e])), d)),
    baseline: new MemoryBaselineSource({
      baseline,
      remoteSeenMs: new Map(),
      remoteVerifiedMs: new Map(),
    }),
  }, {
    isExcluded: () => false,
    concurrency: 1,
    onLocalIdentity: ({ path, ino }) => told.push(`${path}:${ino}`),
  });
  assert.deepEqual(told.sort(), ["b:6", "d/a:3", "e:7"]);
});
