/**
 * Resumable transfers: a large download or upload cut mid-way resumes where it stopped on the
 * next try (REST, APPE) and ends byte-identical; a refused resume falls back to a whole transfer;
 * a new version of the file does not resume the old one's bytes.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { FtpError } from "../../sync/ftp/mod.ts";
import { RESUMABLE_MIN_BYTES, resumableTempPath } from "../../sync/exclude.ts";
import type { PassOutcome } from "../../sync/pass.ts";
import { type Scenario, walkLocal, withScenario } from "../support/sync_scenario.ts";

const MIB = 1024 * 1024;
const SIZE = 24 * MIB;
const CUT = 10 * MIB;

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Deterministic bytes that are not all alike (a seed per file). */
function bytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 255;
    out[i + 1] = (x >>> 8) & 255;
    out[i + 2] = (x >>> 16) & 255;
    out[i + 3] = x >>> 24;
  }
  return out;
}

const lost = (): FtpError =>
  new FtpError("Connection lost", { code: "ECONNRESET", transient: true });

function ok(outcome: PassOutcome): void {
  assert.equal(outcome.report.outcome, "ok", outcome.report.errors.join("\n"));
}

function writeLocalBytes(s: Scenario, path: string, data: Uint8Array, mtimeMs: number): void {
  const abs = join(s.local, path);
  Deno.mkdirSync(abs.slice(0, abs.lastIndexOf("/")), { recursive: true });
  Deno.writeFileSync(abs, data);
  Deno.utimeSync(abs, new Date(mtimeMs), new Date(mtimeMs));
}

/** Local temporary files (the listers hide them from the sync, not from this walk). */
function localTemps(s: Scenario): string[] {
  return walkLocal(s.local).filter((p) => p.includes(".ftp-clone."));
}

Deno.test("resumable temporary names", async (t) => {
  await t.step("a small file gets none: it restarts", () => {
    const version = { size: RESUMABLE_MIN_BYTES - 1, mtimeMs: 1 };
    assert.equal(resumableTempPath("down", "a/b.bin", version), undefined);
  });
  await t.step("the same transfer of the same version always gets the same name", () => {
    const version = { size: RESUMABLE_MIN_BYTES, mtimeMs: 1_700_000_000_000 };
    const name = resumableTempPath("down", "a/b.bin", version)!;
    assert.match(name, /^a\/\.ftp-clone\.down\.[0-9a-f]{12}\.b\.bin\.part$/);
    assert.equal(resumableTempPath("down", "a/b.bin", { ...version }), name);
  });
  await t.step("another version, path or direction gets another name", () => {
    const version = { size: RESUMABLE_MIN_BYTES, mtimeMs: 1_700_000_000_000 };
    const name = resumableTempPath("up", "a/b.bin", version)!;
    assert.notEqual(resumableTempPath("up", "a/b.bin", { ...version, mtimeMs: 1 }), name);
    assert.notEqual(resumableTempPath("up", "a/b.bin", { ...version, size: 1e9 }), name);
    assert.notEqual(resumableTempPath("up", "a/c.bin", version), name);
    assert.notEqual(resumableTempPath("down", "a/b.bin", version), name.replace(".up.", ".down."));
  });
});

