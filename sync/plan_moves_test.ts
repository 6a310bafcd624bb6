/**
 * The decision table's move rows (issue 16), one table step per line: a path that vanished and a
 * path that appeared on the same side as the same file or tree is carried out as a rename on the
 * other side, with the interplay of what else changed.
 */
import assert from "node:assert/strict";
import { compileExclude } from "./exclude.ts";
import { checkSafety } from "./safety.ts";
import type { Baseline, BaselineRow, Entry } from "./types.ts";
import {
  type EntryOptions,
  HOUR,
  ld,
  lf,
  rd,
  rf,
  run,
  STAMP,
  T0,
  table,
} from "../tests/support/plan_table.ts";

const MODIFIED = { t: T0 + HOUR, size: 11 };

/** A file synced at T0 whose local copy has inode `ino` (its remote one the same size and time). */
function synced(path: string, ino: number, options: EntryOptions = {}): BaselineRow {
  return {
    path,
    kind: "file",
    local: lf(path, { ...options, ino }),
    remote: rf(path, options),
  };
}

/** A directory synced, its local inode `ino`. */
function syncedDir(path: string, ino: number): BaselineRow {
  return { path, kind: "dir", local: ld(path, { ino }), remote: rd(path) };
}

function base(...rows: BaselineRow[]): Baseline {
  return new Map(rows.map((row) => [row.path, row]));
}

/** A tree `d` (local inode 5) of two files, x.txt (inode 7) and y.txt (inode 8, 11 bytes). */
const TREE = base(
  syncedDir("d", 5),
  synced("d/x.txt", 7),
  synced("d/y.txt", 8, { size: 11 }),
);
/** The tree `d` moved to `e` on one side. */
const LOCAL_E: Entry[] = [
  ld("e", { ino: 5 }),
  lf("e/x.txt", { ino: 7 }),
  lf("e/y.txt", { ino: 8, size: 11 }),
];
const REMOTE_E: Entry[] = [rd("e"), rf("e/x.txt"), rf("e/y.txt", { size: 11 })];
/** The tree `d` where it was. */
const LOCAL_D: Entry[] = [
  ld("d", { ino: 5 }),
  lf("d/x.txt", { ino: 7 }),
  lf("d/y.txt", { ino: 8, size: 11 }),
];
const REMOTE_D: Entry[] = [rd("d"), rf("d/x.txt"), rf("d/y.txt", { size: 11 })];

