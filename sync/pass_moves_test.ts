/**
 * Whole passes over the in-memory server for moves (issue 16): a renamed directory costs one
 * rename and no transfer, on either side, with MLSD or LIST only; what else changed ends at the
 * new name; a refused rename falls back with nothing lost; the next pass has nothing to do.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type Scenario, withScenario } from "../tests/support/sync_scenario.ts";
import { DatabaseSync } from "node:sqlite";
import { baselinePath, readBaseline } from "./baseline_reader.ts";
import { sectionRoots } from "./pass.ts";
import { FtpError } from "./ftp/errors.ts";
import type { PassOutcome } from "./pass.ts";
import { planLine } from "./action_text.ts";

const DAY = 86_400_000;

function ok(outcome: PassOutcome): void {
  assert.equal(outcome.report.outcome, "ok", outcome.report.errors.join("\n"));
}

/** Every file's content on both sides, path by path: the two sides must be equal. */
function assertSame(s: Scenario): void {
  assert.deepEqual(s.localPaths(), s.remotePaths());
  for (const path of s.localPaths().filter((p) => !p.endsWith("/"))) {
    assert.equal(s.readLocal(path), s.readRemote(path), path);
  }
}

/** `count` files under `dir` on the server, `ageMs` old, one second apart, of different sizes. */
function remoteTree(s: Scenario, dir: string, count: number, ageMs: number): void {
  for (let i = 0; i < count; i++) {
    s.writeRemote(
      `${dir}/f${i}.txt`,
      `file ${i} ${"x".repeat(i % 7)}`,
      s.clock.ms - ageMs + i * 1000,
    );
  }
}

async function transfersOf(s: Scenario, run: () => Promise<PassOutcome>): Promise<PassOutcome> {
  s.tree.resetCounts();
  const outcome = await run();
  ok(outcome);
  return outcome;
}

const SERVERS = [
  { name: "MLSD", precisionMs: 1000 },
  { name: "LIST only, files three days old", precisionMs: 60_000 },
] as const;

for (const { name, precisionMs } of SERVERS) {
  Deno.test(`runPass(), ${name}: a directory renamed locally is one rename on the server`, async () => {
    await withScenario(precisionMs, async (s) => {
      remoteTree(s, "photos/2025", 40, 3 * DAY);
      ok(await s.pass());
      s.renameLocal("photos/2025", "archive/photos-2025");
      const moved = await transfersOf(s, () => s.pass());
      assert.equal(s.tree.counts.rename, 1);
      assert.equal(s.tree.counts.upload + s.tree.counts.download, 0);
      assert.equal(moved.report.renamedRemote, 1);
      assert.equal(moved.report.deletedRemote, 0);
      assertSame(s);
      const again = await s.pass();
      assert.deepEqual(again.plan.actions.map((a) => `${a.type} ${a.path}`), []);
    });
  });

  Deno.test(`runPass(), ${name}: a directory renamed on the server is one rename here`, async () => {
    await withScenario(precisionMs, async (s) => {
      remoteTree(s, "photos/2025", 40, 3 * DAY);
      ok(await s.pass());
      const inode = Deno.statSync(join(s.local, "photos/2025/f0.txt")).ino;
      s.renameRemote("photos/2025", "photos/year-2025");
      const moved = await transfersOf(s, () => s.pass());
      assert.equal(s.tree.counts.upload + s.tree.counts.download, 0);
      assert.equal(moved.report.renamedLocal, 1);
      assert.equal(moved.report.deletedLocal, 0);
      assert.equal(Deno.statSync(join(s.local, "photos/year-2025/f0.txt")).ino, inode);
      assertSame(s);
      assert.deepEqual(s.trashPaths(), []);
      const again = await s.pass();
      assert.deepEqual(again.plan.actions.map((a) => `${a.type} ${a.path}`), []);
    });
  });
}

Deno.test("runPass(), LIST only: a file moved on the server is asked its exact time, then renamed here", async () => {
  await withScenario(60_000, async (s) => {
    remoteTree(s, "docs", 3, 3 * DAY);
    ok(await s.pass());
    s.renameRemote("docs/f1.txt", "f1-moved.txt");
    const moved = await transfersOf(s, () => s.pass());
    // The lister takes a three-day-old LIST minute as listed: the move asks its MDTM.
    assert.equal(s.tree.counts.download, 0);
    assert.equal(moved.report.renamedLocal, 1);
    assertSame(s);
  });
});

