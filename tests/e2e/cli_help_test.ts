/**
 * The command surface: help, version, and usage errors (exit 2), through a spawned CLI.
 * Contract strings are written out literally.
 * @module
 */
import assert from "node:assert/strict";
import { runCli } from "../support/cli.ts";

const COMMANDS = [
  "sync",
  "status",
  "check",
  "password",
  "service",
  "install",
  "uninstall",
  "start",
  "stop",
  "restart",
  "reload",
];

Deno.test("ftp-clone --help lists every command, the global options, env and exit codes", async () => {
  const r = await runCli(["--help"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.match(r.stdout, /^Usage: ftp-clone \[options\] \[command\]\n/);
  for (const command of COMMANDS) {
    assert.match(r.stdout, new RegExp(`^  ${command}\\b`, "m"), `command ${command} listed`);
  }
  for (
    const text of [
      "--config <path>",
      "--state-dir <dir>",
      "--log-level <level>",
      "-q, --quiet",
      "-v, --verbose",
      "-V, --version",
      "-h, --help",
      "FTP_CLONE_CONFIG",
      "FTP_CLONE_STATE_DIR",
      "FTP_CLONE_UNIT_DIR",
      "JOURNAL_STREAM",
      "  0  success\n",
      "  1  a section failed (connection, transfer, safety guard) or a service command failed\n",
      "  2  usage or configuration error\n",
    ]
  ) {
    assert.ok(r.stdout.includes(text), `--help mentions ${text}`);
  }
});

Deno.test("ftp-clone --version prints the version of deno.json, Deno's and the platform", async () => {
  const version = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)))
    .version;
  for (const flag of ["--version", "-V"]) {
    const r = await runCli([flag]);
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      `ftp-clone ${version} (Deno ${Deno.version.deno}, V8 ${Deno.version.v8}, ${Deno.build.target})\n`,
    );
    assert.equal(r.stderr, "");
  }
});

Deno.test("every command has its own --help, with the global options", async (t) => {
  const usage: Record<string, string> = {
    sync: "Usage: ftp-clone sync [options] [section...]",
    status: "Usage: ftp-clone status [options]",
    check: "Usage: ftp-clone check [options]",
    password: "Usage: ftp-clone password [options] <section> [password]",
    service: "Usage: ftp-clone service [options]",
    install: "Usage: ftp-clone install [options]",
    uninstall: "Usage: ftp-clone uninstall [options]",
    start: "Usage: ftp-clone start [options]",
    stop: "Usage: ftp-clone stop [options]",
    restart: "Usage: ftp-clone restart [options]",
    reload: "Usage: ftp-clone reload [options]",
  };
  const specific: Record<string, string[]> = {
    status: ["--json"],
    check: ["<file>:<line>: [<section>] <key>: <problem>", "--json"],
    password: ["secret.key", "0600", "without echo"],
    install: [
      "--unit-dir <dir>",
      "ok: Service stopped.",
      "ok: Service uninstalled.",
      "ok: Installation (or update) successful.",
    ],
    uninstall: ["--unit-dir <dir>"],
    start: ["ok: Service started."],
    stop: ["ok: Service stopped."],
    restart: ["ok: Service stopped.", "ok: Service started.", "nothing is stopped"],
    reload: ["--pid <pid>", "ok: Configuration reloaded."],
    sync: ["--dry-run", "--json"],
    service: ["SIGHUP", "SIGTERM"],
  };
  // Spawned in parallel (each is a deno start-up), checked one step each.
  const results = await Promise.all(COMMANDS.map((command) => runCli([command, "--help"])));
  for (const [index, command] of COMMANDS.entries()) {
    await t.step(command, () => {
      const r = results[index]!;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      assert.ok(r.stdout.startsWith(`${usage[command]}\n`), r.stdout);
      for (
        const text of ["--config <path>", "--state-dir <dir>", "--log-level <level>", "-q, --quiet"]
      ) {
        assert.ok(r.stdout.includes(text), `${command} --help shows ${text}`);
      }
      for (const text of specific[command] ?? []) {
        assert.ok(r.stdout.includes(text), `${command} --help mentions ${text}`);
      }
    });
  }
});

Deno.test("ftp-clone help COMMAND prints that command's help", async () => {
  const r = await runCli(["help", "password"]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith("Usage: ftp-clone password [options] <section> [password]\n"));
});

Deno.test("usage errors exit 2 and print only to stderr", async (t) => {
  const rows: { name: string; args: string[]; stderr: string }[] = [
    {
      name: "unknown command",
      args: ["frobnicate"],
      stderr: "error: unknown command 'frobnicate'\n",
    },
    {
      name: "unknown command close to a real one",
      args: ["chek"],
      stderr: "error: unknown command 'chek'\n(Did you mean check?)\n",
    },
    {
      name: "unknown global option",
      args: ["--bogus"],
      stderr: "error: unknown option '--bogus'\n",
    },
    {
      name: "unknown option of a command",
      args: ["sync", "--bogus"],
      stderr: "error: unknown option '--bogus'\n",
    },
    {
      name: "missing required argument",
      args: ["password"],
      stderr: "error: missing required argument 'section'\n",
    },
    {
      name: "too many arguments",
      args: ["check", "extra"],
      stderr: "error: too many arguments for 'check'. Expected 0 arguments but got 1: extra.\n",
    },
    {
      name: "a bad log level",
      args: ["--log-level", "loud", "check"],
      stderr:
        "error: option '--log-level <level>' argument 'loud' is invalid. Allowed choices are error, warning, info, debug.\n",
    },
    {
      name: "an option without its value",
      args: ["check", "--config"],
      stderr: "error: option '--config <path>' argument missing\n",
    },
  ];
  const results = await Promise.all(rows.map((row) => runCli(row.args)));
  for (const [index, row] of rows.entries()) {
    await t.step(row.name, () => {
      const r = results[index]!;
      assert.equal(r.code, 2);
      assert.equal(r.stdout, "");
      assert.ok(r.stderr.startsWith(row.stderr), r.stderr);
      assert.match(r.stderr, /\(run "ftp-clone (\w+ )?--help" for usage\)\n$/);
    });
  }
});

Deno.test("no command prints the help to stderr and exits 2", async () => {
  const r = await runCli([]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^Usage: ftp-clone \[options\] \[command\]\n/);
});

Deno.test("global options are accepted after the command too", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-e2e-help-" });
  try {
    const r = await runCli(["password", "FTP1", "--config", `${dir}/missing.ini`]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      `error: Cannot read configuration "${dir}/missing.ini": no such file or directory\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
