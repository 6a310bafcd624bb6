/**
 * The rows of the decision table added after real servers and disks were tried (docs/design.md,
 * issues 12 and 13), one table step per line.
 */
import assert from "node:assert/strict";
import { inFlightRow } from "./in_flight.ts";
import { snapshotEntry } from "./growing_file.ts";
import type { BaselineRow, Entry } from "./types.ts";
import {
  baseline,
  DAY,
  HOUR,
  ld,
  lf,
  NOW,
  rd,
  rf,
  run,
  STAMP,
  T0,
  table,
} from "../tests/support/plan_table.ts";

const MODIFIED = { t: T0 + HOUR, size: 11 };
const lower = (name: string): string => name.toLowerCase();
const FOLD = { foldLocalName: lower };

/** A baseline with one row whose halves are given. */
function rowOf(local: Entry, remote: Entry): Map<string, BaselineRow> {
  return new Map([[local.path, { path: local.path, kind: local.kind, local, remote }]]);
}

Deno.test("plan(): a remote file is replaced or deleted only once its version is proved", async (t) => {
  await table(t, [
    {
      name: "modified | unchanged by a LIST minute | upload, the baseline's exact version proved",
      local: [lf("a.txt", MODIFIED)],
      remote: [rf("a.txt", { precisionMs: 60_000 })],
      baseline: ["a.txt"],
      expected: ["upload a.txt (proved)"],
    },
    {
      name: "deleted | unchanged by a LIST day | delete remote, the version proved",
      local: [],
      remote: [rf("old.txt", { t: T0 - 400 * DAY, precisionMs: DAY })],
      baseline: rowOf(lf("old.txt", { t: T0 - 400 * DAY }), rf("old.txt", { t: T0 - 400 * DAY })),
      expected: ["deleteRemote file old.txt (proved)"],
    },
    {
      name: "modified | deleted | upload to a free name, nothing to prove",
      local: [lf("a.txt", MODIFIED)],
      remote: [],
      baseline: ["a.txt"],
      expected: ["upload a.txt"],
    },
  ]);
  await t.step("the version proved is the baseline's remote half", () => {
    const base = baseline(["a.txt"]);
    const [upload] = run({
      name: "",
      local: [lf("a.txt", MODIFIED)],
      remote: [rf("a.txt", { precisionMs: 60_000 })],
      baseline: base,
    }).actions;
    assert.deepEqual(upload?.proveRemote, base.get("a.txt")!.remote);
  });
});

