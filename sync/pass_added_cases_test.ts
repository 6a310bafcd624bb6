/**
 * Whole passes over the in-memory server for the rows added after real servers and disks were
 * tried (issues 12 and 13): no lost update whatever the listing's precision, no conflict between
 * equal bytes, a change of kind on one side, servers without renames or SIZE, growing files.
 */
import assert from "node:assert/strict";
import { withScenario } from "../tests/support/sync_scenario.ts";
import { hookedPool, withoutCommands } from "../tests/support/execute_fixture.ts";
import { FtpError } from "./ftp/errors.ts";
import type { PassOutcome } from "./pass.ts";

const DAY = 86_400_000;

function ok(outcome: PassOutcome): void {
  assert.equal(outcome.report.outcome, "ok", outcome.report.errors.join("\n"));
}

/** The contents of every file on one side, sorted. */
function contents(read: (path: string) => string | undefined, paths: string[]): string[] {
  return paths.filter((p) => !p.endsWith("/")).map((p) => read(p) ?? "").sort();
}

const PRECISIONS = [
  { name: "MLSD seconds", precisionMs: 1000, ageMs: 2 * 3_600_000 },
  { name: "LIST minute", precisionMs: 60_000, ageMs: 2 * 3_600_000 },
  { name: "LIST day", precisionMs: 60_000, ageMs: 400 * DAY },
] as const;

for (const { name, precisionMs, ageMs } of PRECISIONS) {
  Deno.test(`runPass(), ${name}: a local edit never overwrites a remote version it did not see`, async () => {
    await withScenario(precisionMs, async (s) => {
      const t0 = s.clock.ms - ageMs + 20_000;
      s.writeRemote("a.txt", "version 1", t0);
      ok(await s.pass({ advanceMs: 600_000 }));
      assert.equal(s.readLocal("a.txt"), "version 1");
      // Another client rewrites it with the same size, backdated into the same listing bucket
      // (its second differs); then the local copy is edited.
      const rewrite = precisionMs === 1000 ? undefined : t0 - 10_000;
      if (rewrite !== undefined) s.writeRemote("a.txt", "version 2", rewrite);
      s.writeLocal("a.txt", "local edit", s.clock.ms);
      // With MLSD the listing sees any rewrite: this one comes after the listing, before the
      // upload's rename.
      let raced = false;
      const pool = hookedPool(s.tree.pool(4), {
        uploadFromFile: () => {
          if (precisionMs !== 1000 || raced) return;
          raced = true;
          s.writeRemote("a.txt", "version 2", s.clock.ms - 5000);
        },
      });
      try {
        const first = await s.pass({ pool, advanceMs: 600_000 });
        ok(first);
        assert.equal(first.report.uploaded, 0);
        assert.equal(s.readRemote("a.txt"), "version 2");
        // The next pass sees a version on each side: both kept.
        const second = await s.pass({ advanceMs: 600_000 });
        ok(second);
        assert.equal(second.report.conflicts, 1);
        const local = contents(s.readLocal, s.localPaths());
        assert.deepEqual(local, ["local edit", "version 2"]);
        assert.deepEqual(contents(s.readRemote, s.remotePaths()), local);
        const third = await s.pass();
        assert.deepEqual(third.plan.actions, []);
      } finally {
        await pool.close();
      }
    });
  });
}

Deno.test("runPass(): a file first seen in a coarse listing is recorded at its exact time", async (t) => {
  // A download, and an adoption of equal files, record MDTM's second: a later local edit then
  // replaces the unchanged server file instead of keeping it as unprovable.
  for (
    const [name, ageMs] of [["LIST day", 400 * DAY], ["LIST minute, days old", 3 * DAY]] as const
  ) {
    await t.step(name, async () => {
      await withScenario(60_000, async (s) => {
        const t0 = s.clock.ms - ageMs + 20_000;
        s.writeRemote("down.txt", "downloaded", t0);
        s.writeRemote("same.txt", "equal", t0);
        s.writeLocal("same.txt", "equal", t0 + 400);
        ok(await s.pass({ advanceMs: 600_000 }));
        s.writeLocal("down.txt", "local edit", s.clock.ms);
        s.writeLocal("same.txt", "local edit", s.clock.ms);
        const { report } = await s.pass();
        assert.equal(report.outcome, "ok", report.errors.join("\n"));
        assert.equal(report.uploaded, 2);
        assert.equal(s.readRemote("down.txt"), "local edit");
        assert.equal(s.readRemote("same.txt"), "local edit");
      });
    });
  }
});

