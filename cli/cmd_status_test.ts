import assert from "node:assert/strict";
import { join } from "node:path";
import { type PassReport, saveReport } from "../sync/mod.ts";
import { runStatus } from "./cmd_status.ts";
import { createContext } from "./context.ts";
import { captureOutput } from "./output.ts";

const ID1 = "1".repeat(40);
const ID2 = "2".repeat(40);
const NOW = new Date("2026-11-25T12:00:00Z");

function report(
  identifier: string,
  outcome: PassReport["outcome"],
  finishedAt: string,
): PassReport {
  return {
    section: "x",
    identifier,
    startedAt: finishedAt,
    finishedAt,
    outcome,
    uploaded: 1,
    downloaded: 0,
    deletedLocal: 0,
    deletedRemote: 0,
    conflicts: 0,
    bytes: 10,
    errors: outcome === "failed" ? ['Section "FTP2": Cannot connect: refused'] : [],
  };
}

async function setUp(ftp2 = "") {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-status-" });
  const state = join(dir, "state");
  const ini = join(dir, "parametre.ini");
  await Deno.writeTextFile(
    ini,
    `[Service]\nStateDirectory = ${state}\nServiceWait = 8\n\n` +
      `[FTP1]\nServer = s\nRemote_dir = /\nLocal_dir = ${dir}/1\nIdentifier = ${ID1}\n\n` +
      `[FTP2]\nServer = s\nRemote_dir = /\nLocal_dir = ${dir}/2\nIdentifier = ${ID2}\n${ftp2}`,
  );
  const run = async (json = false) => {
    const captured = captureOutput();
    const ctx = createContext({ config: ini }, { output: captured.output, env: {}, cwd: "/" });
    const code = await runStatus(ctx, { json, now: NOW });
    return { code, stdout: captured.stdout(), stderr: captured.stderr() };
  };
  return { dir, state, ini, run };
}

Deno.test("status exits 0 only when every section's last pass succeeded recently", async (t) => {
  const s = await setUp();
  try {
    await t.step("no pass yet: exit 1, says which", async () => {
      const r = await s.run();
      assert.equal(r.code, 1);
      assert.equal(r.stderr, "error: [FTP1] no pass yet\nerror: [FTP2] no pass yet\n");
    });
    await t.step("both ok and recent: exit 0", async () => {
      saveReport(s.state, report(ID1, "ok", "2026-11-25T11:55:00.000Z"));
      saveReport(s.state, report(ID2, "ok", "2026-11-25T11:58:00.000Z"));
      const r = await s.run();
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      assert.match(r.stdout, /^\[FTP1\] ok: /m);
    });
    await t.step("renames and refused local names are counted", async () => {
      saveReport(s.state, {
        ...report(ID1, "ok", "2026-11-25T11:55:00.000Z"),
        renamedLocal: 2,
        renamedRemote: 1,
        refusedNames: 3,
      });
      const r = await s.run();
      assert.match(r.stdout, /^ {2}2 renamed here, 1 renamed on the server$/m);
      assert.match(r.stdout, /^ {2}3 local names refused \(not valid UTF-8/m);
    });
    await t.step("a failed last pass: exit 1, its cause; --json has it", async () => {
      saveReport(s.state, report(ID2, "failed", "2026-11-25T11:59:00.000Z"));
      const r = await s.run();
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        "error: [FTP2] its last pass failed at 2026-11-25T11:59:00Z (1 min ago): " +
          'Section "FTP2": Cannot connect: refused\n',
      );
      assert.match(r.stdout, /^ {2}last success: 2026-11-25T11:58:00\.000Z$/m);
      const json = await s.run(true);
      assert.equal(json.code, 1);
      const doc = JSON.parse(json.stdout);
      assert.equal(doc.healthy, false);
      const ftp2 = doc.sections[1];
      assert.equal(ftp2.healthy, false);
      assert.equal(ftp2.lastSuccess, "2026-11-25T11:58:00.000Z");
      assert.deepEqual(ftp2.lastFailure, {
        at: "2026-11-25T11:59:00.000Z",
        outcome: "failed",
        cause: 'Section "FTP2": Cannot connect: refused',
      });
      assert.equal(doc.sections[0].healthy, true);
    });
    await t.step(
      "a last pass older than 3 ServiceWaits: exit 1 (the service is down?)",
      async () => {
        saveReport(s.state, report(ID2, "ok", "2026-11-25T11:00:00.000Z"));
        const r = await s.run();
        assert.equal(r.code, 1);
        assert.match(
          r.stderr,
          /^error: \[FTP2\] its last pass ended at .*: is the service running\?\n$/,
        );
      },
    );
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("status shows a section left out for configuration errors as failed", async () => {
  // Issue 14: with `Port = 26z1` in [FTP2], status printed nothing and exited 2.
  const s = await setUp("Port = 26z1\n");
  try {
    saveReport(s.state, report(ID1, "ok", "2026-11-25T11:55:00.000Z"));
    const r = await s.run();
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^\[FTP1\] ok: /m);
    assert.match(r.stdout, /^\[FTP2\] failed: left out, its configuration has errors$/m);
    assert.match(
      r.stdout,
      new RegExp(`^ {2}${s.ini}:16: \\[FTP2\\] Port: Invalid value "26z1"`, "m"),
    );
    assert.match(r.stderr, /^error: \[FTP2\] not synchronised: its configuration has errors/m);
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});