Deno.test("runPass(): moved on one side, modified on the other: the modified content at the new name", async (t) => {
  await t.step("moved locally, modified on the server", async () => {
    await withScenario(1000, async (s) => {
      s.writeRemote("a.txt", "v1", s.clock.ms - DAY);
      ok(await s.pass());
      s.renameLocal("a.txt", "b.txt");
      s.writeRemote("a.txt", "v2 from the server", s.clock.ms - 1000);
      ok(await s.pass());
      assert.deepEqual(s.localPaths(), ["b.txt"]);
      assert.equal(s.readLocal("b.txt"), "v2 from the server");
      assertSame(s);
      assert.deepEqual(s.trashPaths(), ["b.txt"]); // the local v1 it replaced
      assert.deepEqual((await s.pass()).plan.actions, []);
    });
  });
  await t.step("modified locally, moved on the server", async () => {
    await withScenario(1000, async (s) => {
      s.writeRemote("a.txt", "v1", s.clock.ms - DAY);
      ok(await s.pass());
      s.writeLocal("a.txt", "v2 from here");
      s.renameRemote("a.txt", "b.txt");
      const { report } = await transfersOf(s, () => s.pass());
      assert.equal(report.renamedLocal, 1);
      assert.equal(report.uploaded, 1);
      assert.equal(s.readRemote("b.txt"), "v2 from here");
      assertSame(s);
      assert.deepEqual((await s.pass()).plan.actions, []);
    });
  });
});

Deno.test("runPass(): moved on both sides", async (t) => {
  await t.step("to different names: both kept, one copy each", async () => {
    await withScenario(1000, async (s) => {
      s.writeRemote("a.txt", "content", s.clock.ms - DAY);
      ok(await s.pass());
      s.renameLocal("a.txt", "mine.txt");
      s.renameRemote("a.txt", "theirs.txt");
      ok(await s.pass());
      assert.deepEqual(s.localPaths(), ["mine.txt", "theirs.txt"]);
      assertSame(s);
      assert.deepEqual((await s.pass()).plan.actions, []);
    });
  });
  await t.step("to the same name: nothing transferred, the baseline follows", async () => {
    await withScenario(1000, async (s) => {
      remoteTree(s, "d", 5, DAY);
      ok(await s.pass());
      s.renameLocal("d", "e");
      s.renameRemote("d", "e");
      const { plan } = await transfersOf(s, () => s.pass());
      assert.deepEqual(
        plan.actions.map((a) => `${a.type} ${"from" in a ? a.from : ""} ${a.path}`),
        [
          "recordMove d e",
        ],
      );
      assert.equal(s.tree.counts.upload + s.tree.counts.download + s.tree.counts.rename, 0);
      assertSame(s);
      assert.deepEqual((await s.pass()).plan.actions, []);
    });
  });
});

Deno.test("runPass(): moved, then a new file under the old name: both handled", async (t) => {
  await t.step("locally", async () => {
    await withScenario(1000, async (s) => {
      s.writeRemote("report.txt", "old report", s.clock.ms - DAY);
      ok(await s.pass());
      s.renameLocal("report.txt", "report-2025.txt");
      s.writeLocal("report.txt", "new report");
      const { report } = await transfersOf(s, () => s.pass());
      assert.equal(report.renamedRemote, 1);
      assert.equal(report.uploaded, 1);
      assert.equal(s.readRemote("report-2025.txt"), "old report");
      assert.equal(s.readRemote("report.txt"), "new report");
      assertSame(s);
    });
  });
  await t.step("on the server, with MLSD's unique facts", async () => {
    await withScenario(1000, async (s) => {
      s.writeRemote("report.txt", "old report", s.clock.ms - DAY);
      ok(await s.pass());
      s.renameRemote("report.txt", "report-2025.txt");
      s.writeRemote("report.txt", "new report", s.clock.ms - 1000);
      const { report } = await transfersOf(s, () => s.pass());
      assert.equal(report.renamedLocal, 1);
      assert.equal(report.downloaded, 1);
      assert.equal(s.readLocal("report-2025.txt"), "old report");
      assertSame(s);
    }, { uniqueFacts: true });
  });
});

