import assert from "node:assert/strict";
import { walkAll, withScenario } from "../tests/support/sync_scenario.ts";
import { readReport } from "./report_store.ts";
import { baselinePath } from "./baseline_reader.ts";
import { FtpError } from "./ftp/errors.ts";

const PRECISIONS = [1000, 60_000] as const;

for (const precisionMs of PRECISIONS) {
  Deno.test(`runPass() at ${precisionMs} ms precision`, async (t) => {
    await t.step("first sync merges both sides and deletes nothing", async () => {
      await withScenario(precisionMs, async (s) => {
        s.writeLocal("only-local.txt", "L");
        s.writeLocal("dir/nested.txt", "N");
        s.writeRemote("only-remote.txt", "R");
        s.tree.putDir("/data/empty-remote");
        s.writeLocal("same.txt", "same", s.clock.ms - 120_000);
        s.writeRemote("same.txt", "same", s.clock.ms - 120_000);
        s.writeLocal("differ.txt", "local version", s.clock.ms - 60_000);
        s.writeRemote("differ.txt", "remote version!", s.clock.ms - 3_600_000);
        const { report } = await s.pass();
        assert.equal(report.outcome, "ok", report.errors.join("\n"));
        assert.equal(s.readRemote("only-local.txt"), "L");
        assert.equal(s.readRemote("dir/nested.txt"), "N");
        assert.equal(s.readLocal("only-remote.txt"), "R");
        assert.ok(s.localPaths().includes("empty-remote/"));
        assert.equal(s.readLocal("differ.txt"), "local version");
        assert.equal(s.readRemote("differ.txt"), "local version");
        const copies = s.localPaths().filter((p) => p.includes(".conflict-"));
        assert.equal(copies.length, 1);
        assert.equal(s.readLocal(copies[0]!), "remote version!");
        assert.equal(s.readRemote(copies[0]!), "remote version!");
        assert.equal(report.conflicts, 1);
        assert.deepEqual(s.localPaths(), s.remotePaths());
        assert.deepEqual(s.trashPaths(), []);
      });
    });

    await t.step("a second pass transfers nothing (idempotence)", async () => {
      await withScenario(precisionMs, async (s) => {
        s.writeLocal("a.txt", "a");
        s.writeLocal("sub/b.txt", "b");
        s.writeRemote("c.txt", "c");
        await s.pass();
        s.tree.resetCounts();
        const { report, plan } = await s.pass();
        assert.equal(report.outcome, "ok");
        assert.deepEqual(plan.actions, []);
        assert.equal(s.tree.counts.upload, 0);
        assert.equal(s.tree.counts.download, 0);
        assert.equal(s.tree.counts.rename, 0);
        s.tree.resetCounts();
        await s.pass();
        // Steady state: no MDTM at all once the baseline was seen after the files' minutes
        // (the rolling verification is off here: see the test after this one).
        assert.equal(s.tree.counts.mtime, 0);
        assert.equal(s.tree.counts.upload + s.tree.counts.download, 0);
      }, { section: { verifyEveryMs: 100 * 365 * 86_400_000 } });
    });

    await t.step("add, modify and delete propagate both ways", async () => {
      await withScenario(precisionMs, async (s) => {
        s.writeLocal("l.txt", "l1");
        s.writeRemote("r.txt", "r1");
        s.writeLocal("gone-local.txt", "x");
        s.writeRemote("gone-remote.txt", "y");
        s.writeLocal("keep1.txt", "k");
        s.writeLocal("keep2.txt", "k");
        s.writeLocal("keep3.txt", "k");
        s.writeLocal("keep4.txt", "k");
        await s.pass();
        s.writeLocal("l.txt", "l2 longer");
        s.writeRemote("r.txt", "r2 longer");
        s.removeLocal("gone-local.txt");
        s.tree.delete("/data/gone-remote.txt");
        s.writeLocal("new/deep/file.txt", "new");
        const { report } = await s.pass();
        assert.equal(report.outcome, "ok", report.errors.join("\n"));
        assert.equal(s.readRemote("l.txt"), "l2 longer");
        assert.equal(s.readLocal("r.txt"), "r2 longer");
        assert.equal(s.readRemote("gone-local.txt"), undefined);
        assert.equal(s.readLocal("gone-remote.txt"), undefined);
        assert.equal(s.readRemote("new/deep/file.txt"), "new");
        // The download of r.txt moved the old local version to the trash too.
        assert.deepEqual(s.trashPaths(), ["gone-remote.txt", "r.txt"]);
        assert.equal(report.uploaded, 2);
        assert.equal(report.downloaded, 1);
        assert.equal(report.deletedLocal, 1);
        assert.equal(report.deletedRemote, 1);
        assert.deepEqual(s.localPaths(), s.remotePaths());
      });
    });

    await t.step("a download overwriting a local file trashes the old version", async () => {
      await withScenario(precisionMs, async (s) => {
        s.writeLocal("f.txt", "old");
        await s.pass();
        s.writeRemote("f.txt", "new content");
        await s.pass();
        assert.equal(s.readLocal("f.txt"), "new content");
        assert.deepEqual(s.trashPaths(), ["f.txt"]);
        const trashed = Deno.readTextFileSync(`${s.local}/.ftp-clone-trash/f.txt`);
        assert.equal(trashed, "old");
      });
    });

    await t.step(
      "a conflict keeps both versions on both sides, the newer under the name",
      async () => {
        await withScenario(precisionMs, async (s) => {
          s.writeLocal("c.txt", "base");
          await s.pass();
          s.writeLocal("c.txt", "local edit", s.clock.ms - 600_000);
          s.writeRemote("c.txt", "remote edit, newer", s.clock.ms);
          const { report } = await s.pass();
          assert.equal(report.conflicts, 1);
          assert.equal(report.outcome, "ok");
          assert.equal(s.readLocal("c.txt"), "remote edit, newer");
          assert.equal(s.readRemote("c.txt"), "remote edit, newer");
          const copy = s.localPaths().find((p) => p.includes(".conflict-"));
          assert.ok(copy?.endsWith("-local.txt"), copy);
          assert.equal(s.readLocal(copy!), "local edit");
          assert.equal(s.readRemote(copy!), "local edit");
          s.tree.resetCounts();
          const again = await s.pass();
          assert.deepEqual(again.plan.actions, []);
        });
      },
    );

    await t.step("modify versus delete: the change wins", async () => {
      await withScenario(precisionMs, async (s) => {
        s.writeLocal("m.txt", "v1");
        s.writeLocal("n.txt", "v1");
        for (let i = 0; i < 4; i++) s.writeLocal(`pad${i}.txt`, "p");
        await s.pass();
        s.writeLocal("m.txt", "v2 local");
        s.tree.delete("/data/m.txt");
        s.removeLocal("n.txt");
        s.writeRemote("n.txt", "v2 remote");
        const { report } = await s.pass();
        assert.equal(report.outcome, "ok", report.errors.join("\n"));
        assert.equal(s.readRemote("m.txt"), "v2 local");
        assert.equal(s.readLocal("n.txt"), "v2 remote");
      });
    });

    await t.step("MaxDelete aborts and changes nothing", async () => {
      await withScenario(precisionMs, async (s) => {
        for (let i = 0; i < 4; i++) s.writeLocal(`f${i}.txt`, "x");
        await s.pass();
        for (let i = 0; i < 3; i++) s.tree.delete(`/data/f${i}.txt`);
        s.writeRemote("new.txt", "n");
        const before = s.localPaths();
        const { report } = await s.pass();
        assert.equal(report.outcome, "aborted");
        assert.match(report.errors[0]!, /FTP1/);
        assert.match(report.errors[0]!, /3 of 4/);
        assert.match(report.errors[0]!, /local/);
        assert.match(report.errors[0]!, /MaxDelete=50/);
        assert.deepEqual(s.localPaths(), before);
        assert.equal(readReport(s.stateDir, s.identifier)?.outcome, "aborted");
      });
    });

    await t.step("an empty remote root counts as deleting every file", async () => {
      await withScenario(precisionMs, async (s) => {
        s.writeLocal("a.txt", "a");
        await s.pass();
        s.tree.delete("/data/a.txt");
        const { report } = await s.pass();
        assert.equal(report.outcome, "aborted");
        assert.equal(s.readLocal("a.txt"), "a");
      });
    });

    await t.step("a missing Local_dir or Remote_dir fails the section", async () => {
      await withScenario(precisionMs, async (s) => {
        s.tree.delete("/data");
        const { report } = await s.pass();
        assert.equal(report.outcome, "failed");
        assert.match(report.errors[0]!, /Remote_dir "\/data"/);
      });
      await withScenario(precisionMs, async (s) => {
        s.removeLocal("");
        const { report } = await s.pass();
        assert.equal(report.outcome, "failed");
        assert.match(report.errors[0]!, /Local_dir/);
      });
    });

    await t.step("dry-run leaves trees and state byte-identical", async () => {
      await withScenario(precisionMs, async (s) => {
        s.writeLocal("a.txt", "a");
        s.writeRemote("b.txt", "b");
        await s.pass();
        s.writeLocal("c.txt", "c");
        s.writeRemote("d.txt", "d");
        const snapshot = (): string[] => [...walkAll(s.root)].map(([p, bytes]) => `${p}:${bytes}`);
        const before = snapshot();
        const remoteBefore = s.remotePaths();
        const { plan, report } = await s.pass({ dryRun: true });
        assert.equal(report.outcome, "ok");
        assert.deepEqual(plan.actions.map((a) => `${a.type} ${a.path}`).sort(), [
          "download d.txt",
          "upload c.txt",
        ]);
        assert.deepEqual(snapshot(), before);
        assert.deepEqual(s.remotePaths(), remoteBefore);
      });
      await withScenario(precisionMs, async (s) => {
        s.writeLocal("a.txt", "a");
        const { plan } = await s.pass({ dryRun: true });
        assert.equal(plan.actions.length, 1);
        assert.deepEqual([...walkAll(s.stateDir)], []);
        assert.throws(() => Deno.statSync(baselinePath(s.stateDir, s.identifier)));
      });
    });

    await t.step(
      "a failure mid-transfer: the baseline keeps completed actions, the next pass converges",
      async () => {
        await withScenario(precisionMs, async (s) => {
          for (let i = 0; i < 6; i++) s.writeLocal(`up${i}.txt`, `u${i}`);
          for (let i = 0; i < 6; i++) s.writeRemote(`down${i}.txt`, `d${i}`);
          const lost = (): FtpError =>
            new FtpError("Connection lost", { code: "ECONNRESET", transient: true });
          s.tree.failNext({ op: "upload", path: /up3/, error: lost(), afterBytes: 1, times: 5 });
          s.tree.failNext({
            op: "download",
            path: /down2/,
            error: lost(),
            afterBytes: 1,
            times: 5,
          });
          s.tree.failNext({
            op: "upload",
            path: /up5/,
            error: new FtpError("Refused", { code: 553, transient: false }),
          });
          const first = await s.pass();
          assert.equal(first.report.outcome, "failed");
          assert.equal(first.report.errors.length, 3, first.report.errors.join("\n"));
          // No partial file under a final name, on either side.
          assert.equal(s.readRemote("up3.txt"), undefined);
          assert.equal(s.readLocal("down2.txt"), undefined);
          assert.ok(s.localPaths().every((p) => !p.startsWith(".ftp-clone.")));
          s.tree.resetCounts();
          const second = await s.pass();
          assert.equal(second.report.outcome, "ok", second.report.errors.join("\n"));
          assert.equal(second.report.uploaded, 2);
          assert.equal(second.report.downloaded, 1);
          assert.equal(s.readRemote("up3.txt"), "u3");
          assert.equal(s.readLocal("down2.txt"), "d2");
          assert.deepEqual(
            s.localPaths(),
            s.remotePaths().filter((p) => !p.includes(".ftp-clone.")),
          );
          const third = await s.pass();
          assert.deepEqual(third.plan.actions, []);
        });
      },
    );

    await t.step("a transient failure is retried within the pass", async () => {
      await withScenario(precisionMs, async (s) => {
        s.writeLocal("r.txt", "retry me");
        s.tree.failNext({
          op: "upload",
          error: new FtpError("Connection lost", { code: "ECONNRESET", transient: true }),
          afterBytes: 2,
        });
        const { report } = await s.pass();
        assert.equal(report.outcome, "ok", report.errors.join("\n"));
        assert.equal(s.readRemote("r.txt"), "retry me");
      });
    });

    await t.step("directories: empty ones are created and deleted both ways", async () => {
      await withScenario(precisionMs, async (s) => {
        Deno.mkdirSync(`${s.local}/le/inner`, { recursive: true });
        s.tree.putDir("/data/re/inner");
        for (let i = 0; i < 4; i++) s.writeLocal(`pad${i}.txt`, "p");
        await s.pass();
        assert.ok(s.remotePaths().includes("le/inner/"));
        assert.ok(s.localPaths().includes("re/inner/"));
        s.removeLocal("le");
        s.tree.delete("/data/re");
        const { report } = await s.pass();
        assert.equal(report.outcome, "ok", report.errors.join("\n"));
        assert.ok(!s.remotePaths().includes("le/"));
        assert.ok(!s.localPaths().includes("re/"));
      });
    });
  });
}
