import assert from "node:assert/strict";
import { plan } from "./plan.ts";
import {
  baseline,
  describe,
  HOUR,
  ld,
  lf,
  listing,
  NOW,
  rd,
  rf,
  run,
  STAMP,
  T0,
  table,
} from "../tests/support/plan_table.ts";

const MODIFIED = { t: T0 + HOUR, size: 11 };

Deno.test("plan() follows the decision table, one row per line", async (t) => {
  await table(t, [
    {
      name: "unchanged | created / modified | download",
      local: [lf("a.txt")],
      remote: [rf("a.txt", MODIFIED)],
      baseline: ["a.txt"],
      expected: ["download a.txt"],
    },
    {
      name: "unchanged | deleted | delete local (to trash)",
      local: [lf("a.txt")],
      remote: [],
      baseline: ["a.txt"],
      expected: ["deleteLocal file a.txt"],
    },
    {
      name: "created / modified | unchanged | upload",
      local: [lf("a.txt", MODIFIED), lf("new.txt")],
      remote: [rf("a.txt")],
      baseline: ["a.txt"],
      // The remote a.txt is replaced only once proved to be still the baseline's version.
      expected: ["upload a.txt (proved)", "upload new.txt"],
    },
    {
      name: "deleted | unchanged | delete remote",
      local: [],
      remote: [rf("a.txt")],
      baseline: ["a.txt"],
      expected: ["deleteRemote file a.txt (proved)"],
    },
    {
      name: "deleted | deleted | forget",
      local: [],
      remote: [],
      baseline: ["a.txt"],
      expected: ["forget a.txt"],
    },
    {
      name: "deleted | modified | download (a change beats a delete)",
      local: [],
      remote: [rf("a.txt", MODIFIED)],
      baseline: ["a.txt"],
      expected: ["download a.txt"],
    },
    {
      name: "modified | deleted | upload",
      local: [lf("a.txt", MODIFIED)],
      remote: [],
      baseline: ["a.txt"],
      expected: ["upload a.txt"],
    },
    {
      name: "created / modified | created / modified, same size and content known equal | adopt",
      local: [lf("a.txt", { t: T0 + HOUR + 400, size: 11 }), lf("n.txt", { t: T0 + 5 })],
      remote: [
        rf("a.txt", { t: T0 + HOUR, size: 11, exact: true }),
        rf("n.txt", { t: T0, exact: true }),
      ],
      baseline: ["a.txt"],
      expected: ["adopt a.txt", "adopt n.txt"],
    },
    {
      name: "created / modified | created / modified, different | keep both (newer keeps the name)",
      local: [lf("a.txt", MODIFIED), lf("b.txt", { t: T0 + 2 * HOUR, size: 12 })],
      remote: [
        rf("a.txt", { t: T0 + 2 * HOUR, size: 12, exact: true }),
        rf("b.txt", { ...MODIFIED, exact: true }),
      ],
      baseline: ["a.txt", "b.txt"],
      expected: [
        `keepBoth a.txt winner=remote loser=a.conflict-${STAMP}-local.txt`,
        `keepBoth b.txt winner=local loser=b.conflict-${STAMP}-remote.txt`,
      ],
    },
    {
      name: "no baseline, one side only | copy to the other side",
      local: [lf("up.txt")],
      remote: [rf("down.txt")],
      baseline: [],
      expected: ["download down.txt", "upload up.txt"],
    },
    {
      name: "no baseline, both sides, different | keep both",
      local: [lf("a.txt", { size: 1 })],
      remote: [rf("a.txt", { size: 2, exact: true })],
      baseline: [],
      expected: [`keepBoth a.txt winner=local loser=a.conflict-${STAMP}-remote.txt`],
    },
  ]);
});

Deno.test("plan() on a first sync: a union, nothing deleted", async (t) => {
  await table(t, [
    {
      name: "equal size and mtime within precision: adopt",
      local: [lf("a.txt", { t: T0 + 999 })],
      remote: [rf("a.txt", { t: T0, exact: true })],
      baseline: [],
      expected: ["adopt a.txt"],
    },
    {
      name: "same size but no usable remote time: compared, both kept if different",
      local: [lf("a.txt", { t: 0 })],
      remote: [{
        ...rf("a.txt", { t: 0, exact: true }),
        mtimePrecisionMs: Number.MAX_SAFE_INTEGER,
      }],
      baseline: [],
      expected: [
        `compare a.txt else keepBoth a.txt winner=local loser=a.conflict-${STAMP}-remote.txt`,
      ],
    },
    {
      name: "different sizes: keep both; equal times: local wins",
      local: [lf("b.txt", { size: 1 })],
      remote: [rf("b.txt", { size: 2, exact: true })],
      baseline: [],
      expected: [`keepBoth b.txt winner=local loser=b.conflict-${STAMP}-remote.txt`],
    },
    {
      name: "directories on both sides are adopted, one side only are made",
      local: [ld("both"), ld("l"), ld("l/deep"), lf("l/deep/f.txt")],
      remote: [rd("both"), rd("r")],
      baseline: [],
      expected: [
        "mkdirRemote l",
        "mkdirLocal r",
        "mkdirRemote l/deep",
        "adopt both",
        "upload l/deep/f.txt",
      ],
    },
  ]);
});

