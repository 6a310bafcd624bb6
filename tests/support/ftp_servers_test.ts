import assert from "node:assert/strict";
import {
  ignoreUnlessServer,
  requireServer,
  SERVER_MATRIX,
  type ServerKind,
  serverMissing,
  startServer,
  type TestServer,
} from "./ftp_servers.ts";
import { sweepStaleClaims } from "./ftp_server_ports.ts";
import { RawFtpClient } from "./ftp_server_probe.ts";
import { instanceProcesses } from "./ftp_server_procs.ts";
import { TEST_USER } from "./ftp_server_user.ts";

const KINDS: ServerKind[] = ["vsftpd", "pure-ftpd", "proftpd"];
const ignore = KINDS.some((k) => ignoreUnlessServer(k));

/** Resolves true when something accepts a TCP connection on 127.0.0.1:port. */
async function portOpen(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch (e) {
    assert.ok(e instanceof Deno.errors.ConnectionRefused, `unexpected error: ${e}`);
    return false;
  }
}

function pidAlive(pid: number): boolean {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^[ZX]/.test(s.slice(s.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
}

async function loginOk(srv: TestServer): Promise<RawFtpClient> {
  const client = await RawFtpClient.connect(srv.port, { mode: srv.mode });
  try {
    assert.equal(client.banner.code, 220, client.banner.text);
    const reply = await client.login(srv.user, srv.password);
    assert.equal(reply.code, 230, reply.text);
    if (srv.mode !== "plain") assert.equal(client.fingerprint(), srv.certFingerprint);
    return client;
  } catch (e) {
    await client.close();
    throw e;
  }
}

/** Wall-clock timings per (kind, mode), reported at the end of the matrix test. */
const timings: string[] = [];

Deno.test({
  name: "startServer: every kind and mode starts, logs in, and stops its whole tree",
  ignore,
  fn: async (t) => {
    for (const { kind, mode } of SERVER_MATRIX) {
      await t.step(`${kind} ${mode}`, async () => {
        const t0 = performance.now();
        await using srv = await startServer({ kind, mode });
        const startMs = performance.now() - t0;
        assert.equal(srv.kind, kind);
        assert.equal(srv.mode, mode);
        assert.equal(srv.host, "127.0.0.1");
        assert.equal(srv.user, TEST_USER);
        assert.match(srv.certFingerprint, /^[0-9a-f]{64}$/);
        assert.match(srv.certPem, /BEGIN CERTIFICATE/);
        // Generous bound against flakiness on a busy 2-core machine; typical is < 0.1 s.
        assert.ok(startMs < 5000, `start took ${startMs} ms`);
        assert.ok(srv.passivePorts.max - srv.passivePorts.min + 1 >= 40);

        const client = await loginOk(srv);
        try {
          const pwd = await client.send("PWD");
          assert.equal(pwd.code, 257, pwd.text);
          // A logged-in session exists: the tree holds more than the listener.
          const before = srv.processes();
          assert.ok(before.length >= 2, `expected listener + session, got ${before}`);

          const t1 = performance.now();
          await srv.stop();
          const stopMs = performance.now() - t1;
          timings.push(
            `${kind} ${mode}: start ${startMs.toFixed(0)} ms (banner after ` +
              `${srv.startupMs} ms), stop ${stopMs.toFixed(0)} ms`,
          );

          assert.deepEqual(srv.processes(), []);
          for (const pid of before) assert.ok(!pidAlive(pid), `pid ${pid} survived stop()`);
          assert.equal(await portOpen(srv.port), false, "port still accepts after stop()");
          await client.waitClosed(2000);
          assert.ok(client.closed, "the logged-in session was not disconnected");
          await srv.stop(); // Idempotent.
        } finally {
          await client.close();
        }
      });
    }
    // Reported (in the step name, since tests do not print); the bounds above are what is asserted.
    await t.step(`timings: ${timings.join("; ")}`, () => {});
  },
});

Deno.test({
  name: "kill() crashes the tree at once and restart() comes back on the same port and root",
  ignore,
  fn: async (t) => {
    for (const kind of KINDS) {
      await t.step(kind, async () => {
        await using srv = await startServer({ kind });
        await srv.writeFile("sub/dir/a.txt", "hello", { mtime: new Date("2020-01-02T03:04:05Z") });
        const st = await Deno.stat(`${srv.root}/sub/dir/a.txt`);
        const dirSt = await Deno.stat(`${srv.root}/sub/dir`);
        const owner = (await Deno.stat(srv.root)).uid;
        assert.equal(st.uid, owner);
        assert.equal(dirSt.uid, owner);
        assert.notEqual(owner, 0);
        assert.equal(st.mtime?.toISOString(), "2020-01-02T03:04:05.000Z");

        const client = await loginOk(srv);
        const before = srv.processes();
        await srv.kill();
        await client.waitClosed(2000);
        await client.close();
        assert.deepEqual(srv.processes(), []);
        for (const pid of before) assert.ok(!pidAlive(pid), `pid ${pid} survived kill()`);
        assert.equal(await portOpen(srv.port), false);

        const port = srv.port;
        await srv.restart();
        assert.equal(srv.port, port);
        await using again = await loginOk(srv);
        assert.equal((await again.send("TYPE I")).code, 200);
        const size = await again.send("SIZE sub/dir/a.txt");
        assert.equal(size.code, 213, size.text);
        assert.equal(size.text, "213 5");
        const log = await srv.commandLog();
        if (kind !== "pure-ftpd") assert.match(log, new RegExp(`USER ${TEST_USER}`));
      });
    }
  },
});

Deno.test({
  name: "maxClientsPerUser refuses the connection beyond the limit",
  ignore,
  fn: async (t) => {
    for (const kind of KINDS) {
      await t.step(kind, async () => {
        await using srv = await startServer({ kind, maxClientsPerUser: 2 });
        await using a = await loginOk(srv);
        await using b = await loginOk(srv);
        await using c = await RawFtpClient.connect(srv.port);
        // vsftpd and pure-ftpd refuse at connect (per IP), proftpd at login (per user).
        const refused = c.banner.code === 220 ? await c.login(srv.user, srv.password) : c.banner;
        assert.ok(refused.code === 421 || refused.code === 530, refused.text);
        assert.ok(a && b);
      });
    }
  },
});

Deno.test("serverMissing, requireServer and ignoreUnlessServer: skip locally, fail in CI", async () => {
  const saved = { dir: Deno.env.get("FTP_CLONE_SERVERS_DIR"), ci: Deno.env.get("CI") };
  const restore = (key: string, value: string | undefined) =>
    value === undefined ? Deno.env.delete(key) : Deno.env.set(key, value);
  try {
    Deno.env.set("FTP_CLONE_SERVERS_DIR", "/nonexistent-ftp-clone-servers");
    const missing = serverMissing("proftpd");
    assert.ok(
      missing.some((m) => m.includes("/nonexistent-ftp-clone-servers/proftpd")),
      `${missing}`,
    );
    Deno.env.set("CI", "false");
    assert.equal(await requireServer(undefined, "pure-ftpd"), false);
    assert.equal(ignoreUnlessServer("pure-ftpd"), true);
    Deno.env.set("CI", "true");
    await assert.rejects(requireServer(undefined, "pure-ftpd"), /pure-ftpd binary/);
    assert.equal(ignoreUnlessServer("pure-ftpd"), false);
  } finally {
    restore("FTP_CLONE_SERVERS_DIR", saved.dir);
    restore("CI", saved.ci);
  }
});

Deno.test({
  name: "startServer rejects pure-ftpd implicit TLS with a clear message",
  ignore,
  fn: async () => {
    await assert.rejects(startServer({ kind: "pure-ftpd", mode: "implicit" }), /no implicit TLS/);
  },
});

Deno.test({
  name: "options reach the server: extraConfig, env, proftpd switches, session reuse",
  ignore,
  fn: async (t) => {
    await t.step("proftpd", async () => {
      await using srv = await startServer({
        kind: "proftpd",
        mode: "explicit",
        allowOverwrite: false,
        allowRestart: false,
        sessionReuseRequired: false,
        extraConfig: ['ServerIdent on "harness-ident"'],
      });
      await using c = await RawFtpClient.connect(srv.port, { mode: "explicit" });
      assert.match(c.banner.text, /harness-ident/);
      const conf = await Deno.readTextFile(`${srv.logDir}/proftpd.conf`);
      assert.match(conf, /^AllowOverwrite off$/m);
      assert.match(conf, /^AllowStoreRestart off$/m);
      assert.match(conf, /^TLSOptions NoSessionReuseRequired$/m);
    });
    await t.step("vsftpd keeps session reuse required by default", async () => {
      await using srv = await startServer({
        kind: "vsftpd",
        mode: "implicit",
        extraConfig: ["ftpd_banner=harness-banner"],
        env: { TZ: "Asia/Tokyo" },
      });
      await using c = await RawFtpClient.connect(srv.port, { mode: "implicit" });
      assert.equal(c.banner.text, "220 harness-banner");
      const conf = await Deno.readTextFile(`${srv.logDir}/vsftpd.conf`);
      assert.match(conf, /^require_ssl_reuse=YES$/m);
      // vsftpd keeps its environment block intact (proftpd overwrites it with its process title).
      const [listener] = srv.processes();
      const environ = await Deno.readTextFile(`/proc/${listener}/environ`);
      assert.ok(environ.split("\0").includes("TZ=Asia/Tokyo"));
    });
  },
});

Deno.test("instanceProcesses never matches foreign processes", () => {
  assert.deepEqual(instanceProcesses(1, undefined), []);
  assert.deepEqual(instanceProcesses(Deno.pid, undefined), []);
  assert.deepEqual(instanceProcesses(undefined, { root: "\0", runDir: "\0" }), []);
  assert.deepEqual(instanceProcesses(undefined, { root: "/", runDir: "/tmp" }), []);
});

Deno.test({
  name: "a server left by a killed harness process is killed and cleaned by the next claim sweep",
  ignore,
  fn: async () => {
    const url = new URL("./ftp_servers.ts", import.meta.url).href;
    const script = `const { startServer } = await import(${JSON.stringify(url)});
      const s = await startServer({ kind: "vsftpd" });
      console.log(JSON.stringify({ port: s.port, pids: s.processes(), dir: s.logDir }));
      await new Promise((r) => setTimeout(r, 60000));`;
    // The child's temp dirs (its certificate has no owner left to remove it) go into our own dir.
    const tmp = await Deno.makeTempDir({ prefix: "ftp-clone-harness-test-" });
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["eval", script],
        env: { TMPDIR: tmp },
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let line = "";
      while (!line.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        line += value;
      }
      child.kill("SIGKILL"); // The harness process dies without any cleanup.
      await child.status;
      await reader.cancel();
      const left: { port: number; pids: number[]; dir: string } = JSON.parse(line);
      assert.ok(
        left.pids.length > 0 && left.pids.every(pidAlive),
        "server should outlive its owner",
      );
      assert.equal(await portOpen(left.port), true);

      await sweepStaleClaims();
      // SIGKILL is delivered asynchronously: on a loaded machine a killed process can still show
      // as running for a moment. Wait up to 5 s for each one.
      for (const pid of left.pids) {
        for (let waited = 0; pidAlive(pid) && waited < 5000; waited += 50) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.ok(!pidAlive(pid), `pid ${pid} survived the sweep`);
      }
      assert.equal(await portOpen(left.port), false);
      await assert.rejects(Deno.stat(left.dir), Deno.errors.NotFound);
    } finally {
      await sweepStaleClaims(); // Also when an assertion failed before the sweep.
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
