/**
 * `ftp-clone password` through a spawned CLI: from stdin, from a terminal (through script(1)),
 * as an argument; the file is byte-identical except that one line; secret.key is 0600; the value
 * decrypts back through loadConfig; errors leave the file alone; the password is never printed.
 * Contract strings are written out literally.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadConfig } from "../../config/mod.ts";
import { cliEnv, MOD_TS, runCli } from "../support/cli.ts";

const PASSWORD = "s3cr€t pa;ss=wörd";

/** A realistic file: BOM, CRLF, comments, tabs, an inline comment, an empty Password. */
function iniText(localDir: string): string {
  return "\uFEFF" + [
    "; ftp-clone configuration",
    "[Service]",
    "ServiceWait = 8 ; minutes",
    "",
    "[FTP1]",
    "Server\t= ftp.example.org",
    "User = alice",
    "Password =",
    "Remote_dir = /www",
    `Local_dir = ${localDir}`,
    "",
    "# the second site",
    "[FTP2]",
    "Server = 127.0.0.1",
    "Remote_dir = /",
    `Local_dir = ${localDir}2`,
  ].join("\r\n") + "\r\n";
}

async function setup(): Promise<{ dir: string; ini: string; key: string; original: string }> {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-e2e-password-" });
  const ini = join(dir, "parametre.ini");
  const original = iniText(join(dir, "local"));
  await Deno.writeTextFile(ini, original);
  return { dir, ini, key: join(dir, "secret.key"), original };
}

/** The lines of `after` that differ from `before`'s, as [index, line] pairs (lengths must match). */
function changedLines(before: string, after: string): [number, string][] {
  const a = before.split("\r\n");
  const b = after.split("\r\n");
  assert.equal(b.length, a.length, "same number of lines");
  return b.flatMap((line, i) => line === a[i] ? [] : [[i, line] as [number, string]]);
}

async function decrypted(ini: string, section: string): Promise<string> {
  const result = await loadConfig(ini, { env: {}, stateDirOverride: "/nonexistent-state" });
  assert.ok(result.ok, JSON.stringify(result));
  const found = result.config.sections.find((s) => s.name === section);
  assert.ok(found);
  assert.equal(found.passwordError, undefined);
  return found.password;
}

function assertNoSecret(r: { stdout: string; stderr: string }, secret = PASSWORD): void {
  assert.ok(!r.stdout.includes(secret), "the password is not on stdout");
  assert.ok(!r.stderr.includes(secret), "the password is not on stderr");
}

