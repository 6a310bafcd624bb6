import assert from "node:assert/strict";
import { type HostileScript, startHostileServer } from "../../tests/support/hostile_ftp_server.ts";
import { FtpError } from "./errors.ts";
import { type FtpConnectionOptions, openConnection, PROBE_WAIT_MS } from "./ftp_login.ts";
import { type FtpConnection, type ProtocolQuirks, quirkRecord } from "./ftp_connection.ts";

type Hostile = Awaited<ReturnType<typeof startHostileServer>>;

/** Runs `fn` against a hostile server running `script`; `open` logs in (plain FTP). */
async function withServer(
  script: HostileScript,
  fn: (
    srv: Hostile,
    open: (
      quirks?: ProtocolQuirks,
      timeoutMs?: number,
      extra?: Partial<FtpConnectionOptions>,
    ) => Promise<FtpConnection>,
  ) => Promise<void>,
): Promise<void> {
  await using srv = await startHostileServer(script);
  const sessions: FtpConnection[] = [];
  try {
    await fn(srv, async (quirks = quirkRecord(), timeoutMs = 2_000, extra = {}) => {
      const session = await openConnection({
        host: srv.host,
        port: srv.port,
        type: "ftp",
        user: srv.user,
        password: srv.password,
        tlsVerify: true,
        timeoutMs,
        quirks,
        ...extra,
      });
      sessions.push(session);
      return session;
    });
  } finally {
    for (const session of sessions) await session.close();
  }
}

const SETUP = ["TYPE I", "OPTS UTF8 ON", "OPTS MLST type;size;modify;", "PWD"];

/** Downloads `path` into a string. */
async function fetchText(session: FtpConnection, path: string, before: string[] = []) {
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const result = await session.transfer({
    command: `RETR ${path}`,
    data: { receive: (chunk) => chunks.push(decoder.decode(chunk, { stream: true })) },
    before,
  });
  return { text: chunks.join(""), before: result.before };
}

Deno.test("login: the first connection learns pipelining, the next logs in with one write", async () => {
  await withServer({}, async (srv, open) => {
    const quirks = quirkRecord();
    const first = await open(quirks);
    assert.equal(quirks.facts.pipelining, true);
    assert.equal(first.home, "/");
    assert.match(first.feat?.message ?? "", /^ MLST /m);
    assert.deepEqual(srv.batches, [["USER hostile"], ["PASS"], ["FEAT"], SETUP]);
    // FEAT wanted: USER, PASS and FEAT together, then the set-up FEAT decides.
    const seen: (string | undefined)[] = [];
    await open(quirks, undefined, {
      setup: (feat) => {
        seen.push(feat?.message.split("\n")[0]);
        return ["TYPE I"];
      },
    });
    assert.deepEqual(seen, ["211-Features:"]);
    assert.deepEqual(srv.batches.slice(4), [["USER hostile", "PASS", "FEAT"], ["TYPE I", "PWD"]]);
    // Features known: everything in one write.
    await open(quirks, undefined, { wantFeatures: () => false });
    assert.deepEqual(srv.batches.slice(6), [["USER hostile", "PASS", ...SETUP]]);
  });
});

Deno.test("login: a server that drops pipelined commands is found once, then served one at a time", async () => {
  await withServer({ pipelining: false, files: { "/a": "A", "/b": "B" } }, async (srv, open) => {
    const quirks = quirkRecord();
    const started = performance.now();
    const first = await open(quirks);
    assert.equal(quirks.facts.pipelining, false);
    // One probe wait, one connection dropped.
    assert.ok(performance.now() - started < PROBE_WAIT_MS + 1_500);
    assert.equal(srv.connections, 2);
    const mdtms = await first.commands(["MDTM /a", "MDTM /b", "MDTM /c"]);
    assert.deepEqual(mdtms.map((r) => r instanceof FtpError ? r.meaning : r.code), [
      213,
      213,
      "notFound",
    ]);
    assert.equal((await fetchText(first, "/a", ["MDTM /a"])).text, "A");
    await open(quirks);
    assert.equal(srv.connections, 3);
    assert.ok(srv.batches.every((batch) => batch.length === 1), JSON.stringify(srv.batches));
  });
});

