/**
 * The FTP engine (`sync/ftp/ftp_connection.ts`) against the real servers, every mode of one kind
 * (one test file per kind, so that the three kinds run in parallel processes): pipelined login
 * and batches, transfers whose set-up goes with the EPSV, resume, refusals that keep the
 * connection, TLS session reuse on several connections at once, the pin before USER.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { FtpError } from "../../sync/ftp/errors.ts";
import { type FtpConnectionOptions, openConnection } from "../../sync/ftp/ftp_login.ts";
import { type FtpConnection, quirkRecord } from "../../sync/ftp/ftp_connection.ts";
import {
  requireServer,
  SERVER_MATRIX,
  type ServerKind,
  startServer,
  type TestServer,
} from "../support/ftp_servers.ts";
import { optionsFor, pseudoRandomBytes } from "./ftp_layer_support.ts";

/** Options of `openConnection` for a test server (pinned, 15 s timeout). */
function connectionOptions(
  srv: TestServer,
  extra: Partial<FtpConnectionOptions> = {},
): FtpConnectionOptions {
  return { ...optionsFor(srv), timeoutMs: 15_000, ...extra };
}

const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

async function download(session: FtpConnection, path: string, restAt?: number, before?: string[]) {
  const chunks: Uint8Array[] = [];
  const result = await session.transfer({
    command: `RETR ${path}`,
    data: { receive: (chunk) => chunks.push(chunk.slice()) },
    ...(restAt !== undefined ? { restAt } : {}),
    ...(before !== undefined ? { before } : {}),
  });
  return { bytes: new Uint8Array(Buffer.concat(chunks)), before: result.before };
}

/** Uploads `data`, read through a reader in 64 KiB pieces when `pieces`. */
async function upload(session: FtpConnection, command: string, data: Uint8Array, pieces = false) {
  let at = 0;
  const send = pieces
    ? (buffer: Uint8Array) => {
      if (at >= data.length) return null;
      const n = Math.min(65_536, buffer.length, data.length - at);
      buffer.set(data.subarray(at, at + n));
      at += n;
      return n;
    }
    : data;
  await session.transfer({ command, data: { send } });
}

/** Every mode of `kind`, each in its own step. */
export async function runEngineMatrix(t: Deno.TestContext, kind: ServerKind): Promise<void> {
  if (!await requireServer(t, kind)) return;
  for (const { mode } of SERVER_MATRIX.filter((m) => m.kind === kind)) {
    await t.step(`${kind} ${mode}`, async (t) => {
      await using srv = await startServer({ kind, mode });
      const quirks = quirkRecord();
      const session = await openConnection(connectionOptions(srv, { quirks }));
      try {
        await modeSteps(t, srv, session, quirks);
      } finally {
        await session.close();
      }
    });
  }
}

