/**
 * Round trips per file on plain FTP, read from the commands a scripted server receives: the MDTM
 * a LIST-dated download needs goes out with the EPSV (one write), and one is enough; an upload is
 * published in two writes after its 226 (`ftp_publish.ts`).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Published, PublishTarget } from "../../sync/ftp/mod.ts";
import { startHostileServer } from "../support/hostile_ftp_server.ts";
import { hostileConnect } from "./hostile_setup.ts";

Deno.test("round trips: a download's MDTM goes out with its EPSV, once", async () => {
  await using srv = await startHostileServer({
    files: { "/d/a.txt": "hello" },
    times: { "/d/a.txt": "20250601123456" },
  });
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-rtt-" });
  const remote = await hostileConnect(srv)();
  try {
    const seen: number[] = [];
    await remote.downloadToFile("/d/a.txt", join(dir, "a.txt"), {
      onMtime: (ms) => seen.push(ms),
    });
    assert.deepEqual(seen, [Date.parse("2025-06-01T12:34:56Z")]);
    assert.equal(await Deno.readTextFile(join(dir, "a.txt")), "hello");
    const tail = srv.commands.slice(srv.commands.indexOf("MDTM /d/a.txt"));
    assert.deepEqual(tail.slice(0, 3), ["MDTM /d/a.txt", "EPSV", "RETR /d/a.txt"]);
    assert.equal(srv.commands.filter((c) => c.startsWith("MDTM")).length, 1);
    // Without onMtime: no MDTM at all.
    await remote.downloadToFile("/d/a.txt", join(dir, "b.txt"));
    assert.equal(srv.commands.filter((c) => c.startsWith("MDTM")).length, 1);
  } finally {
    await remote.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** An upload to `/d/.up.part` published as `/d/a.txt`; the batches the server read after STOR. */
async function publishOn(
  script: Parameters<typeof startHostileServer>[0],
  check: (now: PublishTarget) => Promise<void> = () => Promise.resolve(),
): Promise<{ batches: string[][]; result: Published | Error; files: string[] }> {
  await using srv = await startHostileServer({
    features: ["MLST type*;size*;modify*;", "SIZE", "MDTM", "MFMT", "UTF8"],
    dynamicDirs: ["/d"],
    ...script,
  });
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-rtt-" });
  const remote = await hostileConnect(srv)();
  try {
    await Deno.writeTextFile(join(dir, "a.txt"), "hello");
    await remote.uploadFromFile(join(dir, "a.txt"), "/d/.up.part");
    const from = srv.batches.findIndex((b) => b.includes("STOR /d/.up.part")) + 1;
    const result = await remote.publish("/d/.up.part", "/d/a.txt", {
      mtimeMs: Date.parse("2025-06-01T12:34:56Z"),
      check,
    }).catch((error: Error) => error);
    await remote.noop?.();
    const batches = srv.batches.slice(from).filter((b) => !b.includes("NOOP"));
    return { batches, result, files: (await remote.list("/d")).map((e) => e.name) };
  } finally {
    await remote.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("round trips: an upload is published in two writes after its 226", async (t) => {
  await t.step(
    "check, mtime and RNFR in one write; RNTO and the read-back in the next",
    async () => {
      const seen: PublishTarget[] = [];
      const { batches, result } = await publishOn({}, (now) => {
        seen.push(now);
        return Promise.resolve();
      });
      assert.deepEqual(seen, [{ state: "absent" }]);
      assert.deepEqual(batches, [
        ["SIZE /d/a.txt", "MDTM /d/a.txt", "MFMT 20250601123456 /d/.up.part", "RNFR /d/.up.part"],
        ["RNTO /d/a.txt"], // MFMT's reply stated the time kept: no read-back
      ]);
      assert.deepEqual(result, { mtimeMs: Date.parse("2025-06-01T12:34:56Z") });
    },
  );

  await t.step(
    "a check that refuses: no RNTO of the final name, the temporary file stays",
    async () => {
      const { batches, result, files } = await publishOn({
        files: { "/d/a.txt": "theirs" },
        times: { "/d/a.txt": "20260101000000" },
      }, (now) => {
        assert.deepEqual(now, { state: "present", size: 6, mtimeMs: Date.UTC(2026, 0, 1) });
        return Promise.reject(new Error("changed on the server"));
      });
      assert.equal((result as Error).message, "changed on the server");
      // The RNFR is ended by a rename onto itself (proftpd refuses all else until an RNTO).
      assert.deepEqual(batches.flat().filter((c) => c.startsWith("RNTO")), ["RNTO /d/.up.part"]);
      assert.ok(files.includes(".up.part"));
    },
  );

  await t.step("unread (SIZE answered 451): the check reads, RNFR goes again", async () => {
    const seen: PublishTarget[] = [];
    const { batches } = await publishOn({
      onCommand: (verb) => verb === "SIZE" ? "451 Try later" : undefined,
    }, (now) => {
      seen.push(now);
      return Promise.resolve();
    });
    assert.deepEqual(seen, [{ state: "unread" }]);
    assert.deepEqual(batches[1], ["RNTO /d/.up.part"]); // the first RNFR ended before the reads
    assert.deepEqual(batches.at(-1), ["RNFR /d/.up.part", "RNTO /d/a.txt"]);
  });

  await t.step("a refused RNTO: the final name's mtime is never set", async () => {
    const { batches, result } = await publishOn({
      onCommand: (verb) => verb === "RNTO" ? "553 Exists" : undefined,
    });
    assert.ok(result instanceof Error);
    const mtimeSets = batches.flat().filter((c) => c.startsWith("MFMT"));
    assert.deepEqual(mtimeSets, ["MFMT 20250601123456 /d/.up.part"]);
  });

  await t.step("one command at a time where the server reads one per read", async () => {
    const { batches, result } = await publishOn({ pipelining: false });
    assert.deepEqual(result, { mtimeMs: Date.parse("2025-06-01T12:34:56Z") });
    assert.ok(batches.every((b) => b.length === 1), JSON.stringify(batches));
    assert.deepEqual(batches.flat(), [
      "SIZE /d/a.txt", // no MDTM of a name SIZE did not find
      "MFMT 20250601123456 /d/.up.part",
      "RNFR /d/.up.part",
      "RNTO /d/a.txt",
    ]);
  });
});