Deno.test("plan(): equal bytes are never a conflict (same size: compared first)", async (t) => {
  const keepLocal = `keepBoth a.txt winner=local loser=a.conflict-${STAMP}-remote.txt`;
  const keepRemote = `keepBoth a.txt winner=remote loser=a.conflict-${STAMP}-local.txt`;
  await table(t, [
    {
      name: "no baseline, both sides, same size, different exact times | compare, else keep both",
      local: [lf("a.txt", { t: T0 + HOUR })],
      remote: [rf("a.txt", { t: T0, exact: true })],
      baseline: [],
      expected: [`compare a.txt else ${keepLocal}`],
    },
    {
      name: "created / modified on both sides, same size, different times | compare",
      local: [lf("a.txt", { t: T0 + HOUR, size: 11 })],
      remote: [rf("a.txt", { t: T0 + 2 * HOUR, size: 11, exact: true })],
      baseline: ["a.txt"],
      expected: [`compare a.txt else ${keepRemote}`],
    },
    {
      name: "same size and the same exact second | adopt, nothing compared",
      local: [lf("a.txt", { t: T0 + 400 })],
      remote: [rf("a.txt", { t: T0, exact: true })],
      baseline: [],
      expected: ["adopt a.txt"],
    },
    {
      name: "same size, the same LIST minute or day | compare (the exact time is read first)",
      local: [lf("a.txt", { t: T0 + 5000 }), lf("old.txt", { t: T0 - 400 * DAY })],
      remote: [
        rf("a.txt", { t: T0, exact: true, precisionMs: 60_000 }),
        rf("old.txt", { t: T0 - 400 * DAY, exact: true, precisionMs: DAY }),
      ],
      baseline: [],
      expected: [
        `compare a.txt else ${keepLocal}`,
        `compare old.txt else keepBoth old.txt winner=local loser=old.conflict-${STAMP}-remote.txt`,
      ],
    },
    {
      name: "different sizes | keep both, nothing compared",
      local: [lf("a.txt", { size: 1 })],
      remote: [rf("a.txt", { size: 2, exact: true })],
      baseline: [],
      expected: [keepLocal],
    },
    {
      name: "a conflict copy of the same size on both sides | compare, else the remote one wins",
      local: [lf("a.conflict-20260101T000000-local.txt", { t: T0 + HOUR })],
      remote: [rf("a.conflict-20260101T000000-local.txt", { exact: true })],
      baseline: [],
      expected: [
        "compare a.conflict-20260101T000000-local.txt else download " +
        "a.conflict-20260101T000000-local.txt",
      ],
    },
    {
      name: "Direction=upload | compare, only the remote side written",
      local: [lf("a.txt", { t: T0 + HOUR })],
      remote: [rf("a.txt", { t: T0, exact: true })],
      baseline: [],
      direction: "upload",
      expected: [
        `compare a.txt only=remote else keepBoth a.txt winner=local ` +
        `loser=a.conflict-${STAMP}-remote.txt only=remote`,
      ],
    },
    {
      name: "Direction=upload, a conflict copy | left alone (nothing could follow the compare)",
      local: [lf("b.conflict-20260101T000000-local.txt", { t: T0 + HOUR })],
      remote: [rf("b.conflict-20260101T000000-local.txt", { exact: true })],
      baseline: [],
      direction: "upload",
      expected: [],
      skipped: ["b.conflict-20260101T000000-local.txt"],
    },
  ]);
});

Deno.test("plan(): a change of kind on one side only wins like any one-sided change", async (t) => {
  await table(t, [
    {
      name: "unchanged directory | replaced by a file on the server | the file wins locally",
      local: [ld("x"), lf("x/a.txt"), ld("x/sub"), lf("x/sub/b.txt")],
      remote: [rf("x", MODIFIED)],
      baseline: ["x/", "x/a.txt", "x/sub/", "x/sub/b.txt"],
      expected: [
        "deleteLocal file x/sub/b.txt",
        "deleteLocal file x/a.txt",
        "deleteLocal dir x/sub",
        "deleteLocal dir x",
        "download x after deletions",
      ],
    },
    {
      name: "replaced by a file locally | unchanged directory | the file wins on the server",
      local: [lf("x", MODIFIED)],
      remote: [rd("x"), rf("x/a.txt")],
      baseline: ["x/", "x/a.txt"],
      expected: [
        "deleteRemote file x/a.txt (proved)",
        "deleteRemote dir x",
        "upload x after deletions",
      ],
    },
    {
      name: "unchanged file | replaced by a directory on the server | the directory wins locally",
      local: [lf("x")],
      remote: [rd("x"), rf("x/new.txt")],
      baseline: ["x"],
      expected: ["mkdirLocal x replacing the file", "download x/new.txt"],
    },
    {
      name: "replaced by a directory locally | unchanged file | the directory wins on the server",
      local: [ld("x"), lf("x/new.txt")],
      remote: [rf("x")],
      baseline: ["x"],
      expected: ["mkdirRemote x replacing the file (proved)", "upload x/new.txt"],
    },
    {
      name: "replaced by a file on the server | a file under the local directory changed | clash",
      local: [ld("x"), lf("x/a.txt", MODIFIED)],
      remote: [rf("x", MODIFIED)],
      baseline: ["x/", "x/a.txt"],
      expected: [`keepBoth x winner=local loser=x.conflict-${STAMP}-remote`],
      skipped: ["x/a.txt"],
    },
    {
      name: "replaced by a file on the server, Direction=upload | left alone",
      local: [ld("x"), lf("x/a.txt")],
      remote: [rf("x", MODIFIED)],
      baseline: ["x/", "x/a.txt"],
      direction: "upload",
      expected: [],
      skipped: ["x", "x", "x/a.txt"],
    },
  ]);
});