async function modeSteps(
  t: Deno.TestContext,
  srv: TestServer,
  session: FtpConnection,
  quirks: ReturnType<typeof quirkRecord>,
): Promise<void> {
  await t.step("login learns that the server pipelines; a second login is one write", async () => {
    assert.equal(quirks.facts.pipelining, true);
    assert.equal(session.home, "/");
    const again = await openConnection(connectionOptions(srv, { quirks }));
    assert.equal(again.home, "/");
    await again.close();
  });

  await t.step("upload and download byte-identical, with MDTM sent with the EPSV", async () => {
    for (const [i, size] of [0, 1, 70_000, 5 * 1024 * 1024].entries()) {
      const data = pseudoRandomBytes(size, i + 1);
      await upload(session, `STOR /e${i}.bin`, data, size > 100_000);
      const got = await download(session, `/e${i}.bin`, undefined, [`MDTM /e${i}.bin`]);
      assert.equal(sha256(got.bytes), sha256(data), `${size} bytes`);
      const [mdtm] = got.before;
      assert.ok(mdtm !== undefined && !(mdtm instanceof FtpError) && mdtm.code === 213);
    }
    assert.equal(quirks.facts.epsv, true);
  });

  await t.step("resume: REST download, APPE upload", async () => {
    const data = pseudoRandomBytes(300_000, 9);
    await upload(session, "STOR /r.bin", data);
    const tail = await download(session, "/r.bin", 100_000);
    assert.equal(sha256(tail.bytes), sha256(data.subarray(100_000)));
    await upload(session, "STOR /a.bin", data.subarray(0, 100_000));
    await upload(session, "APPE /a.bin", data.subarray(100_000));
    assert.equal(sha256((await download(session, "/a.bin")).bytes), sha256(data));
  });

  await t.step("batches: MDTMs and SIZEs in one write, RNFR+RNTO, refusals in place", async () => {
    const names = Array.from({ length: 20 }, (_, i) => `/b${i}.txt`);
    for (const [i, name] of names.entries()) {
      await upload(session, `STOR ${name}`, new Uint8Array(i));
    }
    const lines = names.flatMap((name) => [`SIZE ${name}`, `MDTM ${name}`]);
    lines.splice(10, 0, "SIZE /missing.txt");
    const replies = await session.commands(lines);
    assert.ok(replies[10] instanceof FtpError && replies[10].meaning === "notFound");
    replies.splice(10, 1);
    for (const [i, reply] of replies.entries()) {
      assert.ok(!(reply instanceof FtpError), String(reply));
      if (i % 2 === 0) assert.equal(reply.message, `213 ${i / 2}`);
      else assert.match(reply.message, /^213 \d{14}/);
    }
    const renamed = await session.commands(["RNFR /b1.txt", "RNTO /c1.txt"]);
    assert.deepEqual(renamed.map((r) => r instanceof FtpError ? r.code : r.code), [350, 250]);
    const refused = await session.commands(["RNFR /missing.txt", "RNTO /c2.txt"]);
    assert.ok(refused[0] instanceof FtpError && refused[0].meaning === "notFound");
    assert.ok(refused[1] instanceof FtpError);
    const listing = await session.list(srv.kind === "vsftpd" ? "LIST -a /" : "MLSD /");
    assert.match(listing, /c1\.txt/);
    assert.doesNotMatch(listing, /b1\.txt/);
  });

  await t.step("a refused RETR keeps the connection (plain and TLS)", async () => {
    const error = await download(session, "/missing.bin").then(() => undefined, (e) => e);
    assert.ok(error instanceof FtpError && error.meaning === "notFound", String(error));
    assert.equal(session.closed, false);
    assert.equal((await download(session, "/e1.bin")).bytes.length, 1);
  });

  await t.step("20 rounds of upload/download/list on 3 connections at once", async () => {
    const sessions = await Promise.all(
      [0, 1, 2].map(() => openConnection(connectionOptions(srv, { quirks }))),
    );
    try {
      const failures: string[] = [];
      await Promise.all(sessions.map(async (s, c) => {
        for (let i = 0; i < 20; i++) {
          try {
            const data = pseudoRandomBytes(1000 + i, c * 100 + i + 1);
            await upload(s, `STOR /round-${c}-${i}.bin`, data);
            assert.equal(sha256((await download(s, `/round-${c}-${i}.bin`)).bytes), sha256(data));
            assert.match(await s.list("LIST -a /"), new RegExp(`round-${c}-${i}\\.bin`));
          } catch (e) {
            failures.push(`connection ${c} round ${i}: ${e}`);
          }
        }
      }));
      assert.deepEqual(failures, []);
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
  });

  if (srv.mode !== "plain") {
    await t.step(
      "30 downloads of 1 MB over TLS all end (node:tls end-of-stream race)",
      async () => {
        const data = pseudoRandomBytes(1_000_000, 3);
        await upload(session, "STOR /mb.bin", data);
        // A short timeout: a download whose end is lost fails fast instead of hanging 15 s.
        const quick = await openConnection(connectionOptions(srv, { quirks, timeoutMs: 2_000 }));
        try {
          for (let i = 0; i < 30; i++) {
            assert.equal((await download(quick, "/mb.bin")).bytes.length, data.length, `#${i}`);
          }
        } finally {
          await quick.close();
        }
      },
    );

    await t.step("a wrong pin is refused before USER; a right one whatever TlsVerify", async () => {
      const before = (await srv.commandLog()).length;
      const wrong = srv.certFingerprint.replace(/^./, (c) => (c === "0" ? "1" : "0"));
      const error = await openConnection(connectionOptions(srv, { tlsFingerprint: wrong }))
        .then(() => undefined, (e) => e);
      assert.ok(error instanceof FtpError, String(error));
      assert.equal(error.code, "CERT_FINGERPRINT_MISMATCH");
      assert.equal(error.transient, false);
      const ok = await openConnection(connectionOptions(srv, { tlsVerify: false }));
      await ok.close();
      const unpinned = await openConnection(connectionOptions(srv, { tlsFingerprint: undefined }))
        .then(() => undefined, (e) => e);
      assert.ok(unpinned instanceof FtpError, String(unpinned));
      assert.match(unpinned.message, new RegExp(`TlsFingerprint = ${srv.certFingerprint}`));
      if (srv.kind !== "pure-ftpd") {
        // pure-ftpd logs only transfers; vsftpd and proftpd log every command.
        const log = (await srv.commandLog()).slice(before);
        assert.equal((log.match(/USER /g) ?? []).length, 1, log);
      }
    });
  }
}
