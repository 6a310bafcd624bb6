/**
 * Bad input through the real CLI (`deno run -A mod.ts`): fuzzed parametre.ini files given to
 * `check`, bad command lines, and a tampered Password. Exit codes are 0, 1 or 2 only; a
 * configuration error is exit 2 with `<file>:<line>: ...` lines; nothing prints a stack trace.
 * Every section points at 127.0.0.1 on a closed port, so `check` never leaves the machine.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createServer } from "node:net";
import {
  encryptPassword,
  formatIssue,
  loadConfig,
  loadSecretKey,
  secretKeyPath,
} from "../../config/mod.ts";
import { type CliResult, runCli } from "../support/cli.ts";
import { makeRng, mutateIni } from "../support/fuzz_ini.ts";
import { FUZZ_SEED, scaled } from "./fault_scale.ts";

const FIXTURES = new URL("../fixtures/ini/", import.meta.url);
/** A line of a JavaScript stack trace, in Deno's and V8's format. */
const STACK_LINE = /^\s+at\s/m;

/** A port on 127.0.0.1 that nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** No stack trace, exit code 0, 1 or 2. */
function assertSane(r: CliResult, what: string): void {
  assert.ok([0, 1, 2].includes(r.code), `${what}: exit code ${r.code}\n${r.stderr}`);
  assert.doesNotMatch(r.stdout, STACK_LINE, `${what}: stack trace on stdout\n${r.stdout}`);
  assert.doesNotMatch(r.stderr, STACK_LINE, `${what}: stack trace on stderr\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /Uncaught|panicked|RUST_BACKTRACE/, `${what}: crash\n${r.stderr}`);
}

/** Runs `fn` over `items`, `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

Deno.test("cli fuzz: check on mutated files exits 0, 1 or 2, never with a stack trace", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-fuzz-cli-" });
  try {
    const port = await closedPort();
    const local = join(dir, "local");
    await Deno.mkdir(local);
    const encoder = new TextEncoder();
    const sources: Uint8Array[] = [];
    for await (const entry of Deno.readDir(FIXTURES)) {
      if (!entry.name.endsWith(".ini")) continue;
      const text = await Deno.readTextFile(new URL(entry.name, FIXTURES));
      // Every server is this machine on a closed port; Local_dir values point into the temp dir.
      sources.push(encoder.encode(
        text.replace(/^(\s*Server\s*=)[^\r\n]*/gim, "$1 127.0.0.1")
          .replace(/^(\s*Port\s*=)[^\r\n]*/gim, `$1 ${port}`)
          .replace(/^(\s*Type\s*=)[^\r\n]*/gim, "$1 ftp")
          .replace(/^(\s*Local_dir\s*=\s*)\/([^\r\n]*)/gim, `$1${local}/$2`)
          .replace(/^(\[FTP\d+\][^\r\n]*\r?\n)/gim, `$1Port = ${port}\n`),
      ));
    }
    const wanted = scaled(20, 200);
    const cases: { file: string; expectErrors: string[] | undefined; ops: string }[] = [];
    for (let seed = FUZZ_SEED; cases.length < wanted; seed++) {
      const rng = makeRng(seed);
      const { bytes, ops } = mutateIni(rng.pick(sources), rng, { maxOps: 2, scale: 0.2 });
      const file = join(dir, `case-${seed}.ini`);
      await Deno.writeFile(file, bytes);
      const result = await loadConfig(file, { env: {} });
      if (result.ok) {
        // Only files whose every section stays on this machine, on the closed port, are run.
        const safe = result.config.sections.every((s) =>
          s.server === "127.0.0.1" && s.port === port
        );
        if (!safe) continue;
      }
      cases.push({
        file,
        expectErrors: result.ok ? undefined : result.errors.map(formatIssue),
        ops: `seed ${seed}: ${ops.join("+")}`,
      });
    }
    let exit2 = 0;
    await eachLimited(cases, 4, async ({ file, expectErrors, ops }) => {
      const r = await runCli(["--config", file, "--state-dir", join(dir, "state"), "check"], {
        timeoutMs: 30_000,
      });
      assertSane(r, ops);
      if (expectErrors === undefined) {
        assert.ok(r.code === 0 || r.code === 1, `${ops}: loads, but exit ${r.code}\n${r.stderr}`);
        return;
      }
      exit2++;
      assert.equal(r.code, 2, `${ops}: has errors, but exit ${r.code}\n${r.stderr}`);
      for (const line of r.stderr.split("\n")) {
        if (line === "" || line.startsWith("warning: ")) continue;
        if (line.startsWith("error: Configuration ")) continue;
        assert.ok(
          line.startsWith(`${file}:`),
          `${ops}: stderr line does not start with "<file>:<line>:": ${JSON.stringify(line)}`,
        );
      }
      for (const expected of expectErrors) {
        // The CLI prints control characters as \xNN (a value may hold terminal escapes).
        const printed = expected.replace(
          // deno-lint-ignore no-control-regex -- the characters the CLI escapes
          /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
          (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
        );
        assert.ok(r.stderr.includes(printed), `${ops}: missing ${JSON.stringify(printed)}`);
      }
    });
    await t.step(`${cases.length} files, ${exit2} with errors`, () => {
      assert.ok(exit2 > 0 && exit2 < cases.length, "both outcomes must be exercised");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: bad command lines exit 2 with one error line and no stack trace", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-badargs-" });
  try {
    const binary = join(dir, "binary.ini");
    await Deno.writeFile(binary, new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0xff, 0xfe, 0, 1, 2]));
    const cases: [string, string[]][] = [
      ["unknown command", ["frobnicate"]],
      ["unknown option", ["check", "--frobnicate"]],
      ["unknown global option", ["--frobnicate", "check"]],
      ["missing option argument", ["check", "--config"]],
      ["missing command argument", ["password"]],
      ["too many arguments", ["check", "extra"]],
      ["bad log level", ["--log-level", "loud", "check"]],
      ["--config is a directory", ["--config", dir, "check"]],
      ["--config does not exist", ["--config", join(dir, "missing.ini"), "check"]],
      ["--config is a binary file", ["--config", binary, "check"]],
      ["sync with a binary --config", ["--config", binary, "sync"]],
      ["status with a missing --config", ["--config", join(dir, "missing.ini"), "status"]],
    ];
    const results = new Map<string, CliResult>();
    await eachLimited(cases, 4, async ([what, args]) => {
      results.set(what, await runCli(args, { timeoutMs: 30_000 }));
    });
    for (const [what] of cases) {
      const r = results.get(what)!;
      await t.step(what, () => {
        assertSane(r, what);
        assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stderr}`);
        assert.equal(r.stdout, "", `${what}: stdout ${JSON.stringify(r.stdout)}`);
        const errors = r.stderr.split("\n").filter((l) => l.startsWith("error: "));
        assert.equal(errors.length, 1, `${what}: ${JSON.stringify(r.stderr)}`);
        assert.ok(r.stderr.split("\n").length <= 4, `${what}: ${JSON.stringify(r.stderr)}`);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: a tampered Password is that section's error, naming the key file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-tamper-" });
  try {
    const port = await closedPort();
    const ini = join(dir, "parametre.ini");
    await Deno.mkdir(join(dir, "a"));
    await Deno.mkdir(join(dir, "b"));
    const key = await loadSecretKey(ini, { create: true });
    assert.ok(key);
    const password = "Tamper-Me-9271";
    const good = await encryptPassword(password, key, { section: "FTP1" });
    // Change one character in the middle of the ciphertext (the last one may hold unused bits).
    const parts = good.split(":");
    const sealed = parts[2]!;
    const at = Math.floor(sealed.length / 2);
    const flipped = sealed[at] === "A" ? "B" : "A";
    const bad = `${parts[0]}:${parts[1]}:${sealed.slice(0, at)}${flipped}${sealed.slice(at + 1)}`;
    assert.notEqual(bad, good);
    await Deno.writeTextFile(
      ini,
      `[FTP1]\nServer = 127.0.0.1\nPort = ${port}\nPassword = ${bad}\nRemote_dir = /\n` +
        `Local_dir = ${dir}/a\n\n[FTP2]\nServer = 127.0.0.1\nPort = ${port}\nRemote_dir = /\n` +
        `Local_dir = ${dir}/b\n`,
    );
    const r = await runCli(["--config", ini, "--state-dir", join(dir, "state"), "check"]);
    assertSane(r, "check");
    assert.equal(r.code, 1, r.stderr);
    const ftp1 = r.stderr.split("\n").find((l) => l.includes("[FTP1]"));
    assert.ok(ftp1, r.stderr);
    assert.ok(ftp1.includes(secretKeyPath(ini)), `the key file is not named: ${ftp1}`);
    assert.match(ftp1, /ftp-clone password FTP1/);
    // The other section is still checked (its own failure: the closed port).
    assert.match(r.stderr, /\[FTP2\] Login to/);
    assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