Deno.test("a large transfer cut mid-way resumes on the next pass", async (t) => {
  await t.step("download: the next pass fetches only the missing bytes (REST)", async () => {
    await withScenario(1000, async (s) => {
      const data = bytes(SIZE, 1);
      s.tree.putFile("/data/big/file.bin", data, { mtimeMs: s.clock.ms - 60_000 });
      s.tree.failNext({ op: "download", path: /file\.bin/, error: lost(), afterBytes: CUT });
      const first = await s.pass({ retryDelaysMs: [] });
      assert.equal(first.report.outcome, "failed");
      assert.equal(localTemps(s).length, 1, "the partial download is kept");
      assert.equal(Deno.statSync(join(s.local, localTemps(s)[0]!)).size, CUT);
      s.tree.resetCounts();
      ok(await s.pass());
      assert.equal(s.tree.bytes.downloaded, SIZE - CUT, "only the missing bytes were fetched");
      assert.equal(sha256(Deno.readFileSync(join(s.local, "big/file.bin"))), sha256(data));
      assert.deepEqual(localTemps(s), []);
      s.tree.resetCounts();
      ok(await s.pass());
      assert.equal(s.tree.counts.download, 0, "converged: the baseline has the file");
    });
  });

  await t.step("upload: the next pass sends only the missing bytes (APPE)", async () => {
    await withScenario(1000, async (s) => {
      const data = bytes(SIZE, 2);
      writeLocalBytes(s, "big/file.bin", data, s.clock.ms - 60_000);
      s.tree.failNext({ op: "upload", path: /file\.bin/, error: lost(), afterBytes: CUT });
      const first = await s.pass({ retryDelaysMs: [] });
      assert.equal(first.report.outcome, "failed");
      assert.equal(s.readRemote("big/file.bin"), undefined, "nothing under the final name");
      s.tree.resetCounts();
      ok(await s.pass());
      assert.equal(s.tree.bytes.uploaded, SIZE - CUT, "only the missing bytes were sent");
      assert.equal(sha256(s.tree.getFile("/data/big/file.bin")!), sha256(data));
      assert.deepEqual(s.remotePaths(), ["big/", "big/file.bin"], "no temporary file is left");
    });
  });

  await t.step("a retry within the pass resumes too", async () => {
    await withScenario(1000, async (s) => {
      const down = bytes(SIZE, 3);
      const up = bytes(SIZE, 4);
      s.tree.putFile("/data/down.bin", down, { mtimeMs: s.clock.ms - 60_000 });
      writeLocalBytes(s, "up.bin", up, s.clock.ms - 60_000);
      s.tree.failNext({ op: "download", path: /down\.bin/, error: lost(), afterBytes: CUT });
      s.tree.failNext({ op: "upload", path: /up\.bin/, error: lost(), afterBytes: CUT });
      ok(await s.pass());
      assert.equal(s.tree.bytes.downloaded, SIZE);
      assert.equal(s.tree.bytes.uploaded, SIZE);
      assert.equal(sha256(Deno.readFileSync(join(s.local, "down.bin"))), sha256(down));
      assert.equal(sha256(s.tree.getFile("/data/up.bin")!), sha256(up));
    });
  });

  await t.step("a refused resume (504, 451) falls back to a whole transfer", async () => {
    await withScenario(1000, async (s) => {
      const down = bytes(SIZE, 5);
      const up = bytes(SIZE, 6);
      s.tree.putFile("/data/down.bin", down, { mtimeMs: s.clock.ms - 60_000 });
      writeLocalBytes(s, "up.bin", up, s.clock.ms - 60_000);
      s.tree.failNext({ op: "download", path: /down\.bin/, error: lost(), afterBytes: CUT });
      s.tree.failNext({ op: "upload", path: /up\.bin/, error: lost(), afterBytes: CUT });
      assert.equal((await s.pass({ retryDelaysMs: [] })).report.outcome, "failed");
      const refused = (code: number): FtpError =>
        new FtpError("Restart not permitted", { code, transient: code < 500 });
      s.tree.failNext({ op: "download", path: /down\.bin/, error: refused(504) });
      s.tree.failNext({ op: "upload", path: /up\.bin/, error: refused(451) });
      s.tree.resetCounts();
      ok(await s.pass());
      assert.equal(s.tree.bytes.downloaded, SIZE);
      assert.equal(s.tree.bytes.uploaded, SIZE);
      assert.equal(sha256(Deno.readFileSync(join(s.local, "down.bin"))), sha256(down));
      assert.equal(sha256(s.tree.getFile("/data/up.bin")!), sha256(up));
      assert.deepEqual(localTemps(s), []);
      assert.deepEqual(s.remotePaths(), ["down.bin", "up.bin"]);
    });
  });

  await t.step("a new version of the file does not resume the old one's bytes", async () => {
    await withScenario(1000, async (s) => {
      s.tree.putFile("/data/file.bin", bytes(SIZE, 7), { mtimeMs: s.clock.ms - 60_000 });
      s.tree.failNext({ op: "download", path: /file\.bin/, error: lost(), afterBytes: CUT });
      assert.equal((await s.pass({ retryDelaysMs: [] })).report.outcome, "failed");
      const newer = bytes(SIZE, 8);
      s.tree.putFile("/data/file.bin", newer, { mtimeMs: s.clock.ms - 1000 });
      s.tree.resetCounts();
      ok(await s.pass());
      assert.equal(s.tree.bytes.downloaded, SIZE);
      assert.equal(sha256(Deno.readFileSync(join(s.local, "file.bin"))), sha256(newer));
      assert.deepEqual(localTemps(s), [], "the old version's part was removed");
    });
  });

  await t.step("a small file restarts and leaves no part behind", async () => {
    await withScenario(1000, async (s) => {
      const data = bytes(MIB, 9);
      s.tree.putFile("/data/small.bin", data, { mtimeMs: s.clock.ms - 60_000 });
      s.tree.failNext({ op: "download", path: /small\.bin/, error: lost(), afterBytes: 1000 });
      assert.equal((await s.pass({ retryDelaysMs: [] })).report.outcome, "failed");
      assert.deepEqual(localTemps(s), []);
      s.tree.resetCounts();
      ok(await s.pass());
      assert.equal(s.tree.bytes.downloaded, MIB);
      assert.equal(sha256(Deno.readFileSync(join(s.local, "small.bin"))), sha256(data));
    });
  });
});
