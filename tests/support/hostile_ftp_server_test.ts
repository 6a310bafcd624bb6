import assert from "node:assert/strict";
import { connectRemoteFs } from "../../sync/ftp/mod.ts";
import { type HostileServer, startHostileServer } from "./hostile_ftp_server.ts";

function connect(srv: HostileServer, timeoutMs = 2_000) {
  return connectRemoteFs({
    host: srv.host,
    port: srv.port,
    type: "ftp",
    user: srv.user,
    password: srv.password,
    tlsVerify: true,
    timeoutMs,
    now: () => Date.parse("2026-11-25T12:00:00Z"),
  });
}

Deno.test("hostile server: a well-behaved script lists (MLSD and LIST) and downloads", async () => {
  await using srv = await startHostileServer({
    listings: {
      "/d": {
        mlsd: "type=cdir; .\r\ntype=file;size=5;modify=20260101120000; a.txt\r\n",
        list: "drwxr-xr-x 2 u g 4096 Jan 01 12:00 .\r\n" +
          "-rw-r--r-- 1 u g 5 Jan 01 12:00 a.txt\r\n",
      },
    },
    files: { "/d/a.txt": "hello" },
  });
  const remote = await connect(srv);
  try {
    const entries = await remote.list("/d");
    assert.deepEqual(entries.map((e) => [e.name, e.kind, e.size]), [["a.txt", "file", 5]]);
    const local = await Deno.makeTempFile();
    await remote.downloadToFile("/d/a.txt", local);
    assert.equal(await Deno.readTextFile(local), "hello");
    await Deno.remove(local);
    assert.equal(await remote.size("/d/a.txt"), 5);
    await assert.rejects(remote.list("/missing"));
  } finally {
    await remote.close();
  }
  assert.ok(srv.commands.includes(`PASS ${srv.password}`));
  assert.ok(srv.commands.some((c) => c.startsWith("MLSD /d")));
});

Deno.test("hostile server: without MLST in FEAT the client lists with LIST", async () => {
  await using srv = await startHostileServer({
    features: ["UTF8"],
    listings: {
      "/d": {
        list: "drwxr-xr-x 2 u g 4096 Jan 01 12:00 .\r\n-rw-r--r-- 1 u g 3 Jan 01 12:00 b\r\n",
      },
    },
  });
  const remote = await connect(srv);
  try {
    assert.deepEqual((await remote.list("/d")).map((e) => e.name), ["b"]);
  } finally {
    await remote.close();
  }
  assert.ok(srv.commands.some((c) => c.startsWith("LIST")));
});

Deno.test("hostile server: a silent greeting makes connect time out", async () => {
  await using srv = await startHostileServer({ greeting: { silence: true } });
  const started = performance.now();
  await assert.rejects(connect(srv, 300));
  assert.ok(performance.now() - started < 3_000);
});

Deno.test("hostile server: dynamic directories list what was stored, with MFMT times", async () => {
  await using srv = await startHostileServer({
    features: ["MLST type*;size*;modify*;", "MFMT"],
    dynamicDirs: ["/up"],
  });
  const remote = await connect(srv);
  try {
    assert.deepEqual(await remote.list("/up"), []);
    const local = await Deno.makeTempFile();
    await Deno.writeTextFile(local, "12345");
    await remote.uploadFromFile(local, "/up/f");
    await Deno.remove(local);
    await remote.mkdir("/up/sub");
    assert.equal(await remote.setMtime("/up/f", Date.UTC(2025, 0, 2, 3, 4, 5)), true);
    const entries = await remote.list("/up");
    const f = entries.find((e) => e.name === "f");
    assert.equal(f?.size, 5);
    assert.equal(f?.mtimeMs, Date.UTC(2025, 0, 2, 3, 4, 5));
    assert.ok(entries.some((e) => e.name === "sub" && e.kind === "dir"));
    await remote.rename("/up/f", "/up/g");
    assert.deepEqual((await remote.list("/up")).map((e) => e.name).sort(), ["g", "sub"]);
  } finally {
    await remote.close();
  }
  assert.equal(new TextDecoder().decode(srv.stored.get("/up/g")), "12345");
});
