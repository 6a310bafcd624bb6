import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { connectRemoteFs, FtpPool } from "../../sync/ftp/mod.ts";
import { runPass } from "../../sync/pass.ts";
import { readBaseline } from "../../sync/baseline_reader.ts";
import { ignoreUnlessServer, startServer } from "../support/ftp_servers.ts";
import { walkLocal } from "../support/sync_scenario.ts";
import { optionsFor, pseudoRandomBytes } from "./ftp_layer_support.ts";
import { serverSection } from "../support/section_config.ts";

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

Deno.test({
  name: "a pass killed with SIGKILL mid-download leaves no partial file; the next pass completes",
  ignore: ignoreUnlessServer("vsftpd"),
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "ftp-clone-sync-killed-" });
    try {
      await using srv = await startServer({ kind: "vsftpd", mode: "plain" });
      const local = join(root, "local");
      const stateDir = join(root, "state");
      Deno.mkdirSync(local);
      const big = pseudoRandomBytes(96 * 1024 * 1024, 5);
      for (let i = 0; i < 30; i++) await srv.writeFile(`data/small/s${i}.txt`, `small ${i}`);
      await srv.writeFile("data/zz-big.bin", big);
      const section = serverSection(srv, {
        name: "KILLED",
        concurrentConnections: 2,
        localDir: local,
        identifier: "feedfacefeedfacefeedfacefeedfacefeedface",
      });
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("./sync_pass_child.ts", import.meta.url).pathname,
          JSON.stringify({ section, stateDir, connect: optionsFor(srv) }),
        ],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      // Kill it once the big file's temporary download has started growing.
      let killed = false;
      for (let i = 0; i < 400 && !killed; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        for (const entry of Deno.readDirSync(local)) {
          if (
            entry.name.startsWith(".ftp-clone.") && Deno.statSync(join(local, entry.name)).size > 0
          ) {
            child.kill("SIGKILL");
            killed = true;
            break;
          }
        }
      }
      const status = await child.output();
      assert.ok(killed, new TextDecoder().decode(status.stderr));
      assert.equal(status.signal, "SIGKILL");
      assert.throws(() => Deno.statSync(join(local, "zz-big.bin")), Deno.errors.NotFound);
      // The baseline is readable after the kill, and holds only completed actions.
      const { baseline } = readBaseline(stateDir, section.identifier!, {
        server: section.server,
        port: section.port,
        user: section.user,
        remoteDir: section.remoteDir,
        localDir: section.localDir,
      });
      assert.ok(!baseline.has("zz-big.bin"));
      for (const path of baseline.keys()) {
        if (baseline.get(path)!.kind === "file") Deno.statSync(join(local, path));
      }
      const pool = new FtpPool(() => connectRemoteFs(optionsFor(srv)), { size: 2 });
      try {
        const next = await runPass({
          section,
          stateDir,
          binDirectory: "/bin",
          dryRun: false,
          now: new Date(),
          pool,
          identifier: section.identifier!,
        });
        assert.equal(next.report.outcome, "ok", next.report.errors.join("\n"));
        assert.equal(next.report.conflicts, 0);
      } finally {
        await pool.close();
      }
      assert.equal(sha256(Deno.readFileSync(join(local, "zz-big.bin"))), sha256(big));
      assert.equal(walkLocal(local).filter((p) => /^small\/s\d+\.txt$/.test(p)).length, 30);
      // The next pass removed the killed pass's temporary files; the trees are equal.
      assert.deepEqual(walkLocal(local), walkLocal(join(srv.root, "data")));
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
