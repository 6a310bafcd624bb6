/**
 * The parts of `sync` and `status` that do not depend on the engine: configuration errors and
 * unknown section names are usage errors (exit 2) and change nothing.
 * Contract strings are written out literally.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";

async function setup(text: string): Promise<{ dir: string; ini: string; state: string }> {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-e2e-sync-" });
  const ini = join(dir, "parametre.ini");
  await Deno.writeTextFile(ini, text.replaceAll("@DIR@", dir));
  return { dir, ini, state: join(dir, "state") };
}

const VALID = [
  "[FTP1]",
  "Server = 127.0.0.1",
  "Port = 1",
  "Remote_dir = /",
  "Local_dir = @DIR@/one",
  "[FTP2]",
  "Server = 127.0.0.1",
  "Port = 1",
  "Remote_dir = /",
  "Local_dir = @DIR@/two",
  "",
].join("\n");

Deno.test("sync with an unknown section name exits 2 and names the known sections", async () => {
  const { dir, ini, state } = await setup(VALID);
  try {
    const before = await Deno.readTextFile(ini);
    const r = await runCli(["--config", ini, "--state-dir", state, "sync", "FTP1", "FTP9"]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      `error: Unknown section "FTP9" in "${ini}"; the sections are [FTP1], [FTP2]\n`,
    );
    assert.equal(await Deno.readTextFile(ini), before);
    await assert.rejects(Deno.stat(state), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sync with configuration errors exits 2 with the line of each error", async (t) => {
  const { dir, ini, state } = await setup("[FTP1]\nServer = 127.0.0.1\nPort = http\n");
  try {
    for (const args of [["sync"], ["sync", "--dry-run", "FTP1"]]) {
      await t.step(args.join(" "), async () => {
        const r = await runCli(["--config", ini, "--state-dir", state, ...args]);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stdout, "");
        const lines = r.stderr.split("\n");
        assert.ok(lines.some((l) => l.startsWith(`${ini}:3: [FTP1] Port: `)), r.stderr);
        assert.ok(lines.some((l) => l.startsWith(`${ini}:1: [FTP1] Remote_dir: `)), r.stderr);
        assert.ok(lines.includes(`error: Configuration "${ini}" has 3 errors`), r.stderr);
        await assert.rejects(Deno.stat(state), Deno.errors.NotFound);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("status shows a section with configuration errors as failed, with its lines (exit 1)", async (t) => {
  // Issue 14: a broken [FTPn] section made status print nothing and exit 2.
  const { dir, ini, state } = await setup("[FTP1]\nServer = 127.0.0.1\nPort = http\n");
  try {
    await t.step("text", async () => {
      const r = await runCli(["--config", ini, "--state-dir", state, "status"]);
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stdout.split("\n");
      assert.equal(lines[0], "[FTP1] failed: left out, its configuration has errors");
      assert.ok(lines.some((l) => l.startsWith(`  ${ini}:3: [FTP1] Port: `)), r.stdout);
      assert.ok(lines.some((l) => l.startsWith(`  ${ini}:1: [FTP1] Remote_dir: `)), r.stdout);
      assert.match(r.stderr, /^error: \[FTP1\] not synchronised: its configuration has errors/m);
      await assert.rejects(Deno.stat(state), Deno.errors.NotFound);
    });
    await t.step("--json", async () => {
      const r = await runCli(["--config", ini, "--state-dir", state, "status", "--json"]);
      assert.equal(r.code, 1, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.healthy, false);
      assert.equal(doc.sections[0].name, "FTP1");
      assert.equal(doc.sections[0].configErrors.length, 3);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
