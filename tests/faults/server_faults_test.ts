/**
 * Server faults scripted on the hostile server: 421 "too many connections" below
 * ConcurrentConnections (the pool shrinks and the pass completes), a file that vanishes between
 * listing and transfer, a download cut mid-way, the control connection dropped mid-listing.
 * Nothing partial ever sits under a final name, and the next pass converges.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { PassOutcome } from "../../sync/mod.ts";
import {
  type HostileScript,
  type HostileServer,
  startHostileServer,
} from "../support/hostile_ftp_server.ts";
import { walkLocal } from "../support/sync_scenario.ts";
import { runHostilePass } from "./hostile_setup.ts";

const TEMP_PREFIX = ".ftp-clone.";

/** `count` small files in `/d`, as an MLSD listing and their contents. */
function smallFiles(count: number): Pick<HostileScript, "listings" | "files"> {
  const lines: string[] = [];
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const content = `file ${i} `.repeat(i + 1);
    lines.push(`type=file;size=${content.length};modify=20260101120000; f${i}.txt`);
    files[`/d/f${i}.txt`] = content;
  }
  return { listings: { "/d": { mlsd: lines.join("\r\n") + "\r\n" } }, files };
}

/** A Local_dir and state directory that live across several passes. */
async function withSection(
  fn: (run: (srv: HostileServer) => Promise<PassOutcome>, local: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "ftp-clone-srvfault-" });
  try {
    const local = join(root, "local");
    await Deno.mkdir(local);
    const run = (srv: HostileServer) =>
      runHostilePass(srv, {
        localDir: local,
        stateDir: join(root, "state"),
        section: { concurrentConnections: 4 },
      });
    await fn(run, local);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function noTemps(local: string): void {
  const temps = walkLocal(local).filter((p) => p.split("/").some((c) => c.startsWith(TEMP_PREFIX)));
  assert.deepEqual(temps, [], "temporary files left in Local_dir");
}

Deno.test("server faults: 421 beyond 2 connections shrinks the pool and the pass completes", async () => {
  await withSection(async (run, local) => {
    await using srv = await startHostileServer({ ...smallFiles(24), maxConnections: 2 });
    const outcome = await run(srv);
    assert.equal(outcome.report.outcome, "ok", JSON.stringify(outcome.report.errors));
    assert.equal(outcome.report.downloaded, 24);
    assert.ok(srv.peakConnections <= 2, `${srv.peakConnections} connections at once`);
    assert.ok(srv.connections > 2, "the limit was never hit: the test proves nothing");
    assert.equal(walkLocal(local).length, 24);
  });
});

Deno.test("server faults: a file vanishing between listing and RETR is left to the next pass", async () => {
  await withSection(async (run, local) => {
    const script = smallFiles(6);
    const files = { ...script.files };
    delete files["/d/f3.txt"]; // listed, but RETR (and SIZE) answer 550
    {
      await using srv = await startHostileServer({ ...script, files });
      const outcome = await run(srv);
      // Deferred (a warning), not an error: SIZE confirmed that the file is gone.
      assert.equal(outcome.report.outcome, "ok", JSON.stringify(outcome.report.errors));
      assert.equal(outcome.report.downloaded, 5);
      assert.deepEqual(outcome.report.errors, []);
      assert.ok(srv.commands.includes("SIZE /d/f3.txt"), srv.commands.join("\n"));
      assert.ok(!walkLocal(local).includes("f3.txt"));
      noTemps(local);
    }
    // The next pass: the file is gone from the listing too; nothing left to do.
    const listing = script.listings!["/d"]!.mlsd as string;
    await using srv = await startHostileServer({
      listings: {
        "/d": { mlsd: listing.split("\r\n").filter((l) => !l.endsWith(" f3.txt")).join("\r\n") },
      },
      files,
    });
    const next = await run(srv);
    assert.equal(next.report.outcome, "ok", JSON.stringify(next.report.errors));
    assert.equal(next.report.downloaded, 0);
  });
});

Deno.test("server faults: a file the server refuses to send (550) while it exists is an error", async () => {
  await withSection(async (run, local) => {
    const script = smallFiles(3);
    await using srv = await startHostileServer({
      ...script,
      onCommand: (verb, arg) =>
        verb === "RETR" && arg.endsWith("/f1.txt") ? "550 Permission denied" : undefined,
    });
    const outcome = await run(srv);
    assert.equal(outcome.report.outcome, "failed");
    assert.equal(outcome.report.downloaded, 2);
    assert.equal(outcome.report.errors.length, 1, JSON.stringify(outcome.report.errors));
    assert.match(outcome.report.errors[0]!, /f1\.txt/);
    assert.ok(!walkLocal(local).includes("f1.txt"));
    noTemps(local);
  });
});

Deno.test("server faults: a download cut mid-way never leaves a partial file", async () => {
  await withSection(async (run, local) => {
    const big = "x".repeat(200_000);
    const script: HostileScript = {
      listings: {
        "/d": {
          mlsd: `type=file;size=${big.length};modify=20260101120000; cut.bin\r\n` +
            "type=file;size=2;modify=20260101120000; ok.txt\r\n",
        },
      },
      files: { "/d/cut.bin": { data: big, cutAfter: 70_000 }, "/d/ok.txt": "ok" },
    };
    {
      await using srv = await startHostileServer(script);
      const outcome = await run(srv);
      assert.equal(outcome.report.outcome, "failed");
      assert.ok(!walkLocal(local).includes("cut.bin"), "a partial file sits under the final name");
      assert.equal(await Deno.readTextFile(join(local, "ok.txt")), "ok");
      noTemps(local);
      assert.ok(srv.commands.filter((c) => c.startsWith("RETR /d/cut.bin")).length >= 1);
    }
    // The server is fixed: the next pass fetches the whole file.
    await using srv = await startHostileServer({
      ...script,
      files: { "/d/cut.bin": big, "/d/ok.txt": "ok" },
    });
    const next = await run(srv);
    assert.equal(next.report.outcome, "ok", JSON.stringify(next.report.errors));
    assert.equal((await Deno.readTextFile(join(local, "cut.bin"))).length, big.length);
    noTemps(local);
  });
});

Deno.test("server faults: the control connection dropped at the listing fails the pass cleanly", async () => {
  await withSection(async (run, local) => {
    await using srv = await startHostileServer({
      ...smallFiles(3),
      onCommand: (verb) => (verb === "MLSD" ? { close: true } : undefined),
    });
    const outcome = await run(srv);
    assert.equal(outcome.report.outcome, "failed");
    assert.match(outcome.report.errors.join("\n"), /Cannot list Remote_dir "\/d"/);
    assert.deepEqual(walkLocal(local), []);
  });
});

/** Uploads a 16 MiB file that is rewritten (same size, other bytes) while the server reads it. */
async function uploadWhileModified() {
  const size = 16 * 1024 * 1024;
  const a = new Uint8Array(size).fill(0x61);
  const b = new Uint8Array(size).fill(0x62);
  const root = await Deno.makeTempDir({ prefix: "ftp-clone-upmod-" });
  const local = join(root, "local");
  await Deno.mkdir(local);
  const file = join(local, "big.bin");
  await Deno.writeFile(file, a);
  let modified = false;
  await using srv = await startHostileServer({
    features: ["MLST type*;size*;modify*;", "UTF8", "REST STREAM", "SIZE", "MDTM", "MFMT"],
    dynamicDirs: ["/d"],
    onReceive: async (path, received) => {
      if (modified || !path.includes("big.bin") || received < 65_536) return;
      modified = true;
      // Rewritten in place (no truncation), as an editor saving over it would.
      using f = await Deno.open(file, { write: true });
      let done = 0;
      while (done < b.length) done += await f.write(b.subarray(done));
    },
  });
  const run = () =>
    runHostilePass(srv, { localDir: local, stateDir: join(root, "state"), now: new Date() });
  try {
    await run();
    assert.ok(modified, "the file was not modified during its upload: the test proves nothing");
    const first = srv.stored.get("/d/big.bin");
    const whole = first === undefined || first.every((x) => x === 0x61) ||
      first.every((x) => x === 0x62);
    for (let i = 0; i < 3; i++) await run();
    const last = srv.stored.get("/d/big.bin");
    const converged = last !== undefined && last.length === size && last.every((x) => x === 0x62);
    return { whole, converged };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("server faults: a local file modified during its upload converges", async () => {
  const { converged } = await uploadWhileModified();
  assert.ok(converged, "the server never got the final version");
});

Deno.test({
  // Regression: uploadFile checked that the local file was unchanged before the upload only; a
  // file rewritten while it was read was renamed onto the final name torn (old head, new tail).
  name: "server faults: a local file modified during its upload is never published torn",
}, async () => {
  const { whole } = await uploadWhileModified();
  assert.ok(whole, "a torn version was published under the final name");
});
