import assert from "node:assert/strict";
import { withScenario } from "../tests/support/sync_scenario.ts";
import { baselinePath } from "./baseline_reader.ts";

const PRECISIONS = [1000, 60_000] as const;

/** These tests count the MDTMs of the time rules alone: no file comes due for verification. */
const NO_ROLLING_VERIFICATION = { section: { verifyEveryMs: 100 * 365 * 86_400_000 } };

Deno.test("runPass() refuses a section whose lock is held and names the holder", async () => {
  await withScenario(1000, async (s) => {
    const { tryLockSection } = await import("./section_lock.ts");
    const held = tryLockSection(s.stateDir, s.identifier);
    assert.ok(held.ok);
    try {
      const outcome = await s.pass();
      assert.equal(outcome.report.outcome, "failed");
      assert.equal(outcome.lockedBy, Deno.pid);
      assert.match(outcome.report.errors[0]!, new RegExp(`process ${Deno.pid}`));
    } finally {
      held.lock.release();
    }
  });
});

Deno.test("runPass() at 60 s precision sees a same-minute, same-size rewrite", async () => {
  await withScenario(60_000, async (s) => {
    const t0 = Date.parse("2026-11-25T10:00:10Z");
    s.clock.ms = t0;
    s.writeRemote("f.txt", "aaaa", t0);
    await s.pass({ advanceMs: 20_000 }); // downloads; next pass at 10:00:30
    assert.equal(s.readLocal("f.txt"), "aaaa");
    s.writeRemote("f.txt", "bbbb", s.clock.ms); // same size, same LIST minute (10:00)
    const { report } = await s.pass();
    assert.equal(report.downloaded, 1);
    assert.equal(s.readLocal("f.txt"), "bbbb");
  });
});

Deno.test("runPass() at 60 s precision survives the LIST switch to the year form", async () => {
  await withScenario(60_000, async (s) => {
    s.writeRemote("old.txt", "old");
    await s.pass();
    s.clock.ms += 200 * 86_400_000; // the LIST time turns into `Mon DD YYYY`
    s.tree.resetCounts();
    const { plan } = await s.pass();
    assert.deepEqual(plan.actions, []);
    assert.equal(s.tree.counts.mtime, 0);
  }, NO_ROLLING_VERIFICATION);
});

Deno.test("runPass() with roots changed sets the old baseline aside (first sync)", async () => {
  await withScenario(1000, async (s) => {
    s.writeLocal("a.txt", "a");
    await s.pass();
    s.section = { ...s.section, remoteDir: "/other" };
    s.tree.putDir("/other");
    const { report } = await s.pass();
    assert.equal(report.outcome, "ok", report.errors.join("\n"));
    assert.equal(s.tree.readText("/other/a.txt"), "a");
    assert.ok([...Deno.readDirSync(s.stateDir)].some((e) => e.name.includes(".set-aside-")));
  });
});

Deno.test("runPass() falls back to delete-then-rename when RNTO cannot replace", async () => {
  await withScenario(1000, async (s) => {
    s.writeLocal("f.txt", "one");
    await s.pass();
    s.writeLocal("f.txt", "two!");
    const { report } = await s.pass();
    assert.equal(report.outcome, "ok", report.errors.join("\n"));
    assert.equal(s.readRemote("f.txt"), "two!");
  }, { renameOverwrite: false });
});

Deno.test("runPass() with Direction=upload never writes the local side", async () => {
  await withScenario(1000, async (s) => {
    s.writeLocal("up.txt", "u");
    s.writeRemote("down.txt", "d");
    s.writeLocal("c.txt", "base");
    await s.pass();
    s.writeLocal("c.txt", "local edit", s.clock.ms - 600_000);
    s.writeRemote("c.txt", "remote edit!", s.clock.ms);
    s.writeRemote("down2.txt", "d2");
    s.writeLocal("up2.txt", "u2");
    const before = s.localPaths().map((p) => `${p}=${s.readLocal(p) ?? ""}`);
    const { report } = await s.pass();
    assert.equal(report.outcome, "ok", report.errors.join("\n"));
    assert.equal(s.readRemote("up2.txt"), "u2");
    assert.equal(s.readRemote("c.txt"), "local edit");
    const copy = s.remotePaths().find((p) => p.includes(".conflict-"));
    assert.ok(copy !== undefined);
    assert.equal(s.readRemote(copy), "remote edit!");
    assert.deepEqual(s.localPaths().map((p) => `${p}=${s.readLocal(p) ?? ""}`), before);
  }, { section: { direction: "upload" } });
});

Deno.test("runPass() with Direction=download never writes the remote side", async () => {
  await withScenario(60_000, async (s) => {
    s.writeLocal("up.txt", "u");
    s.writeRemote("down.txt", "d");
    const remoteBefore = s.remotePaths();
    const { report } = await s.pass();
    assert.equal(report.outcome, "ok", report.errors.join("\n"));
    assert.equal(s.readLocal("down.txt"), "d");
    assert.deepEqual(s.remotePaths(), remoteBefore);
    assert.equal(s.tree.counts.upload + s.tree.counts.mkdir + s.tree.counts.rename, 0);
  }, { section: { direction: "download" } });
});

