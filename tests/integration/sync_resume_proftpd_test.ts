/**
 * Resumable transfers against a real proftpd: a 64 MiB download and upload are cut mid-way by
 * killing the server, and the next pass resumes them (REST, APPE): the server's transfer log
 * shows fewer bytes the second time, and both copies are byte-identical (sha256).
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { SectionConfig } from "../../config/mod.ts";
import { connectRemoteFs, FtpPool } from "../../sync/ftp/mod.ts";
import { type PassOutcome, runPass } from "../../sync/pass.ts";
import { ignoreUnlessServer, startServer, type TestServer } from "../support/ftp_servers.ts";
import { optionsFor, pseudoRandomBytes } from "./ftp_layer_support.ts";
import { serverSection } from "../support/section_config.ts";

const MIB = 1024 * 1024;
const SIZE = 64 * MIB;
/** Kill the server once this many bytes of the file have moved. */
const CUT = 16 * MIB;

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function section(srv: TestServer, local: string): SectionConfig {
  return serverSection(srv, {
    name: "resume",
    concurrentConnections: 2,
    localDir: local,
    identifier: "resume-0123456789abcdef0123456789abcdef0123",
  });
}

async function pass(srv: TestServer, root: string): Promise<PassOutcome> {
  // As a `sync` run from cron: the server's time is measured once, kept in the state dir.
  const connect = { ...optionsFor(srv), stateDir: join(root, "state") };
  const pool = new FtpPool(() => connectRemoteFs(connect), { size: 2 });
  try {
    return await runPass({
      section: section(srv, join(root, "local")),
      stateDir: join(root, "state"),
      binDirectory: "/bin",
      dryRun: false,
      now: new Date(),
      pool,
      identifier: "resume-0123456789abcdef0123456789abcdef0123",
      retryDelaysMs: [],
    });
  } finally {
    await pool.close();
  }
}

/** The size of the first file in `dir` whose name has `marker`, or 0. */
function partSize(dir: string, marker: string): number {
  try {
    for (const item of Deno.readDirSync(dir)) {
      if (item.name.includes(marker)) return Deno.statSync(join(dir, item.name)).size;
    }
  } catch {
    // Not made yet.
  }
  return 0;
}

/** Runs a pass and kills the server as soon as the part under `dir` holds CUT bytes. */
async function passKilledMidway(
  srv: TestServer,
  root: string,
  dir: string,
  marker: string,
): Promise<number> {
  let killed: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (killed === undefined && partSize(dir, marker) >= CUT) killed = srv.kill();
  }, 1);
  try {
    const outcome = await pass(srv, root);
    assert.equal(outcome.report.outcome, "failed", "the cut pass fails");
  } finally {
    clearInterval(timer);
    await killed;
  }
  assert.ok(killed !== undefined, "the server was killed mid-transfer");
  const part = partSize(dir, marker);
  assert.ok(part >= CUT && part < SIZE, `a partial file is kept (${part} bytes)`);
  await srv.restart();
  return part;
}

/** Bytes of each complete or incomplete transfer in proftpd's xferlog, in order. */
async function xferBytes(srv: TestServer): Promise<number[]> {
  const text = await Deno.readTextFile(join(srv.logDir, "xferlog")).catch(() => "");
  // "Wed Nov 25 16:00:00 2026 1 127.0.0.1 <bytes> <file> b _ o r user ftp 0 * c"
  return text.split("\n").filter((line) => line.trim() !== "").map((line) =>
    Number(line.trim().split(/\s+/)[7])
  );
}

Deno.test({
  name: "a large transfer cut by a dying proftpd resumes on the next pass",
  ignore: ignoreUnlessServer("proftpd"),
  fn: async (t) => {
    // Throttled (KiB/s) so that the transfer is surely caught mid-way on a fast machine.
    await using srv = await startServer({
      kind: "proftpd",
      extraConfig: ["TransferRate RETR,STOR,APPE 65536"],
    });
    const root = await Deno.makeTempDir({ prefix: "ftp-clone-resume-" });
    const local = join(root, "local");
    Deno.mkdirSync(local);
    await srv.mkdir("data");
    try {
      await t.step("download (REST)", async () => {
        const data = pseudoRandomBytes(SIZE, 11);
        await srv.writeFile("data/down.bin", data, { mtime: new Date(Date.now() - 86_400_000) });
        const part = await passKilledMidway(srv, root, local, ".ftp-clone.down.");
        const before = (await xferBytes(srv)).length;
        const outcome = await pass(srv, root);
        assert.equal(outcome.report.outcome, "ok", outcome.report.errors.join("\n"));
        const sent = (await xferBytes(srv)).slice(before);
        assert.deepEqual(sent, [SIZE - part], "only the missing bytes were sent");
        assert.equal(sha256(Deno.readFileSync(join(local, "down.bin"))), sha256(data));
        assert.equal(partSize(local, ".ftp-clone."), 0, "no temporary file is left");
      });

      await t.step("upload (APPE)", async () => {
        const data = pseudoRandomBytes(SIZE, 12);
        const file = join(local, "up.bin");
        Deno.writeFileSync(file, data);
        const mtime = new Date(Date.now() - 86_400_000);
        Deno.utimeSync(file, mtime, mtime);
        const remoteDir = join(srv.root, "data");
        const part = await passKilledMidway(srv, root, remoteDir, ".ftp-clone.up.");
        const before = (await xferBytes(srv)).length;
        const outcome = await pass(srv, root);
        assert.equal(outcome.report.outcome, "ok", outcome.report.errors.join("\n"));
        const received = (await xferBytes(srv)).slice(before);
        assert.deepEqual(received, [SIZE - part], "only the missing bytes were received");
        assert.equal(sha256(Deno.readFileSync(join(remoteDir, "up.bin"))), sha256(data));
        assert.equal(partSize(remoteDir, ".ftp-clone."), 0, "no temporary file is left");
      });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
