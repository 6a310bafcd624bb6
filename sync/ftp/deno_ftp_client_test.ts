import assert from "node:assert/strict";
import { type HostileScript, startHostileServer } from "../../tests/support/hostile_ftp_server.ts";
import { connectRemoteFs } from "./connect_remote_fs.ts";
import { FtpError } from "./errors.ts";

const GOOD_MLSD = "type=file;size=5;modify=20260101120000; f\r\n";

/** Connects to a hostile server running `script` (1 s timeout) and runs `op`. */
async function withServer(
  script: HostileScript,
  op: (remote: Awaited<ReturnType<typeof connectRemoteFs>>, dir: string) => Promise<void>,
): Promise<void> {
  const srv = await startHostileServer(script);
  const dir = await Deno.makeTempDir();
  try {
    const remote = await connectRemoteFs({
      host: srv.host,
      port: srv.port,
      type: "ftp",
      user: srv.user,
      password: srv.password,
      tlsVerify: true,
      timeoutMs: 1_000,
    });
    try {
      await op(remote, dir);
    } finally {
      await remote.close();
    }
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const endless: HostileScript = {
  listings: { "/d": { mlsd: GOOD_MLSD } },
  files: { "/d/f": { data: "hello", dripForever: { line: "more", everyMs: 50 } } },
};

Deno.test("expectedSize: a download that sends more than listed fails at once", async (t) => {
  const sinks: [
    string,
    (dir: string) => (r: Awaited<ReturnType<typeof connectRemoteFs>>) => Promise<void>,
  ][] = [
    ["to a file", (dir) => (r) => r.downloadToFile("/d/f", `${dir}/out`, { expectedSize: 5 })],
  ];
  for (const [what, run] of sinks) {
    await t.step(what, async () => {
      await withServer(endless, async (remote, dir) => {
        const started = performance.now();
        const error = await run(dir)(remote).then(() => undefined, (e) => e);
        assert.ok(error instanceof FtpError, String(error));
        assert.equal(error.transient, true);
        assert.equal(error.code, "EFBIG");
        assert.match(error.message, /more than the 5 bytes listed arrived/);
        // Well before the throughput deadline (4 s): the tracker polls every 500 ms.
        assert.ok(performance.now() - started < 2_000);
        // Bytes beyond the limit are never written (the chunk that crosses it is dropped).
        if (what === "to a file") assert.ok(Deno.statSync(`${dir}/out`).size <= 5);
      });
    });
  }
});

Deno.test("expectedSize: a download of exactly the listed size succeeds", async () => {
  await withServer(
    { listings: { "/d": { mlsd: GOOD_MLSD } }, files: { "/d/f": { data: "hello" } } },
    async (remote, dir) => {
      await remote.downloadToFile("/d/f", `${dir}/out`, { expectedSize: 5 });
      assert.equal(Deno.readTextFileSync(`${dir}/out`), "hello");
    },
  );
});

Deno.test("a 425 when the data connection cannot be opened is tried once more", async () => {
  let refusals = 0;
  await withServer({
    listings: { "/d": { mlsd: GOOD_MLSD } },
    files: { "/d/f": "hello" },
    // proftpd answers so when its passive port is still taken: nothing was transferred yet.
    onCommand: (verb) => {
      if (verb !== "RETR" || refusals > 0) return undefined;
      refusals++;
      return "425 EPSV: Address already in use";
    },
  }, async (remote, dir) => {
    await remote.downloadToFile("/d/f", `${dir}/out`, { expectedSize: 5 });
    assert.equal(await Deno.readTextFile(`${dir}/out`), "hello");
    assert.equal(refusals, 1);
  });
});

Deno.test("deno_ftp_client.ts is written for basic-ftp 6.2.6 (it replaces and calls its internals)", async () => {
  // When this fails: re-check every basic-ftp internal that deno_ftp_client.ts and
  // native_transfer.ts use (ftp.send, ftp.handle, parseList, _handleConnectResponse,
  // closeWithError) and the FTPS notes of tls_options.ts, then update the version here.
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  assert.equal(config.imports["basic-ftp"], "npm:basic-ftp@6.2.6");
});
