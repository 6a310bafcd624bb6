import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Readable, Writable } from "node:stream";
import { Client, FTPError } from "basic-ftp";
import { connectRemoteFs } from "../../sync/mod.ts";
import { type FtpServer, startFtpServer } from "./ftp_server.ts";

const USER = "demo";
const PASSWORD = "s3cret pass";

interface Fixture {
  server: FtpServer;
  /** The served directory. */
  root: string;
  /** A scratch directory outside the root (local files of uploads and downloads). */
  local: string;
  /** A logged-in basic-ftp client (closed by the fixture). */
  connect(): Promise<Client>;
}

/** Runs `fn` with a server on a fresh root; stops everything afterwards. */
async function withServer(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const base = await Deno.makeTempDir({ prefix: "ftp_server_test_" });
  const root = `${base}/root`;
  const local = `${base}/local`;
  await Deno.mkdir(root);
  await Deno.mkdir(local);
  const server = await startFtpServer({ root, user: USER, password: PASSWORD });
  const clients: Client[] = [];
  try {
    await fn({
      server,
      root,
      local,
      connect: async () => {
        const client = new Client(10_000);
        clients.push(client);
        await client.access({
          host: "127.0.0.1",
          port: server.port,
          user: USER,
          password: PASSWORD,
        });
        return client;
      },
    });
  } finally {
    for (const client of clients) client.close();
    await server.close();
    await Deno.remove(base, { recursive: true });
  }
}

function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536));
  return bytes;
}

/** A Writable that collects what it is given. */
function collector(): { sink: Writable; bytes(): Uint8Array } {
  const chunks: Uint8Array[] = [];
  const sink = new Writable({
    write(chunk: Uint8Array, _encoding, callback) {
      chunks.push(new Uint8Array(chunk));
      callback();
    },
  });
  return {
    sink,
    bytes: () => new Uint8Array(Buffer.concat(chunks)),
  };
}

async function ftpErrorCode(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FTPError) return error.code;
    throw error;
  }
  assert.fail("expected an FTPError");
}

Deno.test("startFtpServer logs in the configured user only", async (t) => {
  await withServer(async ({ server }) => {
    const cases = [
      { name: "right password", user: USER, password: PASSWORD, code: 0 },
      { name: "wrong password", user: USER, password: "nope", code: 530 },
      { name: "wrong user", user: "root", password: PASSWORD, code: 530 },
      { name: "empty password", user: USER, password: "", code: 530 },
    ];
    for (const c of cases) {
      await t.step(c.name, async () => {
        const client = new Client(10_000);
        try {
          const login = client.access({
            host: "127.0.0.1",
            port: server.port,
            user: c.user,
            password: c.password,
          });
          if (c.code === 0) {
            await login;
            assert.equal(await client.pwd(), "/");
          } else {
            assert.equal(await ftpErrorCode(login), c.code);
          }
        } finally {
          client.close();
        }
      });
    }
  });
});

Deno.test("startFtpServer lists with MLSD: names, sizes, mtimes, kinds", async () => {
  await withServer(async ({ root, connect }) => {
    const names = ["plain.txt", "with space.txt", "café é.txt", "日本語.txt", ".hidden"];
    for (const [i, name] of names.entries()) {
      await Deno.writeFile(`${root}/${name}`, new Uint8Array(i * 10 + 1));
      await Deno.utime(`${root}/${name}`, 0, new Date(Date.UTC(2024, 1, 3, 4, 5, 6 + i)));
    }
    await Deno.mkdir(`${root}/sub dir`);
    const client = await connect();
    const listing = await client.list("/");
    assert.deepEqual(client.availableListCommands, ["MLSD"]);
    const byName = new Map(listing.map((f) => [f.name, f]));
    assert.deepEqual([...byName.keys()].sort(), [...names, "sub dir"].sort());
    for (const [i, name] of names.entries()) {
      const info = byName.get(name)!;
      assert.ok(info.isFile, name);
      assert.equal(info.size, i * 10 + 1, name);
      assert.equal(info.modifiedAt?.getTime(), Date.UTC(2024, 1, 3, 4, 5, 6 + i), name);
    }
    assert.ok(byName.get("sub dir")!.isDirectory);
    assert.deepEqual(await client.list("/sub dir"), []);
  });
});

Deno.test("startFtpServer round-trips files byte for byte", async (t) => {
  await withServer(async ({ local, connect }) => {
    const client = await connect();
    const cases = [
      { name: "one MiB", remote: "/big.bin", size: 1024 * 1024 },
      { name: "empty", remote: "/empty.bin", size: 0 },
      { name: "unicode and spaces", remote: "/dir é 日本語/a b ü.txt", size: 1234 },
    ];
    for (const c of cases) {
      await t.step(c.name, async () => {
        const bytes = randomBytes(c.size);
        await Deno.writeFile(`${local}/up`, bytes);
        const dir = c.remote.slice(0, c.remote.lastIndexOf("/"));
        if (dir !== "") {
          await client.ensureDir(dir);
          await client.cd("/");
        }
        await client.uploadFrom(`${local}/up`, c.remote);
        assert.equal(await client.size(c.remote), c.size);
        await client.downloadTo(`${local}/down`, c.remote);
        assert.deepEqual(await Deno.readFile(`${local}/down`), bytes);
      });
    }
  });
});

