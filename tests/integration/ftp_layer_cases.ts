/**
 * The FTP-layer integration matrix, shared by one test file per server kind (so that the three
 * kinds run in parallel processes): every mode the kind supports, against `FtpRemoteFs`.
 * @module
 */
import assert from "node:assert/strict";
import { connectRemoteFs, FtpError, FtpPool, type FtpRemoteFs } from "../../sync/ftp/mod.ts";
import {
  requireServer,
  SERVER_MATRIX,
  type ServerKind,
  startServer,
  type TestServer,
  type TlsMode,
} from "../support/ftp_servers.ts";
import {
  fetchBytes,
  onFirstBytes,
  optionsFor,
  pseudoRandomBytes,
  putBytes,
  sha256,
} from "./ftp_layer_support.ts";

const MIB = 1024 * 1024;

/** Everything one server kind must pass, each mode in its own step. */
export async function runLayerMatrix(t: Deno.TestContext, kind: ServerKind): Promise<void> {
  if (!await requireServer(t, kind)) return;
  const modes = SERVER_MATRIX.filter((m) => m.kind === kind).map((m) => m.mode);
  // The slow check (a wrong password waits 3-5 s on vsftpd and pure-ftpd) runs alongside.
  const wrongPassword = wrongPasswordCheck(kind).then(() => undefined, (e: unknown) => e);
  for (const mode of modes) {
    await t.step(`${kind} ${mode}`, async (t) => {
      await using srv = await startServer({ kind, mode });
      const remote = await connectRemoteFs(optionsFor(srv));
      try {
        await modeSteps(t, srv, remote);
      } finally {
        await remote.close();
      }
    });
  }
  for (const mode of ["plain", "explicit"] as const) {
    await t.step(`${kind} ${mode}: server killed mid-transfer, then back`, async () => {
      await killMidTransfer(kind, mode);
    });
  }
  await t.step(
    `${kind}: wrong password refused (530, permanent, no password in message)`,
    async () => {
      const err = await wrongPassword;
      if (err !== undefined) throw err;
    },
  );
}

async function wrongPasswordCheck(kind: ServerKind): Promise<void> {
  await using srv = await startServer({ kind, mode: "plain" });
  const secret = "Wr0ng-pa55-zq";
  const err = await connectRemoteFs(optionsFor(srv, { password: secret })).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(err instanceof FtpError, `expected an FtpError, got ${err}`);
  assert.equal(err.code, 530);
  assert.equal(err.transient, false);
  assert.doesNotMatch(err.message, new RegExp(secret));
}