Deno.test("runPass(): a remote file rewritten within its LIST minute is not deleted", async () => {
  await withScenario(60_000, async (s) => {
    const t0 = s.clock.ms - 3_600_000 + 20_000;
    s.writeRemote("a.txt", "version 1", t0);
    s.writeRemote("other.txt", "stays", t0);
    ok(await s.pass({ advanceMs: 600_000 }));
    s.writeRemote("a.txt", "version 2", t0 - 10_000);
    s.removeLocal("a.txt");
    const first = await s.pass({ advanceMs: 600_000 });
    ok(first);
    assert.equal(first.report.deletedRemote, 0);
    assert.equal(s.readRemote("a.txt"), "version 2");
    ok(await s.pass());
    assert.equal(s.readLocal("a.txt"), "version 2");
  });
});

Deno.test("runPass(): a first pass over an existing mirror makes no conflict and sends nothing", async (t) => {
  const files = ["index.html", "css/site.css", "img/logo.svg"];
  await t.step("uploaded by FileZilla (server times newer), a server with HASH", async () => {
    await withScenario(1000, async (s) => {
      const authored = s.clock.ms - 30 * DAY;
      for (const path of files) {
        s.writeLocal(path, `content of ${path}`, authored);
        s.writeRemote(path, `content of ${path}`, s.clock.ms - DAY);
      }
      const first = await s.pass();
      ok(first);
      assert.equal(first.report.conflicts, 0);
      assert.equal(first.report.comparedByHash, 3);
      assert.equal(s.tree.counts.upload + s.tree.counts.download, 0);
      // The older time, the authoring one, on both sides.
      for (const path of files) assert.equal(s.tree.node(`/data/${path}`)?.mtimeMs, authored);
      s.tree.resetCounts();
      const second = await s.pass();
      assert.deepEqual(second.plan.actions, []);
      assert.equal(s.tree.counts.mtime, 0);
    }, { hashes: ["SHA-256"] });
  });
  await t.step(
    "fetched with wget (server times older), LIST only: compared by download",
    async () => {
      await withScenario(60_000, async (s) => {
        const published = s.clock.ms - 300 * DAY;
        for (const path of files) {
          s.writeRemote(path, `content of ${path}`, published);
          s.writeLocal(path, `content of ${path}`, s.clock.ms - DAY);
        }
        s.writeRemote("news.html", "server's news", published);
        s.writeLocal("news.html", "a local edit!", s.clock.ms - DAY);
        const first = await s.pass();
        ok(first);
        assert.equal(first.report.comparedByDownload, 4);
        assert.equal(first.report.conflicts, 1);
        assert.equal(s.tree.counts.upload, 1); // the conflict copy of news.html only
        for (const path of files) {
          assert.equal(Deno.statSync(`${s.local}/${path}`).mtime?.getTime(), published);
        }
        const second = await s.pass();
        assert.deepEqual(second.plan.actions, []);
      });
    },
  );
});

Deno.test("runPass(): a change of kind on one side wins", async (t) => {
  await t.step("a directory replaced by a file on the server", async () => {
    await withScenario(1000, async (s) => {
      s.writeRemote("x/a.txt", "a");
      s.writeRemote("x/sub/b.txt", "b");
      for (const name of ["c", "d", "e"]) s.writeRemote(`${name}.txt`, name);
      ok(await s.pass());
      s.tree.delete("/data/x");
      s.writeRemote("x", "now a file");
      const { report } = await s.pass();
      assert.equal(report.outcome, "ok", report.errors.join("\n"));
      assert.equal(s.readLocal("x"), "now a file");
      assert.equal(report.conflicts, 0);
      assert.deepEqual(s.trashPaths(), ["x/a.txt", "x/sub/b.txt"]);
      assert.deepEqual(s.localPaths(), ["c.txt", "d.txt", "e.txt", "x"]);
      assert.deepEqual((await s.pass()).plan.actions, []);
    });
  });
  await t.step("a file replaced by a directory locally", async () => {
    await withScenario(60_000, async (s) => {
      s.writeLocal("x", "a file");
      ok(await s.pass());
      s.removeLocal("x");
      s.writeLocal("x/inner.txt", "inside");
      const { report } = await s.pass();
      assert.equal(report.outcome, "ok", report.errors.join("\n"));
      assert.deepEqual(s.remotePaths(), ["x/", "x/inner.txt"]);
      assert.equal(report.conflicts, 0);
      assert.deepEqual((await s.pass()).plan.actions, []);
    });
  });
});

