/**
 * `trash list` and `trash restore` as a user runs them, against proftpd: a pass deletes a file
 * that was deleted on the server (it goes to the trash), `trash list` shows it, `trash restore`
 * brings it back byte-identical with its mtime, and the next `sync` uploads it again.
 * @module
 */
import assert from "node:assert/strict";
import { ignoreUnlessServer, startServer } from "../support/ftp_servers.ts";
import { runCli } from "../support/cli.ts";

Deno.test({
  name: "trash list and trash restore through the CLI against proftpd",
  ignore: ignoreUnlessServer("proftpd"),
  async fn(t) {
    await using server = await startServer({ kind: "proftpd" });
    const dir = await Deno.makeTempDir({ prefix: "ftp-clone-e2e-trash-" });
    try {
      const local = `${dir}/local`;
      const ini = `${dir}/parametre.ini`;
      await Deno.mkdir(`${local}/docs`, { recursive: true });
      await server.mkdir("remote");
      // Every byte value, so that "byte-identical" means something.
      const bytes = new Uint8Array(4096).map((_, i) => (i * 7) % 256);
      const mtime = new Date("2024-06-01T10:00:00Z");
      await Deno.writeFile(`${local}/docs/report.bin`, bytes);
      await Deno.utime(`${local}/docs/report.bin`, mtime, mtime);
      // Two files that stay: deleting 1 of 3 keeps the pass under MaxDelete (50 %).
      await Deno.writeTextFile(`${local}/keep1.txt`, "stays\n");
      await Deno.writeTextFile(`${local}/docs/keep2.txt`, "stays too\n");
      await Deno.writeTextFile(
        ini,
        `[Service]\nStateDirectory = ${dir}/state\n\n[FTP1]\nServer = 127.0.0.1\n` +
          `Port = ${server.port}\nUser = ${server.user}\nRemote_dir = /remote\n` +
          `Local_dir = ${local}\n`,
      );
      const password = await runCli(["--config", ini, "password", "FTP1"], {
        stdin: `${server.password}\n`,
      });
      assert.equal(password.code, 0, password.stderr);
      const sync = async (pattern: RegExp) => {
        const r = await runCli(["--config", ini, "sync"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, pattern);
      };
      const remoteFile = `${server.root}/remote/docs/report.bin`;

      await t.step(
        "a pass uploads the file; deleted on the server, the next trashes it",
        async () => {
          await sync(/^ok: \[FTP1\] 3 uploaded, 0 downloaded, 0 deleted locally/m);
          assert.deepEqual(await Deno.readFile(remoteFile), bytes);
          await Deno.remove(remoteFile);
          await sync(/^ok: \[FTP1\] 0 uploaded, 0 downloaded, 1 deleted locally/m);
          await assert.rejects(Deno.stat(`${local}/docs/report.bin`), Deno.errors.NotFound);
        },
      );

      await t.step("trash list shows it: path, size, when, why", async () => {
        const r = await runCli(["--config", ini, "trash", "list"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(
          r.stdout,
          /^\[FTP1\] 1 file in .*\/local\/\.ftp-clone-trash\n {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}\s*4\.0 KiB {2}docs\/report\.bin {2}\(deleted on the remote\)\n$/,
        );
        const json = await runCli(["--config", ini, "trash", "list", "FTP1", "--json"]);
        assert.equal(json.code, 0, json.stderr);
        const [entry] = JSON.parse(json.stdout).sections[0].entries;
        assert.equal(entry.path, "docs/report.bin");
        assert.equal(entry.size, 4096);
        assert.equal(entry.reason, "deleted on the remote");
        assert.equal(entry.mtime, mtime.toISOString());
      });

      await t.step("trash restore brings it back byte-identical with its mtime", async () => {
        const r = await runCli(["--config", ini, "trash", "restore", "FTP1", "docs/report.bin"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^ok: Restored "docs\/report\.bin" .*the next pass uploads it\n$/);
        assert.deepEqual(await Deno.readFile(`${local}/docs/report.bin`), bytes);
        const stat = await Deno.stat(`${local}/docs/report.bin`);
        assert.equal(stat.mtime?.toISOString(), mtime.toISOString());
        const again = await runCli([
          "--config",
          ini,
          "trash",
          "restore",
          "FTP1",
          "docs/report.bin",
        ]);
        assert.equal(again.code, 1);
        assert.match(again.stderr, /it is not in the trash/);
        const list = await runCli(["--config", ini, "trash", "list"]);
        assert.equal(list.stdout, "[FTP1] the trash is empty\n");
      });

      await t.step("the next sync uploads it again", async () => {
        await sync(
          /^ok: \[FTP1\] 1 uploaded, 0 downloaded, 0 deleted locally, 0 deleted on the server, 0 conflicts, 0 errors/m,
        );
        assert.deepEqual(await Deno.readFile(remoteFile), bytes);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
