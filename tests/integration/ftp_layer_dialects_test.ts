/**
 * The FTP layer against server dialects (scripted pyftpdlib, GNU inetutils-ftpd, proftpd with
 * mod_digest): what each one teaches the server's profile once, and that nothing is asked
 * again: DOS/IIS listings, LIST without options, PASV only, no SIZE/REST/MDTM/MFMT, refused
 * renames, hashes, Remote_dir outside a non-chrooted home, names holding a line break.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  connectRemoteFs,
  FtpError,
  type FtpRemoteFs,
  type HashAlgorithm,
  ServerProfiles,
} from "../../sync/ftp/mod.ts";
import {
  ignoreUnlessServer,
  type ServerOptions,
  startServer,
  type TestServer,
} from "../support/ftp_servers.ts";
import { startHostileServer } from "../support/hostile_ftp_server.ts";
import { optionsFor, putBytes } from "./ftp_layer_support.ts";

/** Connections sharing one profile (as a section's pool does). */
function connector(srv: TestServer): () => Promise<FtpRemoteFs> {
  const profiles = new ServerProfiles();
  return () => connectRemoteFs({ ...optionsFor(srv), profiles });
}

/** How many logged commands start with `verb` (pyftpdlib's log: `"VERB arg"`). */
async function count(srv: TestServer, verb: string): Promise<number> {
  return ((await srv.commandLog()).match(new RegExp(`"${verb}[ "]`, "g")) ?? []).length;
}

async function withServer(
  options: ServerOptions,
  fn: (srv: TestServer, connect: () => Promise<FtpRemoteFs>) => Promise<void>,
): Promise<void> {
  await using srv = await startServer(options);
  await fn(srv, connector(srv));
}

const TEXT = new TextEncoder();

Deno.test({
  name: "dialect: DOS/IIS listings (12- and 24-hour times, 2- and 4-digit years, <DIR>, spaces)",
  ignore: ignoreUnlessServer("pyftpdlib"),
  fn: async (t) => {
    for (const dosList of ["12h", "24h", "4y", "mixed"] as const) {
      await t.step(dosList, async () => {
        await withServer(
          { kind: "pyftpdlib", dialect: { dosList, noMlsd: true } },
          async (srv, connect) => {
            const times: [Date, Date, Date] = [
              new Date(Date.UTC(2026, 0, 2, 0, 5, 33)),
              new Date(Date.UTC(2025, 6, 4, 12, 30, 1)),
              new Date(Date.UTC(1999, 11, 31, 23, 59, 59)),
            ];
            await srv.writeFile("d/a b.txt", "12345", { mtime: times[0] });
            await srv.writeFile("d/noon.txt", "", { mtime: times[1] });
            await srv.writeFile("d/sub dir/x", "x", { mtime: times[2] });
            const remote = await connect();
            try {
              const entries = await remote.list("/d");
              const rows = entries.map((e) => [e.name, e.kind, e.size, e.mtimePrecisionMs]);
              assert.deepEqual(rows.sort(), [
                ["a b.txt", "file", 5, 60_000],
                ["noon.txt", "file", 0, 60_000],
                ["sub dir", "dir", 0, 60_000],
              ]);
              const minute = (d: Date) => Math.floor(d.getTime() / 60_000) * 60_000;
              assert.equal(entries.find((e) => e.name === "a b.txt")?.mtimeMs, minute(times[0]));
              assert.equal(entries.find((e) => e.name === "noon.txt")?.mtimeMs, minute(times[1]));
              assert.deepEqual((await remote.list("/d/sub dir")).map((e) => e.name), ["x"]);
            } finally {
              await remote.close();
            }
          },
        );
      });
    }
  },
});