Deno.test("runPass(): a file moved into a new directory on the server, which is made first", async () => {
  await withScenario(1000, async (s) => {
    s.writeRemote("a.txt", "content", s.clock.ms - DAY);
    ok(await s.pass());
    s.renameLocal("a.txt", "new/deeper/a.txt");
    const { report } = await transfersOf(s, () => s.pass());
    assert.equal(report.renamedRemote, 1);
    assert.equal(s.tree.counts.upload, 0);
    assertSame(s);
    assert.deepEqual((await s.pass()).plan.actions, []);
  });
});

Deno.test("runPass(): a directory rename the server refuses is copied, then deleted: nothing lost", async () => {
  await withScenario(1000, async (s) => {
    remoteTree(s, "d", 5, DAY);
    ok(await s.pass());
    s.renameLocal("d", "e");
    s.tree.failNext({
      op: "rename",
      path: "/data/d",
      error: new FtpError("Permission denied", { code: 550, command: "RNTO", transient: false }),
    });
    const { report } = await transfersOf(s, () => s.pass());
    assert.equal(s.tree.counts.upload, 5);
    assert.equal(report.renamedRemote, 1);
    assertSame(s);
    assert.deepEqual((await s.pass()).plan.actions, []);
  });
});

Deno.test("runPass(): a rename that fails holds back what depends on it, and the next pass finishes", async () => {
  await withScenario(1000, async (s) => {
    remoteTree(s, "d", 3, DAY);
    ok(await s.pass());
    s.renameLocal("d", "e");
    s.writeLocal("e/new.txt", "added in the moved directory");
    s.tree.failNext({
      op: "rename",
      path: "/data/d",
      error: new FtpError("Service not available", { code: 421, command: "RNFR", transient: true }),
      times: 3,
    });
    const failed = await s.pass();
    assert.equal(failed.report.outcome, "failed");
    assert.equal(s.tree.counts.upload, 0, "nothing sent into a directory that is not there");
    ok(await s.pass());
    assertSame(s);
    assert.deepEqual((await s.pass()).plan.actions, []);
  });
});

Deno.test("runPass(): MaxDelete counts a moved tree as a move, not as deletions", async () => {
  await withScenario(1000, async (s) => {
    remoteTree(s, "all", 10, DAY);
    ok(await s.pass());
    s.renameLocal("all", "everything");
    const { report } = await s.pass();
    assert.equal(report.outcome, "ok", report.errors.join("\n"));
    assert.equal(report.renamedRemote, 1);
    assertSame(s);
  }, { section: { maxDeletePercent: 10 } });
});

Deno.test("runPass(): renames run in the order planned (a directory, then a file out of it)", async () => {
  await withScenario(1000, async (s) => {
    remoteTree(s, "d", 3, DAY);
    ok(await s.pass());
    // The second rename's source exists on the server only once the first is done, though its
    // destination is shallower.
    s.renameLocal("d", "x/y/e");
    s.renameLocal("x/y/e/f1.txt", "g.txt");
    const { plan, report } = await transfersOf(s, () => s.pass());
    assert.deepEqual(
      plan.actions.filter((a) => a.type === "renameRemote").map((a) => a.path),
      ["x/y/e", "g.txt"],
    );
    assert.equal(report.renamedRemote, 2);
    assert.equal(s.tree.counts.upload, 0);
    assertSame(s);
    assert.deepEqual((await s.pass()).plan.actions, []);
  });
});

Deno.test("runPass(), MLSD with unique facts: two equal files, the unique fact tells which moved", async () => {
  await withScenario(1000, async (s) => {
    const t0 = s.clock.ms - DAY;
    s.writeRemote("a.txt", "same", t0);
    s.writeRemote("c.txt", "same", t0);
    ok(await s.pass());
    // a.txt moved, c.txt deleted: by size and time alone, either could be b.txt.
    s.renameRemote("a.txt", "b.txt");
    s.tree.delete("/data/c.txt");
    const { report } = await transfersOf(s, () => s.pass());
    assert.equal(report.renamedLocal, 1);
    assert.equal(report.downloaded, 0);
    assert.deepEqual(s.trashPaths(), ["c.txt"]);
    assertSame(s);
  }, { uniqueFacts: true });
});