Deno.test("startFtpServer resumes downloads with REST and appends with APPE", async () => {
  await withServer(async ({ root, local, connect }) => {
    const bytes = randomBytes(300_000);
    await Deno.writeFile(`${root}/r.bin`, bytes);
    const client = await connect();
    const part = collector();
    await client.downloadTo(part.sink, "/r.bin", 100_000);
    assert.deepEqual(part.bytes(), bytes.subarray(100_000));

    await Deno.writeFile(`${local}/tail`, bytes.subarray(0, 5000));
    await client.appendFrom(`${local}/tail`, "/r.bin");
    const all = await Deno.readFile(`${root}/r.bin`);
    assert.equal(all.length, 305_000);
    assert.deepEqual(all.subarray(300_000), bytes.subarray(0, 5000));
  });
});

Deno.test("startFtpServer renames, deletes, makes and removes directories", async (t) => {
  await withServer(async ({ root, connect }) => {
    const client = await connect();
    await Deno.writeTextFile(`${root}/a.txt`, "A");
    await Deno.writeTextFile(`${root}/b.txt`, "B");
    await t.step("rename to a new name", async () => {
      await client.rename("/a.txt", "/c é.txt");
      assert.equal(await Deno.readTextFile(`${root}/c é.txt`), "A");
    });
    await t.step("rename onto an existing file replaces it", async () => {
      await client.rename("/c é.txt", "/b.txt");
      assert.equal(await Deno.readTextFile(`${root}/b.txt`), "A");
    });
    await t.step("rename of a missing file is 550", async () => {
      assert.equal(await ftpErrorCode(client.rename("/nope", "/x")), 550);
    });
    await t.step("delete", async () => {
      await client.remove("/b.txt");
      await assert.rejects(Deno.stat(`${root}/b.txt`), Deno.errors.NotFound);
      assert.equal(await ftpErrorCode(client.remove("/b.txt")), 550);
    });
    await t.step("mkdir, then mkdir again is 550", async () => {
      assert.equal((await client.send("MKD /new dir")).code, 257);
      assert.ok((await Deno.stat(`${root}/new dir`)).isDirectory);
      assert.equal(await ftpErrorCode(client.send("MKD /new dir")), 550);
    });
    await t.step("delete of a directory is 550", async () => {
      assert.equal(await ftpErrorCode(client.remove("/new dir")), 550);
    });
    await t.step("rmdir of a non-empty directory is 550, of an empty one 250", async () => {
      await Deno.writeTextFile(`${root}/new dir/f`, "x");
      assert.equal(await ftpErrorCode(client.send("RMD /new dir")), 550);
      await Deno.remove(`${root}/new dir/f`);
      assert.equal((await client.send("RMD /new dir")).code, 250);
      await assert.rejects(Deno.stat(`${root}/new dir`), Deno.errors.NotFound);
    });
    await t.step("upload into a missing directory is 553", async () => {
      const upload = client.uploadFrom(
        Readable.from([new Uint8Array(3)]),
        "/missing/x.bin",
      );
      assert.equal(await ftpErrorCode(upload), 553);
    });
  });
});

Deno.test("startFtpServer sets mtimes with MFMT and reads them with MDTM", async () => {
  await withServer(async ({ root, connect }) => {
    await Deno.writeTextFile(`${root}/t é.txt`, "x");
    const client = await connect();
    const res = await client.send("MFMT 20200102030405 /t é.txt");
    assert.equal(res.code, 213);
    assert.equal(
      (await Deno.stat(`${root}/t é.txt`)).mtime?.getTime(),
      Date.UTC(2020, 0, 2, 3, 4, 5),
    );
    assert.equal((await client.lastMod("/t é.txt")).getTime(), Date.UTC(2020, 0, 2, 3, 4, 5));
    assert.equal(await ftpErrorCode(client.send("MFMT 2020 /t é.txt")), 501);
    assert.equal(await ftpErrorCode(client.lastMod("/missing")), 550);
  });
});