Deno.test("password from stdin changes only the Password line and creates secret.key 0600", async () => {
  const { dir, ini, key, original } = await setup();
  try {
    const r = await runCli(["--config", ini, "password", "FTP1"], { stdin: `${PASSWORD}\n` });
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      `ok: Password saved for [FTP1] in "${ini}"; a running service uses it from its next pass.\n`,
    );
    assertNoSecret(r);

    const after = await Deno.readTextFile(ini);
    assert.ok(after.startsWith("\uFEFF"), "the BOM is kept");
    const changed = changedLines(original, after);
    assert.equal(changed.length, 1, JSON.stringify(changed));
    assert.equal(changed[0]![0], 7);
    assert.match(changed[0]![1], /^Password = v1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
    assert.ok(!after.includes(PASSWORD));

    assert.equal((await Deno.stat(key)).mode! & 0o777, 0o600);
    assert.equal(await decrypted(ini, "FTP1"), PASSWORD);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("password inserts a missing Password line, reuses the key, and accepts a lower-case name", async () => {
  const { dir, ini, key } = await setup();
  try {
    const first = await runCli(["--config", ini, "password", "FTP1"], { stdin: "one\r\n" });
    assert.equal(first.code, 0, first.stderr);
    const keyBytes = await Deno.readFile(key);
    const afterFirst = await Deno.readTextFile(ini);

    // FTP2 has no Password key: one line is inserted after its last key line, with CRLF.
    const r = await runCli(["password", "ftp2", "two words"], { env: { FTP_CLONE_CONFIG: ini } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `ok: Password saved for [FTP2] in "${ini}"; a running service uses it from its next pass.\n`,
    );
    assertNoSecret(r, "two words");
    const after = await Deno.readTextFile(ini);
    const lines = after.split("\r\n");
    assert.equal(lines.length, afterFirst.split("\r\n").length + 1);
    assert.match(lines[16]!, /^Password = v1:/);
    assert.equal(lines.filter((_line, i) => i !== 16).join("\r\n"), afterFirst);

    assert.deepEqual(await Deno.readFile(key), keyBytes, "secret.key is never replaced");
    assert.equal(await decrypted(ini, "FTP1"), "one");
    assert.equal(await decrypted(ini, "FTP2"), "two words");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("password errors exit 2 and leave the file and the key alone", async (t) => {
  const { dir, ini, key, original } = await setup();
  try {
    const rows: { name: string; args: string[]; stdin?: string; stderr: string }[] = [
      {
        name: "an unknown section",
        args: ["password", "FTP9"],
        stdin: `${PASSWORD}\n`,
        stderr:
          `error: Cannot set the password of "[FTP9]" in "${ini}": no such section; the sections are [FTP1], [FTP2]\n`,
      },
      {
        name: "the [Service] section",
        args: ["password", "Service", PASSWORD],
        stderr:
          `error: Cannot set the password of "[Service]" in "${ini}": only [FTPn] sections have a Password\n`,
      },
      {
        name: "a password that looks like an option is not echoed",
        args: ["password", "FTP1", `-${PASSWORD}`],
        stderr:
          'error: Cannot parse the arguments of "ftp-clone password" (not shown: one may be the password); a password that starts with "-" goes after "--": ftp-clone password FTP1 -- -secret, or better on standard input\n' +
          '(run "ftp-clone password --help" for usage)\n',
      },
      {
        name: "an extra argument is not echoed",
        args: ["password", "FTP1", "x", PASSWORD],
        stderr:
          'error: Cannot parse the arguments of "ftp-clone password" (not shown: one may be the password); a password that starts with "-" goes after "--": ftp-clone password FTP1 -- -secret, or better on standard input\n' +
          '(run "ftp-clone password --help" for usage)\n',
      },
      {
        name: "empty stdin",
        args: ["password", "FTP1"],
        stderr: "error: No password was given for [FTP1]; nothing was written\n",
      },
      {
        name: "an empty line on stdin",
        args: ["password", "FTP1"],
        stdin: "\n",
        stderr: "error: No password was given for [FTP1]; nothing was written\n",
      },
    ];
    for (const row of rows) {
      await t.step(row.name, async () => {
        const r = await runCli(
          ["--config", ini, ...row.args],
          row.stdin === undefined ? {} : { stdin: row.stdin },
        );
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, row.stderr);
        assertNoSecret(r);
        assert.equal(await Deno.readTextFile(ini), original);
        await assert.rejects(Deno.stat(key), Deno.errors.NotFound);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Whether script(1) from util-linux is here; with CI=true its absence fails the test. */
function scriptAvailable(): boolean {
  try {
    new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    return true;
  } catch (error) {
    if (Deno.env.get("CI") === "true") {
      throw new Error(`Cannot run the terminal test: script(1) from util-linux is missing`, {
        cause: error,
      });
    }
    return false;
  }
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

Deno.test("password on a terminal prompts, reads without echo, and saves", async () => {
  if (!scriptAvailable()) return;
  const { dir, ini, original } = await setup();
  try {
    // script(1) gives the CLI a pseudo-terminal; what it shows is what a user would see.
    const command = [
      Deno.execPath(),
      "run",
      "-A",
      "--quiet",
      MOD_TS,
      "--config",
      ini,
      "password",
      "FTP1",
    ]
      .map(shellQuote).join(" ");
    const child = new Deno.Command("script", {
      args: ["-qec", command, "/dev/null"],
      env: cliEnv(),
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const decoder = new TextDecoder();
    const reader = child.stdout.getReader();
    let screen = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    try {
      // Type only once the prompt is up: raw mode (no echo) is on by then.
      while (!screen.includes("Password for [FTP1]: ")) {
        const { value, done } = await reader.read();
        if (done) break;
        screen += decoder.decode(value, { stream: true });
      }
      const writer = child.stdin.getWriter();
      // "x" then Backspace: the line editor removes it.
      await writer.write(new TextEncoder().encode(`${PASSWORD}x\x7f\r`));
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        screen += decoder.decode(value, { stream: true });
      }
      await writer.close().catch(() => {});
      const status = await child.status;
      await child.stderr.cancel();
      assert.equal(status.code, 0, screen);
    } finally {
      clearTimeout(timer);
    }
    assert.equal(
      screen.replaceAll("\r\n", "\n"),
      `Password for [FTP1]: \nok: Password saved for [FTP1] in "${ini}"; a running service uses it from its next pass.\n`,
    );
    assert.ok(!screen.includes("s3cr"), "nothing typed is echoed");
    assert.equal(changedLines(original, await Deno.readTextFile(ini)).length, 1);
    assert.equal(await decrypted(ini, "FTP1"), PASSWORD);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