Deno.test("login: a server whose greeting names IIS is served one command at a time", async () => {
  await withServer({ greeting: "220 Microsoft FTP Service" }, async (srv, open) => {
    const quirks = quirkRecord();
    await open(quirks);
    assert.equal(quirks.facts.pipelining, false);
    assert.equal(srv.connections, 1);
    assert.ok(srv.batches.every((batch) => batch.length === 1), JSON.stringify(srv.batches));
  });
});

Deno.test("commands: 300 MDTMs in one write, each reply matched to its command", async () => {
  const times: Record<string, string> = {};
  const files: Record<string, string> = {};
  for (let i = 0; i < 300; i++) {
    if (i === 150) continue; // missing: refused in the middle of the batch
    files[`/f${i}`] = "x";
    times[`/f${i}`] = `2025010100${String(Math.floor(i / 60)).padStart(2, "0")}${
      String(i % 60).padStart(2, "0")
    }`;
  }
  await withServer({ files, times }, async (srv, open) => {
    const session = await open();
    const before = srv.batches.length;
    const paths = Array.from({ length: 300 }, (_, i) => `/f${i}`);
    const replies = await session.commands(paths.map((p) => `MDTM ${p}`));
    for (const [i, reply] of replies.entries()) {
      if (i === 150) {
        assert.ok(reply instanceof FtpError && reply.meaning === "notFound", String(reply));
        continue;
      }
      assert.ok(!(reply instanceof FtpError));
      assert.equal(reply.message, `213 ${times[`/f${i}`]}`);
    }
    assert.deepEqual(srv.batches.slice(before), [paths.map((p) => `MDTM ${p}`)]);
    assert.equal(session.closed, false);
  });
});

Deno.test("transfer: MDTM, EPSV and RETR go in one write once EPSV is known to work", async () => {
  await withServer({ files: { "/a": "hello" } }, async (srv, open) => {
    const session = await open();
    const first = await fetchText(session, "/a", ["MDTM /a"]);
    assert.equal(first.text, "hello");
    assert.deepEqual(first.before, [{ code: 213, message: "213 20260101000000" }]);
    const at = srv.batches.length;
    assert.equal((await fetchText(session, "/a", ["MDTM /a"])).text, "hello");
    assert.deepEqual(srv.batches.slice(at - 2), [
      ["MDTM /a", "EPSV"],
      ["RETR /a"],
      ["MDTM /a", "EPSV", "RETR /a"],
    ]);
  });
});

Deno.test("transfer: a refused EPSV falls back to PASV, learned once", async () => {
  await withServer({
    files: { "/a": "hello" },
    onCommand: (verb) => verb === "EPSV" ? "502 EPSV not implemented" : undefined,
  }, async (srv, open) => {
    const quirks = quirkRecord();
    const session = await open(quirks);
    for (let i = 0; i < 3; i++) {
      const got = await fetchText(session, "/a", ["MDTM /a"]);
      assert.equal(got.text, "hello");
      assert.deepEqual(got.before, [{ code: 213, message: "213 20260101000000" }]);
    }
    assert.equal(quirks.facts.epsv, false);
    const passive = srv.commands.filter((c) => c === "EPSV" || c === "PASV");
    assert.deepEqual(passive, ["EPSV", "PASV", "PASV", "PASV"]);
    // Once PASV is known, the RETR goes with it.
    assert.deepEqual(srv.batches.at(-1), ["MDTM /a", "PASV", "RETR /a"]);
  });
});

Deno.test("transfer: a resumed download waits for REST's 350; a refused REST moves no byte", async () => {
  let refuse = false;
  await withServer({
    files: { "/r": "0123456789" },
    onCommand: (verb) => verb === "REST" && refuse ? "502 REST not implemented" : undefined,
  }, async (srv, open) => {
    const session = await open();
    const chunks: string[] = [];
    const receive = (chunk: Uint8Array) => chunks.push(new TextDecoder().decode(chunk));
    await session.transfer({ command: "RETR /r", data: { receive }, restAt: 4 });
    assert.equal(chunks.join(""), "456789");
    assert.deepEqual(srv.batches.slice(-2), [["EPSV", "REST 4"], ["RETR /r"]]);
    refuse = true;
    chunks.length = 0;
    const error = await session.transfer({ command: "RETR /r", data: { receive }, restAt: 4 })
      .then(() => undefined, (e) => e);
    assert.ok(error instanceof FtpError && error.meaning === "unsupported", String(error));
    assert.deepEqual(chunks, []);
    assert.equal(srv.commands.filter((c) => c === "RETR /r").length, 1);
  });
});