Deno.test("plan(): a move on one side is a rename on the other", async (t) => {
  await table(t, [
    {
      name: "moved A -> B locally (same inode, size and time) | unchanged | rename on the server",
      local: [lf("b.txt", { ino: 7 })],
      remote: [rf("a.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["renameRemote a.txt -> b.txt rows=b.txt"],
    },
    {
      name: "unchanged | moved A -> B on the server (same size, exact time) | rename here",
      local: [lf("a.txt", { ino: 7 })],
      remote: [rf("b.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["renameLocal a.txt -> b.txt rows=b.txt"],
    },
    {
      name: "unchanged | moved on the server, the same `unique` fact | rename here",
      local: [lf("a.txt", { ino: 7 })],
      remote: [rf("b.txt", { unique: "801U12" })],
      baseline: base({ ...synced("a.txt", 7), remote: rf("a.txt", { unique: "801U12" }) }),
      expected: ["renameLocal a.txt -> b.txt rows=b.txt"],
    },
    {
      name: "unchanged | vanished and appeared with other `unique` facts | no move",
      local: [lf("a.txt", { ino: 7 })],
      remote: [rf("b.txt", { unique: "801U13" })],
      baseline: base({ ...synced("a.txt", 7), remote: rf("a.txt", { unique: "801U12" }) }),
      expected: ["download b.txt", "deleteLocal file a.txt"],
    },
    {
      name: "unchanged | moved on the server, its time seen only within its own second | no move",
      local: [lf("a.txt", { ino: 7 })],
      remote: [rf("b.txt")],
      baseline: base(synced("a.txt", 7)),
      options: { remoteSettled: () => false },
      expected: ["download b.txt", "deleteLocal file a.txt"],
    },
    {
      name: "unchanged | moved on the server, not settled but the same `unique` fact | rename here",
      local: [lf("a.txt", { ino: 7 })],
      remote: [rf("b.txt", { unique: "801U12" })],
      baseline: base({ ...synced("a.txt", 7), remote: rf("a.txt", { unique: "801U12" }) }),
      options: { remoteSettled: () => false },
      expected: ["renameLocal a.txt -> b.txt rows=b.txt"],
    },
    {
      name: "unchanged | appeared with a LIST minute only (no exact time) | no move",
      local: [lf("a.txt", { ino: 7 })],
      remote: [rf("b.txt", { precisionMs: 60_000 })],
      baseline: base(synced("a.txt", 7)),
      expected: ["download b.txt", "deleteLocal file a.txt"],
    },
    {
      name: "a directory moved locally (its inode, a file found under it) | one rename",
      local: LOCAL_E,
      remote: REMOTE_D,
      baseline: TREE,
      expected: ["renameRemote d -> e rows=e,e/x.txt,e/y.txt"],
    },
    {
      name: "a directory moved on the server (its files by size and exact time) | one rename",
      local: LOCAL_D,
      remote: REMOTE_E,
      baseline: TREE,
      expected: ["renameLocal d -> e rows=e,e/x.txt,e/y.txt"],
    },
    {
      name: "a directory moved on the server, one of its files rewritten | rename, download it",
      local: LOCAL_D,
      remote: [rd("e"), rf("e/x.txt"), rf("e/y.txt", { t: T0 + HOUR, size: 12 })],
      baseline: TREE,
      expected: ["renameLocal d -> e rows=e,e/x.txt,e/y.txt", "download e/y.txt"],
    },
    {
      name: "less than half of a directory's files found under a new name | files paired alone",
      local: [...LOCAL_D, lf("d/z.txt", { ino: 9, size: 12 })],
      remote: [rd("e"), rf("e/x.txt"), rf("e/y.txt", { size: 13 }), rf("e/z.txt", { size: 14 })],
      baseline: base(...TREE.values(), synced("d/z.txt", 9, { size: 12 })),
      expected: [
        "renameLocal d/x.txt -> e/x.txt rows=e/x.txt parents=e",
        "mkdirLocal e",
        "download e/y.txt",
        "download e/z.txt",
        "deleteLocal file d/y.txt",
        "deleteLocal file d/z.txt",
        "deleteLocal dir d",
      ],
    },
    {
      name: "a directory moved locally, then a file out of it | two renames, in that order",
      local: [ld("e", { ino: 5 }), lf("e/y.txt", { ino: 8, size: 11 }), lf("f.txt", { ino: 7 })],
      remote: REMOTE_D,
      baseline: TREE,
      expected: [
        "renameRemote d -> e rows=e,e/x.txt,e/y.txt",
        "renameRemote e/x.txt -> f.txt rows=f.txt",
      ],
    },
    {
      name: "a directory moved locally and a new one made under its name | rename, mkdir",
      local: [ld("d", { ino: 9 }), ld("e", { ino: 5 }), lf("e/x.txt", { ino: 7 })],
      remote: [rd("d"), rf("d/x.txt")],
      baseline: base(syncedDir("d", 5), synced("d/x.txt", 7)),
      expected: ["renameRemote d -> e rows=e,e/x.txt", "mkdirRemote d"],
    },
    {
      name: "a directory's inode reused by a new one (no file of it found there) | no move",
      local: [ld("e", { ino: 5 }), lf("e/new.txt", { ino: 20 })],
      remote: [rd("d"), rf("d/x.txt")],
      baseline: base(syncedDir("d", 5), synced("d/x.txt", 7)),
      expected: [
        "mkdirRemote e",
        "upload e/new.txt",
        "deleteRemote file d/x.txt (proved)",
        "deleteRemote dir d",
      ],
    },
    {
      name: "moved locally into a new directory | the directory made on the server first",
      local: [ld("new", { ino: 3 }), lf("new/a.txt", { ino: 7 })],
      remote: [rf("a.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["renameRemote a.txt -> new/a.txt rows=new/a.txt parents=new", "mkdirRemote new"],
    },
  ]);
});

Deno.test("plan(): a move and what else changed", async (t) => {
  await table(t, [
    {
      name: "moved A -> B locally | modified A | rename on the server, then B downloaded",
      local: [lf("b.txt", { ino: 7 })],
      remote: [rf("a.txt", MODIFIED)],
      baseline: base(synced("a.txt", 7)),
      expected: ["renameRemote a.txt -> b.txt rows=b.txt", "download b.txt"],
    },
    {
      name: "modified A (same inode) | moved A -> B | rename here, then B uploaded",
      local: [lf("a.txt", { ino: 7, ...MODIFIED })],
      remote: [rf("b.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["renameLocal a.txt -> b.txt rows=b.txt", "upload b.txt (proved)"],
    },
    {
      name: "moved A -> B | moved A -> C | no move: B and C kept, one copy each",
      local: [lf("b.txt", { ino: 7 })],
      remote: [rf("c.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["forget a.txt", "upload b.txt", "download c.txt"],
    },
    {
      name: "moved A -> B | moved A -> B | only the baseline follows",
      local: [lf("b.txt", { ino: 7 })],
      remote: [rf("b.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["recordMove a.txt -> b.txt rows=b.txt"],
    },
    {
      name: "a directory moved to the same name on both sides | only the baseline follows",
      local: LOCAL_E,
      remote: REMOTE_E,
      baseline: TREE,
      expected: ["recordMove d -> e rows=e,e/x.txt,e/y.txt"],
    },
    {
      name: "moved A -> B, then a new A locally | unchanged | rename on the server, A uploaded",
      local: [lf("b.txt", { ino: 7 }), lf("a.txt", { ino: 8, ...MODIFIED })],
      remote: [rf("a.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["renameRemote a.txt -> b.txt rows=b.txt", "upload a.txt"],
    },
    {
      name: "unchanged | moved A -> B, then a new A on the server | rename here, A downloaded",
      local: [lf("a.txt", { ino: 7 })],
      remote: [rf("b.txt"), rf("a.txt", MODIFIED)],
      baseline: base(synced("a.txt", 7)),
      expected: ["renameLocal a.txt -> b.txt rows=b.txt", "download a.txt"],
    },
    {
      name: "moved A -> B locally | deleted A | no move: a change beats a delete, B uploaded",
      local: [lf("b.txt", { ino: 7 })],
      remote: [],
      baseline: base(synced("a.txt", 7)),
      expected: ["forget a.txt", "upload b.txt"],
    },
    {
      name: "deleted A | moved A -> B on the server | no move: B downloaded",
      local: [],
      remote: [rf("b.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["forget a.txt", "download b.txt"],
    },
    {
      name: "moved A -> B locally | another B on the server | no move: both B kept",
      local: [lf("b.txt", { ino: 7 })],
      remote: [rf("a.txt"), rf("b.txt", { size: 12 })],
      baseline: base(synced("a.txt", 7)),
      expected: [
        `keepBoth b.txt winner=remote loser=b.conflict-${STAMP}-local.txt`,
        "deleteRemote file a.txt (proved)",
      ],
    },
  ]);
});

Deno.test("plan(): what is not a move", async (t) => {
  await table(t, [
    {
      name: "unchanged | two vanished files, one appeared, all equal | ambiguous: no move",
      local: [lf("a.txt", { ino: 7 }), lf("c.txt", { ino: 8 })],
      remote: [rf("b.txt")],
      baseline: base(synced("a.txt", 7), synced("c.txt", 8)),
      expected: ["download b.txt", "deleteLocal file a.txt", "deleteLocal file c.txt"],
    },
    {
      name: "unchanged | one vanished, two equal copies appeared | ambiguous: no move",
      local: [lf("a.txt", { ino: 7 })],
      remote: [rf("b.txt"), rf("c.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["download b.txt", "download c.txt", "deleteLocal file a.txt"],
    },
    {
      name: "two new hard links of a vanished file | unchanged | ambiguous: no move",
      local: [lf("b.txt", { ino: 7 }), lf("c.txt", { ino: 7 })],
      remote: [rf("a.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["upload b.txt", "upload c.txt", "deleteRemote file a.txt (proved)"],
    },
    {
      name: "an editor saved A through a new inode | unchanged | a modification: upload",
      local: [lf("a.txt", { ino: 8, ...MODIFIED })],
      remote: [rf("a.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["upload a.txt (proved)"],
    },
    {
      name: "an editor kept the old A as A~ and saved A anew | unchanged | rename, A uploaded",
      local: [lf("a.txt~", { ino: 7 }), lf("a.txt", { ino: 8, ...MODIFIED })],
      remote: [rf("a.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["renameRemote a.txt -> a.txt~ rows=a.txt~", "upload a.txt"],
    },
    {
      name: "moved, then edited in place (same inode, other size) | unchanged | no move",
      local: [lf("b.txt", { ino: 7, ...MODIFIED })],
      remote: [rf("a.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["upload b.txt", "deleteRemote file a.txt (proved)"],
    },
    {
      name:
        "moved into a directory made under its own name | unchanged | no move (one rename can't)",
      local: [ld("a.txt", { ino: 9 }), lf("a.txt/a.txt", { ino: 7 })],
      remote: [rf("a.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["mkdirRemote a.txt replacing the file (proved)", "upload a.txt/a.txt"],
    },
    {
      name: "a directory moved into a new one under its own name | unchanged | its files moved",
      local: [ld("d", { ino: 9 }), ld("d/old", { ino: 5 }), lf("d/old/x.txt", { ino: 7 })],
      remote: [rd("d"), rf("d/x.txt")],
      baseline: base(syncedDir("d", 5), synced("d/x.txt", 7)),
      expected: [
        "renameRemote d/x.txt -> d/old/x.txt rows=d/old/x.txt parents=d/old",
        "mkdirRemote d/old",
      ],
    },
    {
      name: "moved under a name the server holds as a file | unchanged | no move",
      local: [ld("x", { ino: 9 }), lf("x/a.txt", { ino: 7 })],
      remote: [rf("x", { size: 3 }), rf("a.txt")],
      baseline: base(synced("x", 3, { size: 3 }), synced("a.txt", 7)),
      expected: [
        "mkdirRemote x replacing the file (proved)",
        "upload x/a.txt",
        "deleteRemote file a.txt (proved)",
      ],
    },
    {
      name: "moved locally to a name the server must not receive | unchanged | no move",
      local: [lf("b\u0007.txt", { ino: 7 })],
      remote: [rf("a.txt")],
      baseline: base(synced("a.txt", 7)),
      expected: ["deleteRemote file a.txt (proved)"],
      skipped: ["b\u0007.txt"],
    },
    {
      name: "no inode in the baseline (an older row) | unchanged | no move",
      local: [lf("b.txt", { ino: 7 })],
      remote: [rf("a.txt")],
      baseline: ["a.txt"],
      expected: ["upload b.txt", "deleteRemote file a.txt (proved)"],
    },
  ]);
});

Deno.test("plan(): moves under Direction and Exclude", async (t) => {
  await table(t, [
    {
      name: "Direction=upload: moved locally | unchanged | rename on the server",
      local: [lf("b.txt", { ino: 7 })],
      remote: [rf("a.txt")],
      baseline: base(synced("a.txt", 7)),
      direction: "upload",
      expected: ["renameRemote a.txt -> b.txt rows=b.txt"],
    },
    {
      name: "Direction=download: moved locally | unchanged | left alone, like its halves",
      local: [lf("b.txt", { ino: 7 })],
      remote: [rf("a.txt")],
      baseline: base(synced("a.txt", 7)),
      direction: "download",
      expected: [],
      skipped: ["a.txt", "b.txt"],
    },
    {
      name: "Direction=download: unchanged | moved on the server | rename here",
      local: [lf("a.txt", { ino: 7 })],
      remote: [rf("b.txt")],
      baseline: base(synced("a.txt", 7)),
      direction: "download",
      expected: ["renameLocal a.txt -> b.txt rows=b.txt"],
    },
    {
      name: "Direction=upload: unchanged | moved on the server | left alone",
      local: [lf("a.txt", { ino: 7 })],
      remote: [rf("b.txt")],
      baseline: base(synced("a.txt", 7)),
      direction: "upload",
      expected: [],
      skipped: ["a.txt", "b.txt"],
    },
    {
      name: "Direction=upload: moved to the same name on both sides | the baseline follows",
      local: [lf("b.txt", { ino: 7 })],
      remote: [rf("b.txt")],
      baseline: base(synced("a.txt", 7)),
      direction: "upload",
      expected: ["recordMove a.txt -> b.txt rows=b.txt"],
    },
    {
      name: "moved into an excluded directory | unchanged | a deletion",
      local: [],
      remote: [rf("a.txt")],
      baseline: base(synced("a.txt", 7)),
      options: { isExcluded: compileExclude(["tmp/"]) },
      expected: ["deleteRemote file a.txt (proved)"],
    },
    {
      name: "moved out of an excluded directory (its old row kept) | absent | a creation",
      local: [lf("a.txt", { ino: 7 })],
      remote: [],
      baseline: base(synced("tmp/a.txt", 7)),
      options: { isExcluded: compileExclude(["tmp/"]) },
      expected: ["upload a.txt"],
    },
    {
      name: "a directory with an excluded file's old row moved | its rows, not the excluded one",
      local: LOCAL_E,
      remote: REMOTE_D,
      baseline: base(...TREE.values(), synced("d/junk.tmp", 9)),
      options: { isExcluded: compileExclude(["*.tmp"]) },
      expected: ["renameRemote d -> e rows=e,e/x.txt,e/y.txt"],
    },
  ]);
});

Deno.test("plan(): the MaxDelete guard counts moves as moves, not deletions", () => {
  const rows = [syncedDir("d", 5)];
  const local: Entry[] = [ld("e", { ino: 5 })];
  const remote: Entry[] = [rd("d")];
  for (let i = 0; i < 10; i++) {
    rows.push(synced(`d/${i}.txt`, 100 + i, { size: i }));
    local.push(lf(`e/${i}.txt`, { ino: 100 + i, size: i }));
    remote.push(rf(`d/${i}.txt`, { size: i }));
  }
  const files = () => ({ local: 10, remote: 10 });
  const options = { maxDeletePercent: 50, localListingEmpty: false, remoteListingEmpty: false };
  const moved = run({ name: "", local, remote, baseline: base(...rows) });
  assert.deepEqual(moved.deletes, { local: 0, remote: 0 });
  assert.deepEqual(moved.actions.map((a) => `${a.type} ${a.path}`), ["renameRemote e"]);
  assert.deepEqual(checkSafety(moved, files, options), { ok: true });
  // The same tree without inodes is ten deletions and ten uploads: the guard stops it.
  const plain = run({
    name: "",
    local: local.map(({ dev: _dev, ino: _ino, ...entry }) => entry),
    remote,
    baseline: base(...rows),
  });
  assert.deepEqual(plain.deletes, { local: 0, remote: 10 });
  assert.equal(checkSafety(plain, files, options).ok, false);
});
