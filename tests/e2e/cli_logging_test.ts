/**
 * Log lines of a spawned CLI: journal priority prefixes when JOURNAL_STREAM is set, ISO
 * timestamps otherwise; the level from --log-level, else LogLevel in the ini, else info.
 * `check` logs at debug; its section on 127.0.0.1:1 refuses the connection at once.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";

async function setup(logLevel?: string): Promise<{ dir: string; ini: string }> {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-e2e-logging-" });
  const ini = join(dir, "parametre.ini");
  await Deno.mkdir(join(dir, "local"));
  await Deno.writeTextFile(
    ini,
    [
      "[Service]",
      ...(logLevel === undefined ? [] : [`LogLevel = ${logLevel}`]),
      "[FTP1]",
      "Server = 127.0.0.1",
      "Port = 1",
      "Remote_dir = /",
      `Local_dir = ${join(dir, "local")}`,
      "",
    ].join("\n"),
  );
  return { dir, ini };
}

/** stderr lines that are log lines (not `error:`/`warning:` output lines). */
function logLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l !== "" && !/^(error|warning): /.test(l));
}

Deno.test("with JOURNAL_STREAM every log line starts with its priority and has no timestamp", async () => {
  const { dir, ini } = await setup();
  try {
    const r = await runCli(["--config", ini, "--log-level", "debug", "check"], {
      env: { JOURNAL_STREAM: "8:12345" },
    });
    assert.equal(r.code, 1, r.stderr);
    const lines = logLines(r.stderr);
    assert.ok(lines.includes(`<7>[FTP1] Checking Local_dir ${join(dir, "local")}`), r.stderr);
    for (const line of lines) assert.match(line, /^<[0-7]>/, line);
    assert.doesNotMatch(r.stderr, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without JOURNAL_STREAM log lines carry an ISO timestamp and the level", async () => {
  const { dir, ini } = await setup();
  try {
    const r = await runCli(["--config", ini, "--log-level", "debug", "check"]);
    assert.equal(r.code, 1, r.stderr);
    const lines = logLines(r.stderr);
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (error|warning|info|debug) /;
    assert.ok(lines.length > 0, r.stderr);
    for (const line of lines) assert.match(line, iso, line);
    assert.ok(
      lines.some((l) =>
        l.replace(iso, "$1 ") === `debug [FTP1] Checking Local_dir ${join(dir, "local")}`
      ),
      r.stderr,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the log level is --log-level, else LogLevel in the ini, else info", async (t) => {
  const rows: { name: string; ini?: string; flag?: string; debug: boolean }[] = [
    { name: "default info: no debug lines", debug: false },
    { name: "LogLevel = debug in the ini", ini: "debug", debug: true },
    { name: "--log-level info beats the ini", ini: "debug", flag: "info", debug: false },
    { name: "--log-level debug beats the ini", ini: "error", flag: "debug", debug: true },
  ];
  for (const row of rows) {
    await t.step(row.name, async () => {
      const { dir, ini } = await setup(row.ini);
      try {
        const flag = row.flag === undefined ? [] : ["--log-level", row.flag];
        const r = await runCli(["--config", ini, ...flag, "check"], {
          env: { JOURNAL_STREAM: "8:1" },
        });
        assert.equal(r.code, 1, r.stderr);
        assert.equal(r.stderr.includes("<7>[FTP1] Checking Local_dir"), row.debug, r.stderr);
        assert.match(
          r.stderr,
          /^error: \[FTP1\] Login to ftp:\/\/anonymous@127\.0\.0\.1:1 failed: /m,
        );
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  }
});