Deno.test("transfer: more bytes than allowed fail at once, the excess never handed on", async () => {
  const data = new Uint8Array(100_000).fill(7);
  await withServer({ files: { "/big": { data, chunkSize: 10_000 } } }, async (_srv, open) => {
    const session = await open();
    let received = 0;
    const error = await session.transfer({
      command: "RETR /big",
      data: { receive: (chunk) => received += chunk.length },
      maxBytes: 25_000,
      tooLarge: () => new FtpError("too large", { code: "EFBIG", transient: true }),
    }).then(() => undefined, (e) => e);
    assert.ok(error instanceof FtpError && error.code === "EFBIG", String(error));
    assert.ok(received <= 25_000, `${received} bytes handed on`);
    assert.equal(session.closed, true);
  });
});

Deno.test("transfer: a refused CWD before a LIST stops it, nothing listed", async () => {
  await withServer({
    listings: { "/d": { list: "-rw-r--r-- 1 u g 1 Jan  1  2026 f\r\n" } },
  }, async (srv, open) => {
    const session = await open();
    await session.list("LIST -a /d"); // EPSV learned: the next LIST could go with it
    const error = await session.list("LIST", { before: ["CWD /missing"], requireBefore: true })
      .then(() => undefined, (e) => e);
    assert.ok(error instanceof FtpError && error.meaning === "notFound", String(error));
    assert.equal(srv.commands.filter((c) => c === "LIST").length, 0);
    assert.deepEqual(srv.batches.at(-1), ["CWD /missing", "EPSV"]);
    assert.equal(session.closed, false);
    const text = await session.list("LIST", { before: ["CWD /d"], requireBefore: true });
    assert.match(text, / f\r\n$/);
  });
});

Deno.test("transfer: an upload's STOR waits for the EPSV's reply (no file for a failed EPSV)", async () => {
  let refuse = false;
  await withServer({
    onCommand: (verb) => verb === "EPSV" && refuse ? "425 EPSV: Address already in use" : undefined,
  }, async (srv, open) => {
    const session = await open();
    const data = { send: new TextEncoder().encode("x") };
    await session.transfer({ command: "STOR /u1", data });
    await session.transfer({ command: "STOR /u2", data });
    assert.deepEqual(srv.batches.slice(-2), [["EPSV"], ["STOR /u2"]]);
    refuse = true;
    const error = await session.transfer({ command: "STOR /u3", data }).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(error instanceof FtpError && error.code === 425, String(error));
    assert.ok(!srv.commands.includes("STOR /u3"), srv.commands.join(", "));
    assert.equal(srv.stored.has("/u3"), false);
  });
});

Deno.test("transfer: a refused RETR keeps the connection", async () => {
  await withServer({ files: { "/a": "A" } }, async (_srv, open) => {
    const session = await open();
    for (let i = 0; i < 2; i++) {
      const error = await fetchText(session, "/missing").then(() => undefined, (e) => e);
      assert.ok(error instanceof FtpError && error.meaning === "notFound", String(error));
      assert.equal(session.closed, false);
    }
    assert.equal((await fetchText(session, "/a")).text, "A");
  });
});

Deno.test("transfer: an upload's bytes arrive whole (array and reader)", async () => {
  await withServer({}, async (srv, open) => {
    const session = await open();
    await session.transfer({
      command: "STOR /u1",
      data: { send: new TextEncoder().encode("abc") },
    });
    const parts = ["de", "", "fgh"];
    await session.transfer({
      command: "STOR /u2",
      data: {
        send: (buffer) => {
          const part = parts.shift();
          if (part === undefined) return null;
          return new TextEncoder().encodeInto(part, buffer).written;
        },
      },
    });
    await session.transfer({ command: "STOR /u3", data: { send: new Uint8Array() } });
    assert.equal(new TextDecoder().decode(srv.stored.get("/u1")), "abc");
    assert.equal(new TextDecoder().decode(srv.stored.get("/u2")), "defgh");
    assert.equal(srv.stored.get("/u3")?.length, 0);
  });
});