Deno.test("runPass(): rows written before inodes were kept get them, and a move is then seen", async () => {
  await withScenario(1000, async (s) => {
    remoteTree(s, "d", 3, DAY);
    ok(await s.pass());
    // A baseline from before the rows kept the local device and inode.
    const db = new DatabaseSync(baselinePath(s.stateDir, s.identifier));
    db.exec("UPDATE files SET local_dev = NULL, local_ino = NULL");
    db.close();
    assert.deepEqual((await s.pass()).plan.actions, []);
    s.renameLocal("d", "e");
    const { report } = await transfersOf(s, () => s.pass());
    assert.equal(report.renamedRemote, 1);
    assert.equal(s.tree.counts.upload, 0);
    assertSame(s);
  });
});

Deno.test("runPass(), dry run: a move is shown as the rename it will be, and nothing is done", async () => {
  await withScenario(1000, async (s) => {
    remoteTree(s, "d", 3, DAY);
    ok(await s.pass());
    s.renameLocal("d", "e");
    const dry = await transfersOf(s, () => s.pass({ dryRun: true }));
    assert.deepEqual(dry.plan.actions.map(planLine), [
      'rename the directory "d" -> "e" on the server: moved locally from "d" (the same ' +
      "directory: device and inode): renamed on the server too",
    ]);
    assert.equal(s.tree.counts.rename, 0);
    assert.deepEqual(s.remotePaths(), ["d/", "d/f0.txt", "d/f1.txt", "d/f2.txt"]);
  });
});

Deno.test("runPass(): a file seen within its own second is no move by its time alone", async (t) => {
  await t.step("another file of that size and second, after the pass: no move", async () => {
    await withScenario(1000, async (s) => {
      const t0 = s.clock.ms;
      s.writeRemote("a.txt", "aaaa", t0);
      s.writeRemote("keep.txt", "a file that stays", t0 - DAY);
      ok(await s.pass({ advanceMs: 0 }));
      // Later in the same second: a.txt deleted, another file of its size written.
      s.tree.delete("/data/a.txt");
      s.writeRemote("b.txt", "bbbb", t0 + 400);
      const { report } = await s.pass();
      assert.equal(report.outcome, "ok", report.errors.join("\n"));
      assert.equal(report.renamedLocal, 0);
      assert.equal(s.readLocal("b.txt"), "bbbb");
      assert.deepEqual(s.trashPaths(), ["a.txt"]);
      assertSame(s);
    });
  });
  await t.step("seen again by a later pass: a move", async () => {
    await withScenario(1000, async (s) => {
      s.writeRemote("a.txt", "aaaa", s.clock.ms);
      ok(await s.pass());
      assert.deepEqual((await s.pass()).plan.actions, []); // sees it settled
      s.renameRemote("a.txt", "b.txt");
      const { report } = await transfersOf(s, () => s.pass());
      assert.equal(report.renamedLocal, 1);
      assert.equal(s.tree.counts.download, 0);
      assertSame(s);
    });
  });
  await t.step("MLSD's unique fact, learnt after an upload, tells it at once", async () => {
    await withScenario(1000, async (s) => {
      s.writeLocal("a.txt", "aaaa");
      ok(await s.pass({ advanceMs: 0 }));
      const row = () =>
        readBaseline(s.stateDir, s.identifier, sectionRoots(s.section)).baseline.get("a.txt");
      assert.equal(row()?.remote.unique, undefined); // an upload does not tell it
      ok(await s.pass({ advanceMs: 0 }));
      assert.notEqual(row()?.remote.unique, undefined);
      s.renameRemote("a.txt", "b.txt");
      const { report } = await transfersOf(s, () => s.pass({ advanceMs: 0 }));
      assert.equal(report.renamedLocal, 1);
      assertSame(s);
    }, { uniqueFacts: true });
  });
});
