/**
 * Round trips per file on plain FTP, read from the commands a scripted server receives: the MDTM
 * a LIST-dated download needs goes out with the EPSV (one write), and one is enough.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
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