Deno.test("login: the password is never in an error, even when the server repeats it", async () => {
  await withServer({
    onCommand: (verb, arg) => verb === "PASS" ? `530 Bad password "${arg}"` : undefined,
  }, async (srv, open) => {
    const error = await open().then(() => undefined, (e) => e);
    assert.ok(error instanceof FtpError, String(error));
    assert.equal(error.code, 530);
    assert.equal(error.meaning, "refused");
    assert.doesNotMatch(`${error.message} ${error.command}`, new RegExp(srv.password));
    assert.match(error.message, /Cannot log in to .* as "hostile"/);
  });
});

Deno.test("login: a server that does not speak FTP is a permanent error", async () => {
  await withServer({ greeting: "SSH-2.0-OpenSSH_9.2" }, async (_srv, open) => {
    const error = await open().then(() => undefined, (e) => e);
    assert.ok(error instanceof FtpError, String(error));
    assert.equal(error.transient, false);
    assert.match(error.message, /SSH-2\.0-OpenSSH_9\.2/);
  });
});

Deno.test("deadlines: silence, a dripped reply and a stalled transfer end in ETIMEDOUT", async (t) => {
  const rows: [string, HostileScript, (s: FtpConnection) => Promise<unknown>][] = [
    [
      "a silent reply",
      { onCommand: (v) => v === "MDTM" ? { silence: true } : undefined },
      (s) => s.command("MDTM /a"),
    ],
    [
      "a reply dripped slower than its deadline",
      { onCommand: (v) => v === "MDTM" ? { drip: "213 20260101000000", everyMs: 100 } : undefined },
      (s) => s.command("MDTM /a"),
    ],
    ["150 then silence", { files: { "/a": { silenceAfter150: true } } }, (s) => fetchText(s, "/a")],
    [
      "226 while the data connection never ends",
      { files: { "/a": { data: "x", holdOpen: true } } },
      (s) => fetchText(s, "/a"),
    ],
    [
      "a download that never ends",
      { files: { "/a": { data: "x", dripForever: { line: "more", everyMs: 50 } } } },
      (s) => fetchText(s, "/a"),
    ],
  ];
  for (const [what, script, op] of rows) {
    await t.step(what, async () => {
      await withServer({ files: { "/a": "A" }, ...script }, async (_srv, open) => {
        const session = await open(quirkRecord(), 300);
        const started = performance.now();
        const error = await op(session).then(() => undefined, (e) => e);
        assert.ok(error instanceof FtpError, String(error));
        assert.equal(error.code, "ETIMEDOUT");
        assert.equal(error.transient, true);
        // Within the total deadline (4 x 300 ms) plus a margin; the rate rule allows the
        // endless download its grace and its bytes (~80 bytes/s: a few ms more).
        assert.ok(performance.now() - started < 3_000, `${performance.now() - started} ms`);
        assert.equal(session.closed, true);
      });
    });
  }
});

Deno.test("an unsolicited reply (421 on an idle connection) closes it", async () => {
  await withServer({
    onCommand: (verb) => verb === "NOOP" ? "200 Ok\r\n421 Timeout, closing" : undefined,
  }, async (_srv, open) => {
    const session = await open();
    await session.command("NOOP");
    while (!session.closed) await new Promise((resolve) => setTimeout(resolve, 5));
    const error = await session.command("PWD").then(() => undefined, (e) => e);
    assert.ok(error instanceof FtpError && error.transient, String(error));
    assert.match(error.message, /421 Timeout, closing/);
  });
});

Deno.test("destroy during a transfer rejects it and closes the connection", async () => {
  await withServer({
    files: { "/a": { data: "x", dripForever: { line: "more", everyMs: 10 } } },
  }, async (_srv, open) => {
    const session = await open();
    let first: () => void;
    const arrived = new Promise<void>((resolve) => first = resolve);
    const transfer = session.transfer({ command: "RETR /a", data: { receive: () => first() } });
    await arrived;
    session.destroy();
    const error = await transfer.then(() => undefined, (e) => e);
    assert.ok(error instanceof FtpError, String(error));
    assert.equal(session.closed, true);
  });
});