Deno.test("runPass(): a server without renames gets direct uploads; a cut one is redone", async () => {
  await withScenario(60_000, async (s) => {
    withoutCommands(s.tree, ["rename"]);
    s.writeLocal("a.txt", "version 1");
    ok(await s.pass());
    assert.equal(s.readRemote("a.txt"), "version 1");
    s.writeLocal("a.txt", "version 2, longer", s.clock.ms);
    s.tree.failNext({
      op: "upload",
      afterBytes: 4,
      error: new FtpError("Connection lost", { code: 426, command: "STOR", transient: false }),
    });
    const cut = await s.pass();
    assert.equal(cut.report.outcome, "failed");
    assert.equal(s.readRemote("a.txt"), "vers");
    // The next pass sends it again: the partial file is neither downloaded nor a conflict.
    const redo = await s.pass();
    ok(redo);
    assert.equal(redo.report.uploaded, 1);
    assert.equal(redo.report.conflicts, 0);
    assert.equal(s.readRemote("a.txt"), "version 2, longer");
    assert.equal(s.readLocal("a.txt"), "version 2, longer");
    assert.deepEqual(s.localPaths(), ["a.txt"]);
    assert.deepEqual((await s.pass()).plan.actions, []);
  });
});

Deno.test("runPass(): a server without SIZE or REST still never replaces an unseen version", async () => {
  await withScenario(60_000, async (s) => {
    withoutCommands(s.tree, ["size"]);
    s.tree.capabilities.restStream = false;
    const t0 = s.clock.ms - 3_600_000;
    s.writeLocal("a.txt", "one", t0);
    s.writeRemote("b.txt", "two");
    ok(await s.pass({ advanceMs: 600_000 }));
    // Rewritten on the server with the same size within the same minute: only MDTM sees it.
    s.writeRemote("a.txt", "ONE", t0 + 1000);
    s.writeLocal("a.txt", "uno", s.clock.ms);
    ok(await s.pass());
    assert.equal(s.readRemote("a.txt"), "ONE");
    ok(await s.pass());
    assert.deepEqual(contents(s.readLocal, s.localPaths()), ["ONE", "two", "uno"]);
  });
});

Deno.test("runPass(): a file that keeps growing reaches the server, then waits until it settles", async () => {
  await withScenario(1000, async (s) => {
    s.writeLocal("app.log", "line 0\n");
    let lines = 0;
    const append = (): void => {
      Deno.writeTextFileSync(`${s.local}/app.log`, `line ${++lines}\n`, { append: true });
      const mtime = new Date(s.clock.ms);
      Deno.utimeSync(`${s.local}/app.log`, mtime, mtime);
    };
    const pool = hookedPool(s.tree.pool(4), { uploadFromFile: append });
    try {
      const first = await s.pass({ pool, advanceMs: 30_000 });
      ok(first);
      assert.equal(first.report.uploaded, 1);
      const sent = s.readRemote("app.log")!;
      assert.ok(sent.startsWith("line 0\nline 1\n") && sent.endsWith("\n"), sent);
      // Still growing 30 s later: held back, nothing sent.
      append();
      s.tree.resetCounts();
      const held = await s.pass({ pool, advanceMs: 120_000 });
      ok(held);
      assert.equal(s.tree.counts.upload, 0);
      // Settled (unchanged for two minutes): the last version goes, once.
      const settled = await s.pass({ advanceMs: 60_000 });
      ok(settled);
      assert.equal(settled.report.uploaded, 1);
      assert.equal(s.readRemote("app.log"), s.readLocal("app.log"));
      assert.deepEqual((await s.pass()).plan.actions, []);
    } finally {
      await pool.close();
    }
  });
});