Deno.test("plan(): two server names of one local name (case-insensitive Local_dir)", async (t) => {
  const both =
    /The server has "A\.txt" and "a\.txt" in the top directory.*"A\.txt" is synchronised, "a\.txt" left alone/;
  await table(t, [
    {
      name: "A.txt and a.txt on the server, A.txt locally | A.txt synced, a.txt left alone",
      local: [lf("A.txt")],
      remote: [rf("A.txt", MODIFIED), rf("a.txt", { size: 3 })],
      baseline: ["A.txt"],
      options: FOLD,
      expected: ["download A.txt"],
      skipped: ["a.txt"],
      warnings: [both],
    },
    {
      name: "a row left for a.txt by an older pass | never deleted on the server",
      local: [lf("A.txt")],
      remote: [rf("A.txt"), rf("a.txt")],
      baseline: ["A.txt", "a.txt"],
      options: FOLD,
      expected: [],
      skipped: ["a.txt"],
      warnings: [both],
    },
    {
      name: "neither locally, no history | the first in code-point order is downloaded",
      local: [],
      remote: [rf("a.txt"), rf("A.txt")],
      baseline: [],
      options: FOLD,
      expected: ["download A.txt"],
      skipped: ["a.txt"],
      warnings: [both],
    },
    {
      name: "deleted locally | the one synced before is deleted, the other left alone",
      local: [],
      remote: [rf("A.txt"), rf("a.txt")],
      baseline: ["a.txt"],
      options: FOLD,
      expected: ["deleteRemote file a.txt (proved)"],
      skipped: ["A.txt"],
      warnings: [/"a\.txt" is synchronised, "A\.txt" left alone/],
    },
    {
      name: "Photos/ and photos/ on the server | one tree synced, the other left alone whole",
      local: [],
      remote: [rd("Photos"), rf("Photos/a.jpg"), rd("photos"), rf("photos/b.jpg")],
      baseline: [],
      options: FOLD,
      expected: ["mkdirLocal Photos", "download Photos/a.jpg"],
      skipped: ["photos"],
      warnings: [/"Photos" and "photos"/],
    },
    {
      name: "without folding (a case-sensitive Local_dir) | two files",
      local: [],
      remote: [rf("A.txt"), rf("a.txt")],
      baseline: [],
      expected: ["download A.txt", "download a.txt"],
      warnings: [],
    },
  ]);
});

Deno.test("plan(): a case-only rename on either side is carried out as a rename", async (t) => {
  await table(t, [
    {
      name: "unchanged | renamed Photo.JPG -> photo.jpg on the server | renamed locally",
      local: [lf("Photo.JPG")],
      remote: [rf("photo.jpg")],
      baseline: ["Photo.JPG"],
      options: FOLD,
      expected: ["renameLocal Photo.JPG -> photo.jpg rows=photo.jpg"],
    },
    {
      name: "renamed Photo.JPG -> photo.jpg locally | unchanged | renamed on the server",
      local: [lf("photo.jpg")],
      remote: [rf("Photo.JPG")],
      baseline: ["Photo.JPG"],
      options: FOLD,
      expected: ["renameRemote Photo.JPG -> photo.jpg rows=photo.jpg"],
    },
    {
      name: "modified | renamed on the server | renamed locally, then uploaded",
      local: [lf("Photo.JPG", MODIFIED)],
      remote: [rf("photo.jpg")],
      baseline: ["Photo.JPG"],
      options: FOLD,
      expected: ["renameLocal Photo.JPG -> photo.jpg rows=photo.jpg", "upload photo.jpg (proved)"],
    },
    {
      name: "a directory renamed Photos -> photos on the server | one local rename, rows moved",
      local: [ld("Photos"), lf("Photos/a.jpg")],
      remote: [rd("photos"), rf("photos/a.jpg")],
      baseline: ["Photos/", "Photos/a.jpg"],
      options: FOLD,
      expected: ["renameLocal Photos -> photos rows=photos,photos/a.jpg"],
    },
    {
      name: "no history, names differing by case | the server's name is kept, contents compared",
      local: [lf("readme.TXT", { t: T0 + HOUR })],
      remote: [rf("README.txt", { exact: true })],
      baseline: [],
      options: FOLD,
      expected: [
        "renameLocal readme.TXT -> README.txt",
        `compare README.txt else keepBoth README.txt winner=local ` +
        `loser=README.conflict-${STAMP}-remote.txt`,
      ],
    },
    {
      name: "a normalising Local_dir: é composed on the server, decomposed locally | renamed",
      local: [lf("cafe\u0301.txt")],
      remote: [rf("caf\u00e9.txt")],
      baseline: ["cafe\u0301.txt"],
      options: { foldLocalName: (name) => name.normalize("NFC") },
      expected: ["renameLocal cafe\u0301.txt -> caf\u00e9.txt rows=caf\u00e9.txt"],
    },
    {
      name: "Direction=upload, renamed on the server | the local side is not written",
      local: [lf("Photo.JPG")],
      remote: [rf("photo.jpg")],
      baseline: ["Photo.JPG"],
      options: FOLD,
      direction: "upload",
      expected: [],
      skipped: ["photo.jpg"],
    },
  ]);
});

