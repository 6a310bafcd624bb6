/**
 * `sync` and `status` as a user runs them, against a real server (vsftpd over explicit TLS with
 * a pinned certificate): the first pass merges both sides and writes the Identifier, a dry run
 * changes nothing, a second pass transfers nothing, `status --json` has the contract's shape,
 * and a section held by another process is refused with its pid.
 * @module
 */
import assert from "node:assert/strict";
import { ignoreUnlessServer, startServer } from "../support/ftp_servers.ts";
import { runCli } from "../support/cli.ts";

/** Every file under a directory (relative path -> bytes), to compare trees byte for byte. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for await (const entry of Deno.readDir(dir)) {
      const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory) {
        out.set(`${rel}/`, "");
        await walk(`${dir}/${entry.name}`, rel);
      } else {
        out.set(rel, await Deno.readTextFile(`${dir}/${entry.name}`));
      }
    }
  };
  await walk(root, "");
  return out;
}

Deno.test({
  name: "sync and status through the CLI against vsftpd over explicit TLS",
  ignore: ignoreUnlessServer("vsftpd"),
  async fn(t) {
    await using server = await startServer({ kind: "vsftpd", mode: "explicit" });
    const dir = await Deno.makeTempDir({ prefix: "ftp-clone-e2e-sync-" });
    try {
      const local = `${dir}/local`;
      const ini = `${dir}/parametre.ini`;
      await Deno.mkdir(local);
      await server.mkdir("remote");
      await server.writeFile("remote/from server.txt", "made on the server\n");
      await server.writeFile("remote/old/été.txt", "two years old\n", {
        mtime: new Date("2024-06-01T10:00:00Z"),
      });
      await Deno.writeTextFile(`${local}/from local.txt`, "made locally\n");
      const iniText = "; written by the test\r\n[Service]\r\n" +
        `StateDirectory = ${dir}/state\r\n\r\n[FTP1]\r\nServer = 127.0.0.1 ; loopback\r\n` +
        `Type = ftpes\r\nPort = ${server.port}\r\nUser = ${server.user}\r\n` +
        `TlsFingerprint = ${server.certFingerprint}\r\nRemote_dir = /remote\r\n` +
        `Local_dir = ${local}\r\n`;
      await Deno.writeTextFile(ini, iniText);
      const password = await runCli(["--config", ini, "password", "FTP1"], {
        stdin: `${server.password}\n`,
      });
      assert.equal(password.code, 0, password.stderr);

      await t.step("a dry run prints the plan and changes nothing", async () => {
        const before = {
          ini: await Deno.readTextFile(ini),
          local: await snapshot(local),
          remote: await snapshot(`${server.root}/remote`),
        };
        const r = await runCli(["--config", ini, "sync", "--dry-run"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^ok: \[FTP1\] dry run: 4 actions planned, nothing changed$/m);
        assert.match(r.stdout, /^ {2}upload "from local\.txt": /m);
        assert.match(r.stdout, /^ {2}download "from server\.txt": /m);
        assert.match(r.stdout, /^ {2}download "old\/été\.txt": /m);
        assert.equal(await Deno.readTextFile(ini), before.ini);
        assert.deepEqual(await snapshot(local), before.local);
        assert.deepEqual(await snapshot(`${server.root}/remote`), before.remote);
        assert.equal(await Deno.stat(`${dir}/state`).catch(() => null), null);
      });

      await t.step("the first pass merges both sides and writes the Identifier", async () => {
        const before = await Deno.readTextFile(ini);
        const r = await runCli(["--config", ini, "sync"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(
          r.stdout,
          /^ok: \[FTP1\] 1 uploaded, 2 downloaded, 0 deleted locally, 0 deleted on the server, 0 conflicts, 0 errors \(\d+\.\d s\)$/m,
        );
        assert.equal(
          await Deno.readTextFile(`${server.root}/remote/from local.txt`),
          "made locally\n",
        );
        assert.equal(await Deno.readTextFile(`${local}/from server.txt`), "made on the server\n");
        assert.equal(await Deno.readTextFile(`${local}/old/été.txt`), "two years old\n");
        assert.equal(
          (await Deno.stat(`${local}/old/été.txt`)).mtime?.toISOString(),
          "2024-06-01T10:00:00.000Z",
        );
        // Only one line was added to the ini: the Identifier, with the file's CRLF.
        const after = await Deno.readTextFile(ini);
        const added = after.replace(before, "");
        assert.match(added, /^Identifier = [0-9a-f]{40}\r\n$/);
        assert.ok(after.startsWith(before));
      });

      await t.step("a second pass transfers nothing, counted on the server", async () => {
        const storsBefore = (await server.commandLog()).match(/"(STOR|RETR) /g)?.length ?? 0;
        const r = await runCli(["--config", ini, "sync", "FTP1"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^ok: \[FTP1\] 0 uploaded, 0 downloaded, 0 deleted locally/m);
        const storsAfter = (await server.commandLog()).match(/"(STOR|RETR) /g)?.length ?? 0;
        assert.equal(storsAfter, storsBefore);
      });

      await t.step("sync --json, check --json, and -q for scripts", async () => {
        const json = await runCli(["--config", ini, "sync", "--json"]);
        assert.equal(json.code, 0, json.stderr);
        const doc = JSON.parse(json.stdout);
        assert.equal(doc.ok, true);
        assert.equal(doc.sections[0].name, "FTP1");
        assert.equal(doc.sections[0].outcome, "ok");
        assert.equal(doc.sections[0].uploaded, 0);
        const check = await runCli(["--config", ini, "check", "--json"]);
        assert.equal(check.code, 0, check.stderr);
        assert.deepEqual(JSON.parse(check.stdout).sections, [
          { name: "FTP1", ok: true, reasons: [] },
        ]);
        const quiet = await runCli(["--config", ini, "-q", "sync"]);
        assert.equal(quiet.code, 0, quiet.stderr);
        assert.equal(quiet.stdout + quiet.stderr, "");
      });

      await t.step("status --json has the contract's shape", async () => {
        const r = await runCli(["--config", ini, "status", "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const status = JSON.parse(r.stdout);
        assert.equal(status.sections.length, 1);
        const [section] = status.sections;
        assert.equal(section.name, "FTP1");
        assert.match(section.identifier, /^[0-9a-f]{40}$/);
        assert.deepEqual(Object.keys(section.lastPass).sort(), [
          "bytes",
          "comparedByDownload",
          "comparedByHash",
          "conflicts",
          "deletedLocal",
          "deletedRemote",
          "downloaded",
          "errors",
          "finishedAt",
          "outcome",
          "refusedNames",
          "renamedLocal",
          "renamedRemote",
          "startedAt",
          "totals",
          "uploaded",
        ]);
        assert.equal(section.lastPass.outcome, "ok");
        assert.equal(section.lastPass.uploaded, 0);
        assert.ok(!Number.isNaN(Date.parse(section.lastPass.startedAt)));
        const text = await runCli(["--config", ini, "status"]);
        assert.equal(text.code, 0, text.stderr);
        assert.match(text.stdout, /^\[FTP1\] ok: /m);
        assert.ok(!text.stdout.includes(server.password) && !r.stdout.includes(server.password));
      });

      await t.step("a section locked by another process is refused with its pid", async () => {
        const identifier = (await Deno.readTextFile(ini)).match(/Identifier = ([0-9a-f]{40})/)![1];
        // Hold the lock from a child process, as the service would.
        const holder = new Deno.Command(Deno.execPath(), {
          args: [
            "eval",
            `import { tryLockSection } from ${
              JSON.stringify(new URL("../../sync/mod.ts", import.meta.url).href)
            };
             const lock = tryLockSection(${JSON.stringify(`${dir}/state`)}, "${identifier}");
             console.log(lock.ok ? "locked" : "failed");
             await new Promise((r) => setTimeout(r, 30000));`,
          ],
          stdout: "piped",
          stderr: "inherit",
        }).spawn();
        try {
          const reader = holder.stdout.getReader();
          const { value } = await reader.read();
          assert.equal(new TextDecoder().decode(value).trim(), "locked");
          reader.releaseLock();
          const r = await runCli(["--config", ini, "sync"]);
          assert.equal(r.code, 1);
          assert.ok(r.stderr.includes(`process ${holder.pid}`), r.stderr);
        } finally {
          holder.kill("SIGKILL");
          await holder.status;
          await holder.stdout.cancel().catch(() => {});
        }
      });

      await t.step("a change on each side flows across; a deletion goes to the trash", async () => {
        await Deno.writeTextFile(`${local}/from local.txt`, "changed locally, longer\n");
        await Deno.remove(`${server.root}/remote/from server.txt`);
        const r = await runCli(["--config", ini, "sync"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^ok: \[FTP1\] 1 uploaded, 0 downloaded, 1 deleted locally/m);
        assert.equal(
          await Deno.readTextFile(`${server.root}/remote/from local.txt`),
          "changed locally, longer\n",
        );
        assert.equal(await Deno.stat(`${local}/from server.txt`).catch(() => null), null);
        assert.equal(
          await Deno.readTextFile(`${local}/.ftp-clone-trash/from server.txt`),
          "made on the server\n",
        );
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
