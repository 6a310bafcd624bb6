import assert from "node:assert/strict";
import { withScenario } from "../tests/support/sync_scenario.ts";

const HOUR = 3_600_000;

/**
 * A same-size rewrite on a LIST-only server within the minute the baseline saw, backdated by
 * another client: the listing shows the same size and the same minute. The rolling verification
 * (VerifyEvery) reads its exact time and carries it over within the bound.
 */
for (const [verifyEveryMs, seen] of [[HOUR, true], [100 * 365 * 24 * HOUR, false]] as const) {
  Deno.test(
    `runPass() with VerifyEvery=${verifyEveryMs} ms ${seen ? "sees" : "cannot see"} a ` +
      "backdated same-size rewrite in the same minute",
    async () => {
      await withScenario(60_000, async (s) => {
        const minute = Math.floor((s.clock.ms - 3 * 24 * HOUR) / 60_000) * 60_000;
        s.writeRemote("f.txt", "aaaa", minute + 10_000);
        const first = await s.pass();
        assert.equal(first.report.downloaded, 1, first.report.errors.join("\n"));
        assert.equal((await s.pass()).plan.actions.length, 0);
        // Rewritten, same size, stamped 20 s later in the same minute.
        s.writeRemote("f.txt", "bbbb", minute + 30_000);
        s.tree.resetCounts();
        // Passes an hour apart (the scenario's clock): two of them cover VerifyEvery = 1 h.
        await s.pass();
        await s.pass();
        assert.equal(s.readLocal("f.txt"), seen ? "bbbb" : "aaaa");
        assert.equal(s.tree.counts.mtime > 0, seen);
      }, { section: { verifyEveryMs } });
    },
  );
}

Deno.test("runPass() on a LIST-only server verifies each file about once per VerifyEvery", async () => {
  await withScenario(60_000, async (s) => {
    const old = s.clock.ms - 3 * 24 * HOUR;
    for (let i = 0; i < 200; i++) s.writeRemote(`d${i % 10}/f${i}.txt`, "x", old);
    await s.pass({ advanceMs: HOUR });
    s.tree.resetCounts();
    // 24 passes an hour apart with VerifyEvery = 1 day: 200 MDTMs in all, about 8 a pass.
    let most = 0;
    for (let pass = 0; pass < 24; pass++) {
      const before = s.tree.counts.mtime;
      const { plan } = await s.pass({ advanceMs: HOUR });
      assert.deepEqual(plan.actions, []);
      most = Math.max(most, s.tree.counts.mtime - before);
    }
    assert.ok(s.tree.counts.mtime >= 200 && s.tree.counts.mtime <= 220, `${s.tree.counts.mtime}`);
    assert.ok(most <= 20, `one pass verified ${most}`);
  });
});