Deno.test({
  name: "dialect: LIST without options is learned once; empty and missing directories told apart",
  ignore: ignoreUnlessServer("pyftpdlib"),
  fn: async () => {
    await withServer(
      { kind: "pyftpdlib", dialect: { noMlsd: true, listNoOptions: true } },
      async (srv, connect) => {
        await srv.writeFile("d/.hidden", "h");
        await srv.writeFile("d/f.txt", "f");
        await srv.mkdir("empty");
        const remote = await connect();
        const other = await connect();
        try {
          assert.deepEqual((await remote.list("/d")).map((e) => e.name).sort(), [
            ".hidden",
            "f.txt",
          ]);
          assert.deepEqual(await other.list("/empty"), []);
          await assert.rejects(
            other.list("/missing"),
            (e: unknown) => e instanceof FtpError && e.meaning === "notFound",
          );
          assert.equal(await count(srv, "LIST -a"), 1, "LIST -a tried once, for the server");
        } finally {
          await remote.close();
          await other.close();
        }
      },
    );
  },
});

Deno.test({
  name: "dialect: PASV only (EPSV refused once, for the server)",
  ignore: ignoreUnlessServer("pyftpdlib"),
  fn: async () => {
    await withServer({ kind: "pyftpdlib", dialect: { pasvOnly: true } }, async (srv, connect) => {
      const a = await connect();
      const b = await connect();
      try {
        await putBytes(a, "/one.txt", TEXT.encode("one"));
        await putBytes(b, "/two.txt", TEXT.encode("two"));
        assert.deepEqual((await b.list("/")).map((e) => e.name).sort(), ["one.txt", "two.txt"]);
        assert.equal(await count(srv, "EPSV"), 1);
      } finally {
        await a.close();
        await b.close();
      }
    });
  },
});

Deno.test({
  name: "dialect: no SIZE, REST, MDTM or MFMT: the capabilities say so, nothing is asked",
  ignore: ignoreUnlessServer("pyftpdlib"),
  fn: async () => {
    await withServer(
      { kind: "pyftpdlib", dialect: { noSize: true, noRest: true, noMdtm: true, noMfmt: true } },
      async (srv, connect) => {
        await srv.writeFile("f.txt", "12345");
        const remote = await connect();
        try {
          const caps = remote.capabilities;
          assert.deepEqual([caps.size, caps.mdtm, caps.restStream, caps.mfmt], [
            false,
            false,
            false,
            false,
          ]);
          const unsupported = (e: unknown) => e instanceof FtpError && e.meaning === "unsupported";
          await assert.rejects(remote.size("/f.txt"), unsupported);
          await assert.rejects(remote.mtime("/f.txt"), unsupported);
          const [time] = await remote.mtimes(["/f.txt"]);
          assert.ok(unsupported(time), String(time));
          const dir = await Deno.makeTempDir();
          let told: number | undefined;
          await remote.downloadToFile("/f.txt", join(dir, "f"), { onMtime: (ms) => told = ms });
          assert.equal(told, undefined, "no MDTM: no time told");
          await assert.rejects(
            remote.downloadToFile("/f.txt", join(dir, "f"), { startAt: 2 }),
            unsupported,
          );
          await Deno.remove(dir, { recursive: true });
          // Setting a time: MFMT absent; the two-argument MDTM is tried once, then never again.
          assert.equal(await remote.setMtime("/f.txt", Date.UTC(2025, 0, 1)), false);
          assert.equal(await remote.setMtime("/f.txt", Date.UTC(2025, 0, 1)), false);
          for (const verb of ["SIZE", "MFMT", "REST"]) {
            assert.equal(await count(srv, verb), 0, verb);
          }
          assert.equal(await count(srv, "MDTM"), 1, "one two-argument MDTM, refused");
        } finally {
          await remote.close();
        }
      },
    );
  },
});