Deno.test("plan() applies Direction after planning", async (t) => {
  const conflict = {
    local: [lf("a.txt", MODIFIED)],
    remote: [rf("a.txt", { t: T0 + 2 * HOUR, size: 12, exact: true })],
    baseline: ["a.txt"],
  };
  await table(t, [
    {
      name: "both: everything flows",
      local: [lf("up.txt")],
      remote: [rf("down.txt")],
      baseline: [],
      direction: "both",
      expected: ["download down.txt", "upload up.txt"],
    },
    {
      name: "upload: remote changes are left alone",
      local: [lf("up.txt"), lf("gone.txt"), ld("d")],
      remote: [rf("down.txt"), rd("rd")],
      baseline: ["gone.txt"],
      direction: "upload",
      expected: ["mkdirRemote d", "upload up.txt"],
      skipped: ["down.txt", "gone.txt", "rd"],
    },
    {
      name: "upload: local deletions reach the remote",
      local: [],
      remote: [rf("a.txt")],
      baseline: ["a.txt"],
      direction: "upload",
      expected: ["deleteRemote file a.txt (proved)"],
    },
    {
      name: "upload: a conflict keeps the local version, the remote one as a remote copy",
      ...conflict,
      direction: "upload",
      expected: [`keepBoth a.txt winner=local loser=a.conflict-${STAMP}-local.txt only=remote`],
    },
    {
      name: "download: local changes are left alone",
      local: [lf("up.txt"), ld("d")],
      remote: [rf("down.txt"), rf("gone.txt")],
      baseline: ["gone.txt"],
      direction: "download",
      expected: ["download down.txt"],
      skipped: ["d", "gone.txt", "up.txt"],
    },
    {
      name: "download: remote deletions reach the local side (to the trash)",
      local: [lf("a.txt")],
      remote: [],
      baseline: ["a.txt"],
      direction: "download",
      expected: ["deleteLocal file a.txt"],
    },
    {
      name: "download: a conflict keeps the remote version, the local one as a local copy",
      ...conflict,
      direction: "download",
      expected: [`keepBoth a.txt winner=remote loser=a.conflict-${STAMP}-local.txt only=local`],
    },
  ]);
});

Deno.test("plan() handles directories", async (t) => {
  await table(t, [
    {
      name:
        "deleted on the remote with unchanged content: files, then the directory, deepest first",
      local: [ld("d"), ld("d/e"), lf("d/e/f.txt"), lf("d/g.txt")],
      remote: [],
      baseline: ["d/", "d/e/", "d/e/f.txt", "d/g.txt"],
      expected: [
        "deleteLocal file d/e/f.txt",
        "deleteLocal dir d/e",
        "deleteLocal file d/g.txt",
        "deleteLocal dir d",
      ],
    },
    {
      name: "deleted locally while a file in it is new remotely: the change wins",
      local: [],
      remote: [rd("d"), rf("d/old.txt"), rf("d/new.txt")],
      baseline: ["d/", "d/old.txt"],
      expected: ["mkdirLocal d", "download d/new.txt", "deleteRemote file d/old.txt (proved)"],
      skipped: ["d"],
    },
    {
      name: "deleted remotely while a file in it changed locally: remade on the remote",
      local: [ld("d"), lf("d/f.txt", MODIFIED), lf("d/same.txt")],
      remote: [],
      baseline: ["d/", "d/f.txt", "d/same.txt"],
      expected: ["mkdirRemote d", "upload d/f.txt", "deleteLocal file d/same.txt"],
      skipped: ["d"],
    },
    {
      name: "deleted on both sides: forgotten",
      local: [],
      remote: [],
      baseline: ["d/", "d/f.txt"],
      expected: ["forget d", "forget d/f.txt"],
    },
    {
      name: "an empty directory is created on the other side and deleted when deleted",
      local: [ld("new")],
      remote: [rd("old")],
      baseline: ["old/"],
      expected: ["mkdirRemote new", "deleteRemote dir old"],
    },
    {
      name: "a directory's time never makes it modified",
      local: [{ ...ld("d"), mtimeMs: T0 + 9 * HOUR }],
      remote: [rd("d")],
      baseline: ["d/"],
      expected: [],
    },
  ]);
});