Deno.test("startFtpServer never serves a path outside its root", async (t) => {
  await withServer(async ({ root, local, connect }) => {
    await Deno.writeTextFile(`${local}/secret.txt`, "secret");
    await Deno.symlink(`${local}/secret.txt`, `${root}/link-out`);
    await Deno.symlink(local, `${root}/dir-out`);
    await Deno.writeTextFile(`${root}/inside.txt`, "in");
    await Deno.symlink("inside.txt", `${root}/link-in`);
    const client = await connect();
    const sink = () => collector().sink;
    await t.step("RETR ../../etc/passwd", async () => {
      assert.equal(await ftpErrorCode(client.downloadTo(sink(), "../../etc/passwd")), 550);
      assert.equal(await ftpErrorCode(client.downloadTo(sink(), "/../local/secret.txt")), 550);
    });
    await t.step("CWD .. and CDUP at the root", async () => {
      assert.equal(await ftpErrorCode(client.cd("..")), 550);
      assert.equal(await ftpErrorCode(client.send("CDUP")), 550);
      assert.equal(await client.pwd(), "/");
    });
    await t.step("symlinks that lead out are refused and not listed", async () => {
      assert.equal(await ftpErrorCode(client.downloadTo(sink(), "/link-out")), 550);
      assert.equal(await ftpErrorCode(client.cd("/dir-out")), 550);
      assert.equal(await ftpErrorCode(client.downloadTo(sink(), "/dir-out/secret.txt")), 550);
      const upload = client.uploadFrom(
        Readable.from([new Uint8Array([1])]),
        "/link-out",
      );
      assert.equal(await ftpErrorCode(upload), 553);
      assert.equal(await Deno.readTextFile(`${local}/secret.txt`), "secret");
      const names = (await client.list("/")).map((f) => f.name).sort();
      assert.deepEqual(names, ["inside.txt", "link-in"]);
    });
    await t.step("a symlink inside the root is served", async () => {
      const got = collector();
      await client.downloadTo(got.sink, "/link-in");
      assert.equal(new TextDecoder().decode(got.bytes()), "in");
    });
  });
});

Deno.test("startFtpServer serves 8 concurrent clients", async () => {
  await withServer(async ({ root, local, connect }) => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => connect()));
    await Promise.all(clients.map(async (client, i) => {
      const bytes = randomBytes(200_000 + i);
      await Deno.writeFile(`${local}/up${i}`, bytes);
      for (let round = 0; round < 3; round++) {
        await client.uploadFrom(`${local}/up${i}`, `/f${i}-${round}.bin`);
        const got = collector();
        await client.downloadTo(got.sink, `/f${i}-${round}.bin`);
        assert.deepEqual(got.bytes(), bytes);
        assert.equal((await client.list("/")).length >= 1, true);
      }
    }));
    assert.equal([...Deno.readDirSync(root)].length, 24);
  });
});

Deno.test("startFtpServer works with ftp-clone's own FTP layer", async () => {
  await withServer(async ({ server, root, local }) => {
    await Deno.mkdir(`${root}/d`);
    await Deno.writeTextFile(`${root}/d/x é.txt`, "hello");
    const remote = await connectRemoteFs({
      host: "127.0.0.1",
      port: server.port,
      type: "ftp",
      user: USER,
      password: PASSWORD,
      tlsVerify: false,
    });
    try {
      assert.deepEqual(remote.capabilities, {
        mlsd: true,
        mfmt: true,
        mdtmWrite: false,
        restStream: true,
        size: true,
        mdtm: true,
        utf8: true,
        hashes: [],
        renames: true,
      });
      const entries = await remote.list("/d");
      assert.deepEqual(entries.map((e) => [e.name, e.kind, e.size, e.mtimePrecisionMs]), [
        ["x é.txt", "file", 5, 1000],
      ]);
      await assert.rejects(remote.list("/missing"));
      await Deno.writeTextFile(`${local}/up.txt`, "uploaded");
      await remote.uploadFromFile(`${local}/up.txt`, "/d/.tmp-up");
      await remote.rename("/d/.tmp-up", "/d/x é.txt");
      assert.equal(await remote.setMtime("/d/x é.txt", Date.UTC(2021, 5, 6, 7, 8, 9)), true);
      assert.equal(await remote.mtime("/d/x é.txt"), Date.UTC(2021, 5, 6, 7, 8, 9));
      assert.equal(await remote.size("/d/x é.txt"), 8);
      await remote.downloadToFile("/d/x é.txt", `${local}/down.txt`);
      assert.equal(await Deno.readTextFile(`${local}/down.txt`), "uploaded");
      await remote.mkdir("/d/e");
      await remote.rmdir("/d/e");
      await remote.remove("/d/x é.txt");
      assert.deepEqual(await remote.list("/d"), []);
    } finally {
      await remote.close();
    }
  });
});

Deno.test("startFtpServer stops on close() and on its signal, ending sessions", async (t) => {
  const root = await Deno.makeTempDir();
  try {
    for (const how of ["close", "signal"] as const) {
      await t.step(how, async () => {
        const controller = new AbortController();
        const server = await startFtpServer({
          root,
          user: USER,
          password: PASSWORD,
          signal: controller.signal,
        });
        const client = new Client(10_000);
        await client.access({
          host: "127.0.0.1",
          port: server.port,
          user: USER,
          password: PASSWORD,
        });
        assert.equal(server.sessionCount, 1);
        if (how === "signal") controller.abort();
        await server.close(); // after an abort: the same closing, awaited
        assert.equal(server.sessionCount, 0);
        await assert.rejects(client.list("/"));
        client.close();
        await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: server.port }));
      });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("startFtpServer refuses a root that is not a directory", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${root}/file`, "x");
    await assert.rejects(
      startFtpServer({ root: `${root}/file`, user: USER, password: PASSWORD }),
      /not a directory/,
    );
    await assert.rejects(
      startFtpServer({ root: `${root}/missing`, user: USER, password: PASSWORD }),
      Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