for (const code of [550, 502] as const) {
  Deno.test({
    name: `dialect: renames refused (${code}): learned once, then unsupported without asking`,
    ignore: ignoreUnlessServer("pyftpdlib"),
    fn: async () => {
      await withServer(
        { kind: "pyftpdlib", dialect: { noRename: code } },
        async (srv, connect) => {
          const remote = await connect();
          try {
            await putBytes(remote, "/.ftp-clone.up.0123456789ab.a.txt.part", TEXT.encode("a"));
            const unsupported = (e: unknown) =>
              e instanceof FtpError && e.meaning === "unsupported";
            await assert.rejects(
              remote.rename("/.ftp-clone.up.0123456789ab.a.txt.part", "/a.txt"),
              unsupported,
            );
            assert.equal(remote.capabilities.renames, false);
            const other = await connect();
            assert.equal(other.capabilities.renames, false, "shared by the server's connections");
            await assert.rejects(other.rename("/x", "/y"), unsupported);
            await other.close();
            assert.equal(await count(srv, "RNFR"), 1);
          } finally {
            await remote.close();
          }
        },
      );
    },
  });
}

Deno.test({
  name: "dialect: a rename onto an existing name refused is not a server that refuses renames",
  ignore: ignoreUnlessServer("proftpd"),
  fn: async () => {
    await withServer({ kind: "proftpd", allowOverwrite: false }, async (srv, connect) => {
      await srv.writeFile("a.txt", "old");
      await srv.writeFile("b.txt", "new");
      const remote = await connect();
      try {
        await assert.rejects(
          remote.rename("/b.txt", "/a.txt"),
          (e: unknown) => e instanceof FtpError && e.meaning !== "unsupported",
        );
        assert.equal(remote.capabilities.renames, true);
      } finally {
        await remote.close();
      }
    });
  },
});

function digest(algorithm: HashAlgorithm, data: Uint8Array): string {
  if (algorithm === "CRC32") {
    let crc = 0xffffffff;
    for (const byte of data) {
      crc ^= byte;
      for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
    }
    return ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, "0");
  }
  const name = { "SHA-256": "sha256", "SHA-1": "sha1", "MD5": "md5" }[algorithm];
  return createHash(name).update(data).digest("hex");
}

const HASH_SERVERS: [string, ServerOptions, HashAlgorithm[]][] = [
  ["proftpd mod_digest", { kind: "proftpd", digest: true }, ["SHA-256", "SHA-1", "MD5", "CRC32"]],
  [
    "pyftpdlib HASH only (OPTS HASH selects)",
    { kind: "pyftpdlib", dialect: { hash: ["HASH"] } },
    ["SHA-256", "SHA-1", "MD5"],
  ],
];

for (const [name, server, algorithms] of HASH_SERVERS) {
  Deno.test({
    name: `hashes: ${name}`,
    ignore: ignoreUnlessServer(server.kind),
    fn: async () => {
      await withServer(server, async (srv, connect) => {
        const data = TEXT.encode("hello, hash\n".repeat(1000));
        await srv.writeFile("dir with space/h é.bin", data);
        const remote = await connect();
        try {
          assert.deepEqual(remote.capabilities.hashes, algorithms);
          // Twice each, in an order that changes HASH's selection back and forth.
          for (const algorithm of [...algorithms, ...algorithms.toReversed()]) {
            assert.equal(
              await remote.hash("/dir with space/h é.bin", algorithm),
              digest(algorithm, data),
              algorithm,
            );
          }
          await assert.rejects(
            remote.hash("/missing.bin", algorithms[0]!),
            (e: unknown) => e instanceof FtpError && e.meaning === "notFound",
          );
        } finally {
          await remote.close();
        }
      });
    },
  });
}