Deno.test("plan() never puts a conflict copy in conflict again", async (t) => {
  const copy = `a.conflict-20260101T000000-local.txt`;
  await table(t, [
    {
      name: "changed on both sides: the remote version wins, the local one goes to the trash",
      local: [lf(copy, MODIFIED)],
      remote: [rf(copy, { t: T0 + 2 * HOUR, size: 12, exact: true })],
      baseline: [copy],
      expected: [`download ${copy}`],
    },
    {
      name: "with Direction=upload it is left alone",
      local: [lf(copy, MODIFIED)],
      remote: [rf(copy, { t: T0 + 2 * HOUR, size: 12, exact: true })],
      baseline: [copy],
      direction: "upload",
      expected: [],
      skipped: [copy],
    },
    {
      name: "a taken conflict name gets a counter",
      local: [lf("a.txt", { size: 1 }), lf(`a.conflict-${STAMP}-remote.txt`)],
      remote: [rf("a.txt", { size: 2, exact: true })],
      baseline: [],
      expected: [
        `upload a.conflict-${STAMP}-remote.txt`,
        `keepBoth a.txt winner=local loser=a.conflict-${STAMP}-remote-2.txt`,
      ],
    },
  ]);
});

Deno.test("plan() settles a kind clash with nothing lost", async (t) => {
  await table(t, [
    {
      name: "a local file, a remote directory: the directory wins, its content waits",
      local: [lf("x")],
      remote: [rd("x"), rf("x/y.txt")],
      baseline: [],
      expected: [`keepBoth x winner=remote loser=x.conflict-${STAMP}-local`],
      skipped: ["x/y.txt"],
    },
    {
      name: "a local directory, a remote file changed too (both sides changed)",
      local: [ld("x.d")],
      remote: [rf("x.d", MODIFIED)],
      baseline: ["x.d"],
      expected: [`keepBoth x.d winner=local loser=x.conflict-${STAMP}-remote.d`],
    },
    {
      name: "Direction=upload, the file on the remote: renamed there",
      local: [ld("x")],
      remote: [rf("x")],
      baseline: [],
      direction: "upload",
      expected: [`keepBoth x winner=local loser=x.conflict-${STAMP}-remote only=remote`],
    },
    {
      name: "Direction=upload, the directory on the remote: left alone",
      local: [lf("x")],
      remote: [rd("x")],
      baseline: [],
      direction: "upload",
      expected: [],
      skipped: ["x"],
    },
  ]);
});

Deno.test("plan() counts deletions and conflicts, and sorts its actions", () => {
  const result = run({
    name: "mixed",
    local: [lf("keep.txt"), lf("c.txt", { size: 1 }), ld("n"), ld("n/m"), lf("a/b/c.txt")],
    remote: [rf("keep.txt"), rf("c.txt", { size: 2 }), rf("z/gone.txt"), rd("z")],
    baseline: ["keep.txt", "z/", "z/gone.txt", "r1.txt", "r2.txt"],
  });
  assert.deepEqual(result.deletes, { local: 0, remote: 1 });
  assert.equal(result.conflicts, 1);
  assert.deepEqual(result.actions.map(describe), [
    "mkdirRemote a",
    "mkdirRemote n",
    "mkdirRemote a/b",
    "mkdirRemote n/m",
    "upload a/b/c.txt",
    `keepBoth c.txt winner=remote loser=c.conflict-${STAMP}-local.txt`,
    "forget r1.txt",
    "forget r2.txt",
    "deleteRemote file z/gone.txt (proved)",
    "deleteRemote dir z",
  ]);
  // Every action carries the entries as listed.
  const upload = result.actions.find((action) => action.path === "a/b/c.txt");
  assert.deepEqual(upload?.local, lf("a/b/c.txt"));
  assert.equal(upload?.remote, undefined);
});

Deno.test("plan() does not send a name the server must not receive", () => {
  const result = run({
    name: "bad name",
    local: [lf("a\r\nDELE x"), lf("ok.txt")],
    remote: [],
    baseline: [],
  });
  assert.deepEqual(result.actions.map(describe), ["upload ok.txt"]);
  assert.deepEqual(result.skipped?.map((s) => s.path), ["a\r\nDELE x"]);
});

Deno.test("plan() uses the changes it is given and honours Exclude", async (t) => {
  await t.step("given changes", () => {
    const result = plan(
      { local: listing([lf("a.txt")]), remote: listing([rf("a.txt")]) },
      baseline(["a.txt"]),
      {
        direction: "both",
        now: NOW,
        localChanges: new Map(),
        remoteChanges: new Map([["a.txt", {
          kind: "modified",
          before: rf("a.txt"),
          after: rf("a.txt"),
        }]]),
      },
    );
    assert.deepEqual(result.actions.map(describe), ["download a.txt"]);
  });
  await t.step("an excluded path absent from a listing is not deleted", () => {
    const result = plan(
      { local: listing([]), remote: listing([rf("a.tmp")]) },
      baseline(["a.tmp"]),
      { direction: "both", now: NOW, isExcluded: (path) => path.endsWith(".tmp") },
    );
    assert.deepEqual(result.actions, []);
  });
});