Deno.test("runPass() resolves a kind clash: the directory keeps the name", async () => {
  await withScenario(1000, async (s) => {
    s.writeLocal("x/inner.txt", "in a directory");
    s.writeRemote("x", "a file");
    const first = await s.pass();
    assert.equal(first.report.outcome, "ok", first.report.errors.join("\n"));
    const copy = s.localPaths().find((p) => p.includes(".conflict-"));
    assert.ok(copy?.endsWith("-remote"), copy);
    assert.equal(s.readLocal(copy!), "a file");
    assert.equal(s.readRemote(copy!), "a file");
    await s.pass();
    assert.equal(s.readRemote("x/inner.txt"), "in a directory");
    const last = await s.pass();
    assert.deepEqual(last.plan.actions, []);
  });
});

Deno.test("runPass() honours Exclude on both sides and never deletes excluded files", async () => {
  await withScenario(1000, async (s) => {
    s.writeLocal("keep.txt", "k");
    s.writeLocal("cache/big.bin", "local cache");
    s.writeRemote("remote.log", "remote log");
    await s.pass();
    assert.equal(s.readRemote("cache/big.bin"), undefined);
    assert.equal(s.readLocal("remote.log"), undefined);
    assert.equal(s.readRemote("keep.txt"), "k");
  }, { section: { exclude: ["cache/", "*.log"] } });
});

Deno.test("runPass() aborted mid-pass leaves no partial file, and the next pass converges", async () => {
  await withScenario(1000, async (s) => {
    for (let i = 0; i < 20; i++) s.writeLocal(`f${i}.txt`, `content ${i}`);
    const controller = new AbortController();
    let done = 0;
    const first = await s.pass({
      signal: controller.signal,
      onProgress: () => {
        if (++done === 5) controller.abort();
      },
    });
    assert.equal(first.report.outcome, "aborted");
    const uploaded = s.remotePaths().filter((p) => !p.startsWith(".ftp-clone."));
    assert.ok(uploaded.length >= 5 && uploaded.length < 20, String(uploaded.length));
    for (const p of uploaded) assert.equal(s.readRemote(p), s.readLocal(p));
    s.tree.resetCounts();
    const second = await s.pass();
    assert.equal(second.report.outcome, "ok", second.report.errors.join("\n"));
    assert.equal(second.report.uploaded + second.report.conflicts, 20 - uploaded.length + 0);
    assert.deepEqual(
      s.localPaths(),
      s.remotePaths().filter((p) => !p.startsWith(".ftp-clone.")),
    );
  });
});

for (const precisionMs of PRECISIONS) {
  Deno.test(`runPass() after losing the baseline (kill -9 before a flush) re-adopts, ${precisionMs} ms`, async () => {
    await withScenario(precisionMs, async (s) => {
      s.writeLocal("up.txt", "u", s.clock.ms - 3_600_000);
      s.writeRemote("down.txt", "d", s.clock.ms - 3_600_000);
      await s.pass();
      for (const suffix of ["", "-wal", "-shm"]) {
        try {
          Deno.removeSync(baselinePath(s.stateDir, s.identifier) + suffix);
        } catch { /* absent */ }
      }
      s.tree.resetCounts();
      const { report, plan } = await s.pass();
      assert.equal(report.outcome, "ok");
      assert.deepEqual(plan.actions.map((a) => a.type), ["adopt", "adopt"]);
      assert.equal(s.tree.counts.upload + s.tree.counts.download, 0);
    });
  });
}

Deno.test("runPass() at 60 s precision: files synced long after their mtime cost no MDTM next time", async () => {
  await withScenario(60_000, async (s) => {
    const twoDaysAgo = s.clock.ms - 2 * 86_400_000;
    for (let i = 0; i < 5; i++) s.writeLocal(`up${i}.txt`, `u${i}`, twoDaysAgo);
    for (let i = 0; i < 5; i++) s.writeRemote(`down${i}.txt`, `d${i}`, twoDaysAgo);
    const first = await s.pass();
    assert.equal(first.report.outcome, "ok", first.report.errors.join("\n"));
    // One MDTM per upload, to record what the server keeps, and one per download of a file
    // the listing dates only to the minute or day, to give the local copy its real mtime.
    assert.equal(s.tree.counts.mtime, 10);
    s.tree.resetCounts();
    const second = await s.pass();
    assert.deepEqual(second.plan.actions, []);
    assert.equal(s.tree.counts.mtime, 0);
  }, NO_ROLLING_VERIFICATION);
});

Deno.test("runPass() removes temporary files left by killed passes", async () => {
  await withScenario(1000, async (s) => {
    s.writeLocal("sub/.ftp-clone.down.0123456789ab.f.txt.part", "partial");
    s.writeRemote(
      ".ftp-clone.up.0123456789ab.old.part",
      "old partial",
      s.clock.ms - 2 * 86_400_000,
    );
    s.writeRemote(".ftp-clone.up.0123456789ab.new.part", "maybe another client", s.clock.ms);
    const dry = await s.pass({ dryRun: true });
    assert.equal(dry.report.outcome, "ok");
    assert.ok(s.localPaths().includes("sub/.ftp-clone.down.0123456789ab.f.txt.part"));
    const { report } = await s.pass();
    assert.equal(report.outcome, "ok", report.errors.join("\n"));
    assert.deepEqual(s.localPaths(), ["sub/"]);
    assert.deepEqual(s.remotePaths(), [".ftp-clone.up.0123456789ab.new.part", "sub/"]);
  });
});