Deno.test("hashes: an X-command where HASH lacks the algorithm, its path quoted when spaced", async () => {
  const sha = digest("SHA-256", TEXT.encode("x"));
  await using srv = await startHostileServer({
    features: ["MLST type*;size*;modify*;", "SIZE", "MDTM", "HASH SHA-1*", "XSHA256"],
    onCommand: (verb, arg) =>
      verb === "XSHA256"
        ? (arg === '"/a b.txt"' || arg === "/c.txt" ? `250 ${sha}` : "550 No")
        : undefined,
  });
  const remote = await connectRemoteFs({
    host: srv.host,
    port: srv.port,
    type: "ftp",
    user: srv.user,
    password: srv.password,
    tlsVerify: true,
  });
  try {
    assert.deepEqual(remote.capabilities.hashes, ["SHA-256", "SHA-1"]);
    assert.equal(await remote.hash("/a b.txt", "SHA-256"), sha);
    assert.equal(await remote.hash("/c.txt", "SHA-256"), sha);
    await assert.rejects(
      remote.hash('/a "b".txt', "SHA-256"),
      (e: unknown) => e instanceof FtpError && e.meaning === "unsupported",
    );
  } finally {
    await remote.close();
  }
});

Deno.test({
  name: "hashes: a server without any: unsupported, nothing sent",
  ignore: ignoreUnlessServer("vsftpd"),
  fn: async () => {
    await withServer({ kind: "vsftpd" }, async (srv, connect) => {
      await srv.writeFile("f", "f");
      const remote = await connect();
      try {
        assert.deepEqual(remote.capabilities.hashes, []);
        await assert.rejects(
          remote.hash("/f", "SHA-256"),
          (e: unknown) => e instanceof FtpError && e.meaning === "unsupported",
        );
      } finally {
        await remote.close();
      }
    });
  },
});

Deno.test({
  name: "Remote_dir on a server that does not chroot: from the login directory, or //absolute",
  ignore: ignoreUnlessServer("inetutils-ftpd"),
  fn: async () => {
    await withServer({ kind: "inetutils-ftpd" }, async (srv, connect) => {
      assert.equal(srv.chrooted, false);
      await srv.writeFile("www/in home.txt", "home");
      await srv.writeFile("www/sub dir/deep.txt", "deep");
      const outside = await Deno.makeTempDir({ prefix: "ftp-clone-outside-" });
      await Deno.chmod(outside, 0o755);
      await Deno.writeTextFile(join(outside, "o.txt"), "outside");
      const remote = await connect();
      try {
        assert.deepEqual((await remote.list("/www")).map((e) => e.name).sort(), [
          "in home.txt",
          "sub dir",
        ]);
        // inetutils splits LIST's argument at spaces: the directory is entered first.
        assert.deepEqual((await remote.list("/www/sub dir")).map((e) => e.name), ["deep.txt"]);
        assert.deepEqual((await remote.list(`/${outside}`)).map((e) => e.name), ["o.txt"]);
        const error = await remote.list(outside).then(() => undefined, (e) => e);
        assert.ok(error instanceof FtpError && error.meaning === "notFound", String(error));
        assert.ok(error.message.includes(`"${srv.root}${outside}"`), error.message);
        assert.ok(error.message.includes(`login directory "${srv.root}"`), error.message);
        assert.ok(error.message.includes(`write "/${outside}"`), error.message);
      } finally {
        await remote.close();
        await Deno.remove(outside, { recursive: true });
      }
    });
  },
});

Deno.test({
  name: "a directory whose name holds a line break is refused by name, never listed truncated",
  ignore: ignoreUnlessServer("vsftpd", "proftpd"),
  fn: async (t) => {
    for (const kind of ["vsftpd", "proftpd"] as const) {
      await t.step(kind, async () => {
        await withServer({ kind }, async (srv, connect) => {
          await srv.mkdir("d/a\nb");
          await srv.writeFile("d/ok.txt", "ok");
          const remote = await connect();
          try {
            const refused: string[] = [];
            const entries = await remote.list("/d", { onRefused: (n) => refused.push(n) });
            assert.deepEqual(entries.map((e) => e.name), ["ok.txt"]);
            assert.deepEqual(refused, ["a\nb"]);
          } finally {
            await remote.close();
          }
        });
      });
    }
  },
});
