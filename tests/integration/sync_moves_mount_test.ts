/**
 * A move on the server whose new name is on another file system inside Local_dir (a tmpfs
 * mounted there): the local rename fails with EXDEV, so the file or the directory is copied with
 * its times, and the old copy goes to the trash; nothing is transferred and nothing lost.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ignoreUnlessServer, requireServer } from "../support/ftp_server_availability.ts";
import { mountTmpfs } from "../support/local_fs_mounts.ts";
import { withScenario } from "../support/sync_scenario.ts";

const DAY = 86_400_000;

Deno.test({
  name: "a move on the server onto another local file system: copied here, the old to the trash",
  ignore: ignoreUnlessServer("tmpfs"),
  async fn(t) {
    if (!await requireServer(t, "tmpfs")) return;
    await withScenario(1000, async (s) => {
      for (let i = 0; i < 3; i++) s.writeRemote(`d/f${i}.txt`, `file ${i}`, s.clock.ms - DAY);
      s.writeRemote("x.txt", "single", s.clock.ms - DAY);
      const mount = join(s.local, "mnt");
      Deno.mkdirSync(mount);
      const first = await s.pass();
      assert.equal(first.report.outcome, "ok", first.report.errors.join("\n"));
      await using _tmpfs = await mountTmpfs(mount);
      assert.notEqual(Deno.statSync(mount).dev, Deno.statSync(s.local).dev);
      const mtime = Deno.statSync(join(s.local, "d/f1.txt")).mtime;

      s.renameRemote("d", "mnt/d");
      s.renameRemote("x.txt", "mnt/x.txt");
      s.tree.resetCounts();
      const moved = await s.pass();
      assert.equal(moved.report.outcome, "ok", moved.report.errors.join("\n"));
      assert.equal(moved.report.renamedLocal, 2);
      assert.equal(s.tree.counts.download + s.tree.counts.upload, 0);
      assert.deepEqual(s.localPaths(), s.remotePaths());
      for (let i = 0; i < 3; i++) assert.equal(s.readLocal(`mnt/d/f${i}.txt`), `file ${i}`);
      assert.equal(s.readLocal("mnt/x.txt"), "single");
      assert.deepEqual(Deno.statSync(join(s.local, "mnt/d/f1.txt")).mtime, mtime);
      assert.deepEqual(s.trashPaths(), ["d/f0.txt", "d/f1.txt", "d/f2.txt", "x.txt"]);
      const again = await s.pass();
      assert.deepEqual(again.plan.actions.map((a) => `${a.type} ${a.path}`), []);
    });
  },
});
