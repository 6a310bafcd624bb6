/**
 * The planner's name folding and the renames, with a real case-insensitive Local_dir (exFAT on a
 * loop device through FUSE) and the in-memory server: passes of list, plan (with Local_dir's
 * folding), execute and baseline, as `runPass` chains them.
 */
import assert from "node:assert/strict";
import { getLogger } from "@logtape/logtape";
import { applyResults } from "../support/apply_results.ts";
import { compileExclude } from "../../sync/exclude.ts";
import { execute } from "../../sync/execute.ts";
import { MemoryRemoteTree } from "../support/memory_remote_fs.ts";
import { listLocal } from "../../sync/local_lister.ts";
import { plan } from "../../sync/plan.ts";
import { listRemote } from "../../sync/remote_lister.ts";
import type { Baseline, Plan } from "../../sync/types.ts";
import { ignoreUnlessServer, requireServer } from "../support/ftp_server_availability.ts";
import { mountExfat } from "../support/local_fs_mounts.ts";
import { walkAll, walkLocal } from "../support/sync_scenario.ts";

/** A section over a Local_dir on exFAT and `/r` on a memory server, pass by pass. */
class FoldedSection {
  baseline: Baseline = new Map();
  readonly tree = new MemoryRemoteTree({ precisionMs: 1000 });
  #now = Date.parse("2026-11-25T10:00:00Z");

  constructor(readonly local: string, readonly stateDir: string) {
    this.tree.putDir("/r");
  }

