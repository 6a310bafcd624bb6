/**
 * `ftp-clone check` through a spawned CLI: configuration errors with line numbers (exit 2), and a
 * live check against a test FTP server (ok, or one error line per failing section, exit 1).
 * Contract strings are written out literally.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";
import { requireServer, startServer, type TestServer } from "../support/ftp_servers.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "ftp-clone-e2e-check-" });
}

Deno.test("check prints every configuration error with its line, exits 2, prints nothing on stdout", async () => {
  const dir = await tempDir();
  try {
    const ini = join(dir, "parametre.ini");
    await Deno.writeTextFile(
      ini,
      [
        "; a file full of mistakes",
        "[Service]",
        "ServiceWait = soon",
        "LogLevel = loud",
        "",
        "[FTP1]",
        "Type = sftp",
        "Port = 70000",
        "Remote_dir = /data",
        "Local_dir = relative/dir",
        "Remotedir = /x",
        "",
      ].join("\n"),
    );
    const r = await runCli(["--config", ini, "--state-dir", join(dir, "state"), "check"]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, "");
    const lines = r.stderr.split("\n");
    for (
      const expected of [
        `${ini}:3: [Service] ServiceWait: `,
        `${ini}:4: [Service] LogLevel: `,
        `${ini}:6: [FTP1] Server: `,
        `${ini}:7: [FTP1] Type: `,
        `${ini}:8: [FTP1] Port: `,
        `${ini}:10: [FTP1] Local_dir: `,
      ]
    ) {
      assert.ok(lines.some((line) => line.startsWith(expected)), `an error line "${expected}..."`);
    }
    assert.ok(
      lines.some((line) => line.startsWith(`warning: ${ini}:11: [FTP1] Remotedir: `)),
      "the unknown key is a warning",
    );
    assert.ok(lines.includes(`error: Configuration "${ini}" has 6 errors`), r.stderr);
    assert.equal(lines.at(-1), "", "every line ends with a newline");
    // Nothing was created: check changes nothing.
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["parametre.ini"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check on a missing configuration file exits 2", async () => {
  const dir = await tempDir();
  try {
    const ini = join(dir, "parametre.ini");
    const r = await runCli(["check"], { env: { FTP_CLONE_CONFIG: ini } });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, new RegExp(`^${RegExp.escape(ini)}: .*does not exist`, "m"));
    assert.ok(r.stderr.endsWith(`error: Configuration "${ini}" has 1 error\n`), r.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Writes a config with one section per entry of `sections`, all on `srv`. */
async function writeConfig(
  ini: string,
  srv: TestServer,
  sections: { remoteDir: string; localDir: string; password?: string }[],
): Promise<void> {
  const text = ["[Service]", "ConcurrentSynchronisations = 2", ""];
  sections.forEach((s, i) => {
    text.push(
      `[FTP${i + 1}]`,
      `Server = ${srv.host}`,
      `Port = ${srv.port}`,
      "Type = ftp",
      `User = ${srv.user}`,
      `Remote_dir = ${s.remoteDir}`,
      `Local_dir = ${s.localDir}`,
      "",
    );
  });
  await Deno.writeTextFile(ini, text.join("\n"));
}

Deno.test("check against a live proftpd: ok per section, then an error for a missing Remote_dir", async (t) => {
  if (!await requireServer(t, "proftpd")) return;
  const dir = await tempDir();
  await using srv = await startServer({ kind: "proftpd", mode: "plain" });
  try {
    await srv.mkdir("data");
    const ini = join(dir, "parametre.ini");
    const local = join(dir, "local");
    await Deno.mkdir(local);
    const state = join(dir, "state");

    // The password goes in through `password`, as a user would do it.
    await writeConfig(ini, srv, [{ remoteDir: "/data", localDir: local }]);
    const saved = await runCli(["--config", ini, "password", "FTP1"], {
      stdin: `${srv.password}\n`,
    });
    assert.equal(saved.code, 0, saved.stderr);

    await t.step("every section passes: exit 0, one ok line per section", async () => {
      const r = await runCli(["--config", ini, "--state-dir", state, "check"]);
      assert.equal(r.stderr, "");
      assert.equal(r.code, 0);
      assert.equal(
        r.stdout,
        `ok: Configuration "${ini}" is valid: 1 section.\n` +
          `ok: [FTP1] Logged in to ftp://${srv.user}@127.0.0.1:${srv.port}; Remote_dir "/data" exists; ` +
          `Local_dir "${local}" is writable.\n` +
          "  server time: not measured yet (the first pass measures it)\n",
      );
      assert.ok(!r.stdout.includes(srv.password) && !r.stderr.includes(srv.password));
    });

    await t.step(
      "a missing Remote_dir and a missing Local_dir fail their section: exit 1",
      async () => {
        const local2 = join(dir, "local2");
        await Deno.mkdir(local2);
        const text = await Deno.readTextFile(ini);
        await Deno.writeTextFile(
          ini,
          text +
            [
              "[FTP2]",
              `Server = ${srv.host}`,
              `Port = ${srv.port}`,
              `User = ${srv.user}`,
              "Remote_dir = /no-such-dir",
              `Local_dir = ${local2}`,
              "",
              "[FTP3]",
              `Server = ${srv.host}`,
              `Port = ${srv.port}`,
              "User = anonymous",
              "Remote_dir = /data",
              `Local_dir = ${join(dir, "missing")}`,
              "",
            ].join("\n"),
        );
        // FTP2 needs the password too; FTP3 logs in with none (refused by the server).
        const again = await runCli(["--config", ini, "password", "FTP2"], {
          stdin: `${srv.password}\n`,
        });
        assert.equal(again.code, 0, again.stderr);

        const r = await runCli(["--config", ini, "--state-dir", state, "check"]);
        assert.equal(r.code, 1, r.stderr);
        assert.equal(
          r.stdout,
          `ok: Configuration "${ini}" is valid: 3 sections.\n` +
            `ok: [FTP1] Logged in to ftp://${srv.user}@127.0.0.1:${srv.port}; Remote_dir "/data" exists; ` +
            `Local_dir "${local}" is writable.\n` +
            "  server time: not measured yet (the first pass measures it)\n",
        );
        const lines = r.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 2, r.stderr);
        assert.ok(
          lines[0]!.startsWith(
            `error: [FTP2] Remote_dir "/no-such-dir" cannot be listed on ftp://${srv.user}@127.0.0.1:${srv.port}: `,
          ),
          lines[0],
        );
        assert.ok(
          lines[1]!.startsWith(
            `error: [FTP3] Local_dir "${join(dir, "missing")}" does not exist; ` +
              `Login to ftp://anonymous@127.0.0.1:${srv.port} failed: `,
          ),
          lines[1],
        );
        assert.ok(!r.stdout.includes(srv.password) && !r.stderr.includes(srv.password));
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check fails a section whose Password cannot be decrypted, naming the fix", async () => {
  const dir = await tempDir();
  try {
    const ini = join(dir, "parametre.ini");
    const local = join(dir, "local");
    await Deno.mkdir(local);
    await Deno.writeTextFile(
      ini,
      [
        "[FTP1]",
        "Server = 127.0.0.1",
        "Port = 1",
        "Password = typed-in-plain-text",
        "Remote_dir = /",
        `Local_dir = ${local}`,
        "",
      ].join("\n"),
    );
    const r = await runCli(["--config", ini, "--state-dir", join(dir, "state"), "check"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: \[FTP1\] .*ftp-clone password FTP1/m);
    assert.ok(
      !r.stderr.includes("typed-in-plain-text") && !r.stdout.includes("typed-in-plain-text"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