async function modeSteps(t: Deno.TestContext, srv: TestServer, remote: FtpRemoteFs) {
  const mlsdExpected = srv.kind !== "vsftpd";
  await t.step("capabilities from FEAT", () => {
    assert.equal(remote.capabilities.mlsd, mlsdExpected);
    assert.equal(remote.capabilities.mfmt, mlsdExpected);
  });

  await t.step("list: kinds, sizes, times with their precision", async () => {
    const old = Date.UTC(2024, 0, 2, 3, 4, 5);
    const recent = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
    await srv.writeFile("fx/old.txt", "old!", { mtime: new Date(old) });
    await srv.writeFile("fx/new.txt", "new", { mtime: new Date(recent) });
    await srv.mkdir("fx/sub");
    const byName = new Map((await remote.list("/fx")).map((e) => [e.name, e]));
    assert.deepEqual([...byName.keys()].sort(), ["new.txt", "old.txt", "sub"]);
    assert.equal(byName.get("sub")?.kind, "dir");
    assert.equal(byName.get("old.txt")?.kind, "file");
    assert.equal(byName.get("old.txt")?.size, 4);
    const o = byName.get("old.txt")!;
    const n = byName.get("new.txt")!;
    if (mlsdExpected) {
      assert.equal(o.mtimePrecisionMs, 1000);
      assert.equal(o.mtimeMs, old);
      assert.equal(n.mtimeMs, recent);
      assert.equal(o.rawTime, "20240102030405");
    } else {
      assert.equal(o.mtimePrecisionMs, 86_400_000);
      assert.equal(o.mtimeMs, Date.UTC(2024, 0, 2));
      assert.equal(n.mtimePrecisionMs, 60_000);
      assert.equal(n.mtimeMs, Math.floor(recent / 60_000) * 60_000);
    }
  });

  await t.step("list of a missing directory rejects", async () => {
    await assert.rejects(remote.list("/no-such-dir"), (e: unknown) => e instanceof FtpError);
    // A file is not a directory either.
    await assert.rejects(remote.list("/fx/old.txt"), (e: unknown) => e instanceof FtpError);
    // And the connection still lists afterwards (no LIST fallback locked in).
    assert.equal((await remote.list("/fx")).length, 3);
  });

  await t.step("upload and download byte-identical, names with spaces and non-ASCII", async () => {
    await remote.mkdir("/dé 日本語");
    for (const name of ["a b.txt", "é.txt", "日本語 ü.bin", " lead.txt", "empty"]) {
      const data = name === "empty" ? new Uint8Array(0) : pseudoRandomBytes(70_000, name.length);
      const path = `/dé 日本語/${name}`;
      await putBytes(remote, path, data);
      assert.equal(sha256(await fetchBytes(remote, path)), sha256(data), path);
      assert.equal(await remote.size(path), data.length);
    }
    const names = (await remote.list("/dé 日本語")).map((e) => e.name).sort();
    assert.deepEqual(names, [" lead.txt", "a b.txt", "empty", "é.txt", "日本語 ü.bin"]);
  });

  if (srv.mode !== "implicit") {
    await t.step("50 MiB upload and download from files, sha256 identical", async () => {
      const dir = await Deno.makeTempDir({ prefix: "ftp-layer-big-" });
      try {
        const data = pseudoRandomBytes(50 * MIB, 7);
        await Deno.writeFile(`${dir}/up.bin`, data);
        await remote.uploadFromFile(`${dir}/up.bin`, "/big.bin");
        assert.equal(await remote.size("/big.bin"), data.length);
        await remote.downloadToFile("/big.bin", `${dir}/down.bin`);
        assert.equal(sha256(await Deno.readFile(`${dir}/down.bin`)), sha256(data));
        await remote.remove("/big.bin");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  }

  await t.step("resume: download from an offset (REST), upload from an offset (APPE)", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ftp-layer-resume-" });
    try {
      const data = pseudoRandomBytes(300_000, 5);
      await putBytes(remote, "/resume.bin", data);
      // A partial local copy: the first 100_000 bytes, then garbage to be overwritten.
      const partial = new Uint8Array(120_000);
      partial.set(data.subarray(0, 100_000));
      await Deno.writeFile(`${dir}/down.bin`, partial);
      await remote.downloadToFile("/resume.bin", `${dir}/down.bin`, { startAt: 100_000 });
      assert.equal(sha256(await Deno.readFile(`${dir}/down.bin`)), sha256(data));
      // The server has the first 100_000 bytes; append the rest from the local file.
      await putBytes(remote, "/up-resume.bin", data.subarray(0, 100_000));
      await Deno.writeFile(`${dir}/up.bin`, data);
      await remote.uploadFromFile(`${dir}/up.bin`, "/up-resume.bin", { startAt: 100_000 });
      assert.equal(sha256(await fetchBytes(remote, "/up-resume.bin")), sha256(data));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  await t.step("rename, delete, mkdir, rmdir", async () => {
    await putBytes(remote, "/r1.txt", new TextEncoder().encode("r"));
    await remote.rename("/r1.txt", "/r2 é.txt");
    let names = (await remote.list("/")).map((e) => e.name);
    assert.ok(names.includes("r2 é.txt") && !names.includes("r1.txt"));
    await remote.remove("/r2 é.txt");
    await assert.rejects(
      remote.remove("/r2 é.txt"),
      (e: unknown) => e instanceof FtpError && e.code === 550,
    );
    // RNFR and RNTO go out together: a refused RNFR rejects with its own code, and the RNTO's
    // reply (503) is not taken for the reply to the next command.
    await assert.rejects(
      remote.rename("/missing.txt", "/r3.txt"),
      (e: unknown) => e instanceof FtpError && e.code === 550,
    );
    // A refused RETR keeps the control connection, plain and TLS: a data connection that fails
    // before the command's reply (the server closed its listener) is judged by that reply.
    const scratch = await Deno.makeTempFile();
    try {
      await assert.rejects(
        remote.downloadToFile("/missing.txt", scratch),
        (e: unknown) => e instanceof FtpError && e.code === 550,
      );
    } finally {
      await Deno.remove(scratch);
    }
    assert.ok(!remote.closed, "the connection survives a refused RNFR and a refused RETR");
    await remote.mkdir("/d1");
    await remote.mkdir("/d1/d2");
    await assert.rejects(
      remote.rmdir("/d1"),
      (e: unknown) => e instanceof FtpError && !e.transient,
    );
    await remote.rmdir("/d1/d2");
    await remote.rmdir("/d1");
    names = (await remote.list("/")).map((e) => e.name);
    assert.ok(!names.includes("d1"));
  });

  await t.step("set mtime (MFMT or 2-argument MDTM) and read it back", async () => {
    await putBytes(remote, "/m é.txt", new TextEncoder().encode("m"));
    const when = Date.UTC(2021, 1, 3, 4, 5, 6, 789);
    assert.equal(await remote.setMtime("/m é.txt", when), true);
    assert.equal(await remote.mtime("/m é.txt"), Date.UTC(2021, 1, 3, 4, 5, 6));
    assert.equal(remote.capabilities.mdtmWrite, srv.kind === "vsftpd");
    const entry = (await remote.list("/")).find((e) => e.name === "m é.txt");
    assert.equal(
      entry?.mtimeMs,
      mlsdExpected ? Date.UTC(2021, 1, 3, 4, 5, 6) : Date.UTC(2021, 1, 3),
    );
  });

  await t.step(
    "small uploads from files; storedMtime: stated, or proven by read-backs",
    async () => {
      const dir = await Deno.makeTempDir({ prefix: "ftp-layer-small-" });
      const check = await connectRemoteFs(optionsFor(srv));
      try {
        // Odd and even seconds: trust needs two unchanged read-backs, one of them odd.
        const times = [0, 1, 2, 3, 4].map((i) => Date.UTC(2024, 4, 6, 7, 8, 10 + i, 500));
        for (const [i, when] of times.entries()) {
          const data = pseudoRandomBytes([0, 1, 70_000, 5, 4096][i]!, i + 1);
          await Deno.writeFile(`${dir}/s${i}`, data);
          const path = `/small ${i}.bin`;
          await remote.uploadFromFile(`${dir}/s${i}`, path);
          assert.equal(sha256(await fetchBytes(check, path)), sha256(data), path);
          assert.equal(await remote.setMtime(path, when), true);
          const kept = Math.floor(when / 1000) * 1000;
          const stored = remote.storedMtime(path);
          // proftpd states the time in its MFMT reply; the others are trusted from the 3rd file on.
          if (srv.kind === "proftpd" || i >= 2) assert.equal(stored, kept, `${path} stored`);
          else assert.equal(stored, undefined, `${path} stored`);
          if (stored === undefined) assert.equal(await remote.mtime(path), kept);
          assert.equal(await check.mtime(path), kept, `${path} on the server`);
          assert.equal(remote.storedMtime(`/other ${i}.bin`), undefined);
        }
      } finally {
        await check.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  );

  await t.step("MDTMs sent together: each file's time, a missing one's notFound", async () => {
    const when = Date.UTC(2022, 3, 4, 5, 6, 7);
    const paths = ["/t 0.txt", "/t 1.txt", "/t 2.txt"];
    for (const [i, path] of paths.entries()) {
      await putBytes(remote, path, new TextEncoder().encode("t"));
      assert.equal(await remote.setMtime(path, when + i * 1000), true);
    }
    const times = await remote.mtimes([paths[0]!, "/no such file", paths[1]!, paths[2]!]);
    assert.deepEqual(times[0], when);
    assert.ok(times[1] instanceof FtpError && times[1].meaning === "notFound", String(times[1]));
    assert.deepEqual(times.slice(2), [when + 1000, when + 2000]);
    assert.deepEqual(await remote.mtimes([]), []);
    assert.ok(!remote.closed);
  });

  if (srv.mode === "plain") {
    await t.step("an aborted transfer rejects and closes the connection", async () => {
      const aborting = await connectRemoteFs(optionsFor(srv));
      await srv.writeFile("abort.bin", pseudoRandomBytes(64 * MIB, 9));
      const local = await Deno.makeTempFile({ prefix: "ftp-clone-abort-" });
      const ac = new AbortController();
      const stop = onFirstBytes(local, () => ac.abort());
      try {
        const err = await aborting.downloadToFile("/abort.bin", local, { signal: ac.signal }).then(
          () => undefined,
          (e) => e,
        );
        assert.ok(err instanceof FtpError && err.code === "ABORT_ERR", `got ${err}`);
        assert.ok(Deno.statSync(local).size < 64 * MIB);
        assert.equal(aborting.closed, true);
      } finally {
        stop();
        await aborting.close();
        await Deno.remove(local);
      }
    });
  }

  if (srv.mode !== "plain") {
    await t.step("20 rounds of upload/download/list on 3 connections at once", async () => {
      const pool = new FtpPool(() => connectRemoteFs(optionsFor(srv)), { size: 3 });
      try {
        const failures: string[] = [];
        await Promise.all([0, 1, 2].map((c) =>
          pool.use(async (r) => {
            for (let i = 0; i < 20; i++) {
              try {
                const data = pseudoRandomBytes(1000 + i, c * 100 + i + 1);
                await putBytes(r, `/round-${c}-${i}.bin`, data);
                assert.equal(sha256(await fetchBytes(r, `/round-${c}-${i}.bin`)), sha256(data));
                assert.ok((await r.list("/")).some((e) => e.name === `round-${c}-${i}.bin`));
              } catch (e) {
                failures.push(`connection ${c} round ${i}: ${e}`);
              }
            }
          })
        ));
        assert.deepEqual(failures, []);
      } finally {
        await pool.close();
      }
    });

    await t.step("a 4 MiB download over TLS completes", async () => {
      const data = pseudoRandomBytes(4 * MIB, 11);
      await putBytes(remote, "/slow.bin", data);
      assert.equal(sha256(await fetchBytes(remote, "/slow.bin")), sha256(data));
    });

    await t.step("a right fingerprint is accepted, a wrong one refused before login", async () => {
      const before = (await srv.commandLog()).length;
      const wrong = srv.certFingerprint.replace(/^./, (c) => (c === "0" ? "1" : "0"));
      const err = await connectRemoteFs(optionsFor(srv, { tlsFingerprint: wrong })).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(err instanceof FtpError, `expected an FtpError, got ${err}`);
      assert.equal(err.code, "CERT_FINGERPRINT_MISMATCH");
      assert.equal(err.transient, false);
      assert.match(err.message, new RegExp(srv.certFingerprint));
      // The pin is accepted whatever TlsVerify says.
      const ok = await connectRemoteFs(optionsFor(srv, { tlsVerify: false }));
      await ok.close();
      const log = (await srv.commandLog()).slice(before);
      if (srv.kind !== "pure-ftpd") {
        // pure-ftpd logs only transfers; vsftpd and proftpd log every command.
        const users = log.match(/USER /g) ?? [];
        assert.equal(users.length, 1, `one USER (the good login) expected in:\n${log}`);
      }
    });

    await t.step("default verification refuses the self-signed certificate", async () => {
      const err = await connectRemoteFs(optionsFor(srv, { tlsFingerprint: undefined })).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(err instanceof FtpError, `expected an FtpError, got ${err}`);
      assert.equal(err.transient, false);
      assert.match(err.message, new RegExp(`TlsFingerprint = ${srv.certFingerprint}`));
      // tlsVerify = false lets it in.
      const ok = await connectRemoteFs(
        optionsFor(srv, { tlsFingerprint: undefined, tlsVerify: false }),
      );
      assert.ok((await ok.list("/")).length > 0);
      await ok.close();
    });
  }
}

async function killMidTransfer(kind: ServerKind, mode: TlsMode): Promise<void> {
  await using srv = await startServer({ kind, mode });
  await srv.writeFile("big.bin", pseudoRandomBytes(64 * MIB, 3));
  const remote = await connectRemoteFs(optionsFor(srv));
  const local = await Deno.makeTempFile({ prefix: "ftp-clone-killed-" });
  let killed: Promise<void> | undefined;
  const stop = onFirstBytes(local, () => killed = srv.kill());
  const err = await remote.downloadToFile("/big.bin", local).then(() => undefined, (e) => e);
  stop();
  await killed;
  await remote.close();
  const received = Deno.statSync(local).size;
  await Deno.remove(local);
  assert.ok(received < 64 * MIB, "the transfer should not have completed");
  assert.ok(err instanceof FtpError, `expected an FtpError, got ${err}`);
  assert.equal(err.transient, true, err.message);
  await srv.restart();
  const fresh = await connectRemoteFs(optionsFor(srv));
  try {
    assert.ok((await fresh.list("/")).some((e) => e.name === "big.bin"));
  } finally {
    await fresh.close();
  }
}