Deno.test("plan(): a direct upload cut short is sent again, never downloaded", async (t) => {
  const cut = (): Map<string, BaselineRow> =>
    new Map([["a.txt", inFlightRow("a.txt", lf("a.txt", { size: 100 }), rf("a.txt"))]]);
  await table(t, [
    {
      name: "in flight | part of it on the server | upload again",
      local: [lf("a.txt", { size: 100 })],
      remote: [rf("a.txt", { size: 40, t: T0 + HOUR })],
      baseline: cut(),
      expected: ["upload a.txt (proved)"],
    },
    {
      name: "in flight | the old version still there | upload again",
      local: [lf("a.txt", { size: 100 })],
      remote: [rf("a.txt")],
      baseline: cut(),
      expected: ["upload a.txt (proved)"],
    },
    {
      name: "in flight, then deleted locally | our part on the server | deleted there",
      local: [],
      remote: [rf("a.txt", { size: 40, t: T0 + HOUR })],
      baseline: cut(),
      expected: ["deleteRemote file a.txt (proved)"],
    },
    {
      name: "in flight | a larger file written by someone else since | both kept",
      local: [lf("a.txt", { size: 100 })],
      remote: [rf("a.txt", { size: 500, t: T0 + HOUR })],
      baseline: cut(),
      expected: [`keepBoth a.txt winner=remote loser=a.conflict-${STAMP}-local.txt`],
    },
  ]);
});

Deno.test("plan(): a file that grew during its upload waits until it settles", async (t) => {
  const snapshot = (takenAt: number): Map<string, BaselineRow> =>
    rowOf(snapshotEntry(lf("log.txt", { size: 100 }), takenAt), rf("log.txt", { size: 100 }));
  const now = NOW.getTime();
  await table(t, [
    {
      name: "snapshot sent | still growing | held back",
      local: [lf("log.txt", { t: now - 1000, size: 150 })],
      remote: [rf("log.txt", { size: 100 })],
      baseline: snapshot(now - 60_000),
      expected: [],
      skipped: ["log.txt"],
    },
    {
      name: "snapshot sent | unchanged for a minute | uploaded",
      local: [lf("log.txt", { t: now - 61_000, size: 150 })],
      remote: [rf("log.txt", { size: 100 })],
      baseline: snapshot(now - 120_000),
      expected: ["upload log.txt (proved)"],
    },
    {
      name: "snapshot sent an hour ago | still growing | uploaded (at most once an hour)",
      local: [lf("log.txt", { t: now - 1000, size: 150 })],
      remote: [rf("log.txt", { size: 100 })],
      baseline: snapshot(now - HOUR),
      expected: ["upload log.txt (proved)"],
    },
  ]);
});