  async pass(): Promise<Plan> {
    const now = new Date(this.#now += 3_600_000);
    const pool = this.tree.pool(2);
    try {
      const exclude = compileExclude([]);
      const onWarning = (): void => {};
      const local = await listLocal(this.local, { exclude, onWarning });
      const remote = await listRemote(pool, "/r", { exclude, onWarning, now });
      // exFAT compares names through its upcase table: lower-casing is the same for these names.
      const planned = plan({ local, remote }, this.baseline, {
        direction: "both",
        now,
        foldLocalName: (name) => name.toLowerCase(),
      });
      const results = await execute(planned, {
        pool,
        localRoot: this.local,
        remoteRoot: "/r",
        stateDir: this.stateDir,
        identifier: "id",
        now,
        log: getLogger(["ftp-clone", "test"]),
        binDirectory: "/bin",
        linuxChmod: [],
        retryDelaysMs: [1, 1],
      });
      for (const result of results) assert.ok(result.ok, JSON.stringify(result));
      this.baseline = applyResults(this.baseline, results);
      return planned;
    } finally {
      await pool.close();
    }
  }

  remote(): string[] {
    return this.tree.paths().filter((p) => p !== "/r/").map((p) => p.slice("/r/".length));
  }
}

Deno.test({
  name: "a case-insensitive Local_dir (exFAT): names folded, never a deletion, renames as renames",
  ignore: ignoreUnlessServer("exfat"),
  async fn(t) {
    if (!await requireServer(t, "exfat")) return;
    await using exfat = await mountExfat();
    const state = await Deno.makeTempDir({ prefix: "ftp-clone-fold-state-" });
    let n = 0;
    const section = (): FoldedSection => {
      const dir = `${exfat.path}/s${++n}`;
      Deno.mkdirSync(dir);
      return new FoldedSection(dir, `${state}/${n}`);
    };
    try {
      await t.step("the file system folds case (a precondition of the steps below)", () => {
        Deno.writeTextFileSync(`${exfat.path}/Probe.TXT`, "x");
        assert.equal(Deno.readTextFileSync(`${exfat.path}/probe.txt`), "x");
        Deno.removeSync(`${exfat.path}/Probe.TXT`);
      });

      await t.step("A.txt and a.txt on the server: one synced, both kept there", async () => {
        const s = section();
        s.tree.putFile("/r/A.txt", "upper case");
        s.tree.putFile("/r/a.txt", "lower case");
        for (let i = 0; i < 3; i++) {
          const planned = await s.pass();
          assert.ok(
            planned.warnings?.some((w) => w.includes('"A.txt" and "a.txt"')),
            JSON.stringify(planned.warnings),
          );
        }
        assert.deepEqual(s.remote(), ["A.txt", "a.txt"]);
        assert.deepEqual([...walkAll(s.local)].map(([p]) => p.slice(s.local.length + 1)), [
          "A.txt",
        ]);
        assert.equal(Deno.readTextFileSync(`${s.local}/A.txt`), "upper case");
        assert.equal(s.tree.counts.remove, 0);
      });

      await t.step("Photo.JPG renamed photo.jpg on the server: renamed locally", async () => {
        const s = section();
        s.tree.putFile("/r/Photo.JPG", "jpeg bytes");
        await s.pass();
        s.tree.putFile("/r/photo.jpg", "jpeg bytes", {
          mtimeMs: s.tree.node("/r/Photo.JPG")!.mtimeMs,
        });
        s.tree.delete("/r/Photo.JPG");
        s.tree.resetCounts();
        const renamed = await s.pass();
        assert.deepEqual(renamed.actions.map((a) => a.type), ["renameLocal"]);
        assert.deepEqual(walkLocal(s.local), ["photo.jpg"]);
        assert.equal(Deno.readTextFileSync(`${s.local}/photo.jpg`), "jpeg bytes");
        assert.equal(s.tree.counts.download + s.tree.counts.upload + s.tree.counts.remove, 0);
        assert.deepEqual((await s.pass()).actions, []);
      });

      await t.step("Photos/ renamed photos/ locally: one rename on the server", async () => {
        const s = section();
        Deno.mkdirSync(`${s.local}/Photos`);
        Deno.writeTextFileSync(`${s.local}/Photos/a.jpg`, "a");
        Deno.writeTextFileSync(`${s.local}/Photos/b.jpg`, "b");
        await s.pass();
        Deno.renameSync(`${s.local}/Photos`, `${s.local}/photos`);
        s.tree.resetCounts();
        const renamed = await s.pass();
        assert.deepEqual(renamed.actions.map((a) => a.type), ["renameRemote"]);
        assert.deepEqual(s.remote(), ["photos/", "photos/a.jpg", "photos/b.jpg"]);
        assert.equal(s.tree.counts.rename, 1);
        assert.equal(s.tree.counts.upload + s.tree.counts.remove, 0);
        assert.deepEqual((await s.pass()).actions, []);
      });

      await t.step("a directory moved to another name: one rename on the server", async () => {
        // FUSE exFAT numbers inodes per name, yet a renamed entry keeps its number: a move.
        const s = section();
        Deno.mkdirSync(`${s.local}/2025`);
        Deno.writeTextFileSync(`${s.local}/2025/a.jpg`, "a");
        Deno.writeTextFileSync(`${s.local}/2025/b.jpg`, "b");
        await s.pass();
        Deno.mkdirSync(`${s.local}/archive`);
        Deno.renameSync(`${s.local}/2025`, `${s.local}/archive/photos-2025`);
        s.tree.resetCounts();
        const moved = await s.pass();
        assert.deepEqual(moved.actions.map((a) => `${a.type} ${a.path}`), [
          "renameRemote archive/photos-2025",
          "mkdirRemote archive",
        ]);
        assert.deepEqual(s.remote(), [
          "archive/",
          "archive/photos-2025/",
          "archive/photos-2025/a.jpg",
          "archive/photos-2025/b.jpg",
        ]);
        assert.equal(s.tree.counts.rename, 1);
        assert.equal(s.tree.counts.upload + s.tree.counts.remove, 0);
        assert.deepEqual((await s.pass()).actions, []);
      });
    } finally {
      await Deno.remove(state, { recursive: true });
    }
  },
});
