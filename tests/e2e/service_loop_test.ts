/**
 * `ftp-clone service` as a spawned process against vsftpd on 127.0.0.1: sd_notify (READY,
 * RELOADING, STOPPING) through a datagram socket the test listens on, the first pass, a pass
 * started by a local change (and none by the pass's own writes), SIGHUP with a broken file
 * (refused, logged at error priority) and with a new ServiceWait (taken at once), SIGTERM (exit 0
 * within seconds, no temporary file left), and a misconfigured section left out.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cliEnv, MOD_TS, REPO_ROOT } from "../support/cli.ts";
import { requireServer, startServer } from "../support/ftp_servers.ts";
import { encryptPassword, loadSecretKey } from "../../config/mod.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Password value of section `section` for the ini at `ini` (creates secret.key). */
async function password(ini: string, plain: string, section = "FTP1"): Promise<string> {
  return await encryptPassword(plain, (await loadSecretKey(ini, { create: true }))!, { section });
}

/** A running `ftp-clone service` with its stderr lines and sd_notify messages collected. */
class ServiceProcess implements AsyncDisposable {
  readonly lines: string[] = [];
  readonly notifications: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #socket: Deno.DatagramConn;
  readonly #reading: Promise<void>;
  readonly status: Promise<Deno.CommandStatus>;

  constructor(ini: string, stateDir: string, socketPath: string) {
    this.#socket = Deno.listenDatagram({ path: socketPath, transport: "unixpacket" });
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", MOD_TS, "--config", ini, "service"],
      cwd: REPO_ROOT,
      clearEnv: true,
      env: cliEnv({
        FTP_CLONE_STATE_DIR: stateDir,
        NOTIFY_SOCKET: socketPath,
        // Journal format: priority prefixes, no timestamps.
        JOURNAL_STREAM: "8:1234",
      }),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.status = this.#child.status;
    const collect = async (stream: ReadableStream<Uint8Array>) => {
      let rest = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        rest += chunk;
        const parts = rest.split("\n");
        rest = parts.pop() ?? "";
        this.lines.push(...parts);
      }
    };
    this.#reading = Promise.all([collect(this.#child.stdout), collect(this.#child.stderr)])
      .then(() => {});
    const socket = this.#socket;
    (async () => {
      try {
        for (;;) {
          const [data] = await socket.receive();
          this.notifications.push(new TextDecoder().decode(data));
        }
      } catch {
        // socket closed
      }
    })();
  }

  kill(signal: Deno.Signal): void {
    this.#child.kill(signal);
  }

  /** Waits until `predicate` holds, or fails with the log so far. */
  async until(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<number> {
    const started = Date.now();
    while (!predicate()) {
      if (Date.now() - started > timeoutMs) {
        assert.fail(`Timed out waiting for ${what}; the service said:\n${this.lines.join("\n")}`);
      }
      await sleep(50);
    }
    return Date.now() - started;
  }

  count(re: RegExp): number {
    return this.lines.filter((line) => re.test(line)).length;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // exited
    }
    await this.status;
    await this.#reading;
    this.#socket.close();
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function tempNames(dir: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.name.startsWith(".ftp-clone.")) found.push(entry.name);
    if (entry.isDirectory) found.push(...tempNames(join(dir, entry.name)));
  }
  return found;
}

Deno.test("service: passes, watch, reload, SIGTERM, with sd_notify", async (t) => {
  if (!(await requireServer(t, "vsftpd"))) return;
  await using srv = await startServer({ kind: "vsftpd" });
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-e2e-service-" });
  try {
    const local = join(dir, "local");
    await Deno.mkdir(local);
    await Deno.writeTextFile(join(local, "local.txt"), "from local");
    await srv.writeFile("remote.txt", "from remote");
    const ini = join(dir, "parametre.ini");
    const head = "[Service]\nServiceWait = 10\nWatch = yes\nLogLevel = info\n\n";
    await Deno.writeTextFile(
      ini,
      `${head}[FTP1]\nServer = 127.0.0.1\nPort = ${srv.port}\nUser = ${srv.user}\n` +
        `Password = ${await password(ini, srv.password)}\nRemote_dir = /\nLocal_dir = ${local}\n`,
    );
    await using svc = new ServiceProcess(ini, join(dir, "state"), join(dir, "notify.sock"));

    await t.step("READY=1, then the first pass copies both ways", async () => {
      await svc.until("READY=1", () => svc.notifications.some((n) => n.startsWith("READY=1")));
      await svc.until("the first pass", () => svc.count(/^<6>\[FTP1\] Pass ok in /) === 1);
      assert.equal(await Deno.readTextFile(join(local, "remote.txt")), "from remote");
      assert.equal(await Deno.readTextFile(join(srv.root, "local.txt")), "from local");
      assert.match(await Deno.readTextFile(ini), /^Identifier = [0-9a-f]{40}$/m);
      await svc.until(
        "STATUS=",
        () => svc.notifications.some((n) => n.startsWith("STATUS=FTP1 ok")),
      );
    });

    await t.step("the pass's own download starts no pass; a local change does", async () => {
      await sleep(3000); // longer than the 2 s settle time
      assert.equal(svc.count(/Pass ok in /), 1, svc.lines.join("\n"));
      await Deno.writeTextFile(join(local, "watched.txt"), "seen");
      // ServiceWait is 10 min: only the watch can start this pass (~2 s settle + the pass).
      await svc.until("the second pass", () => svc.count(/Pass ok in /) === 2, 30_000);
      assert.ok(exists(join(srv.root, "watched.txt")));
      assert.match(svc.lines.findLast((l) => l.includes("Pass ok in")) ?? "", /1 uploaded/);
    });

    await t.step(
      "SIGHUP with a broken file: refused at error priority, still running",
      async () => {
        const good = await Deno.readTextFile(ini);
        await Deno.writeTextFile(ini, good.replace("ServiceWait = 10", "ServiceWait = soon"));
        svc.kill("SIGHUP");
        await svc.until("the refusal", () => svc.count(/^<3>.*refused/) === 1);
        assert.ok(
          svc.lines.some((l) => /^<3>.*parametre\.ini:2: \[Service\] ServiceWait: /.test(l)),
        );
        await Deno.writeTextFile(ini, good.replace("ServiceWait = 10", "ServiceWait = 0.05"));
      },
    );

    await t.step(
      "SIGHUP with ServiceWait = 0.05: a remote change arrives within seconds",
      async () => {
        svc.kill("SIGHUP");
        await svc.until("the reload", () => svc.count(/Configuration reloaded: 1 section/) === 1);
        assert.ok(svc.notifications.some((n) => /^RELOADING=1\nMONOTONIC_USEC=\d+$/.test(n)));
        await srv.writeFile("later.txt", "polled");
        const ms = await svc.until("the download", () => exists(join(local, "later.txt")));
        assert.ok(ms < 10_000, `${ms} ms`);
      },
    );

    await t.step("SIGTERM: STOPPING=1, exit 0 within seconds, no temporary file", async () => {
      const started = Date.now();
      svc.kill("SIGTERM");
      const status = await svc.status;
      const ms = Date.now() - started;
      assert.equal(status.code, 0, svc.lines.join("\n"));
      assert.ok(ms < 10_000, `${ms} ms`);
      assert.ok(svc.notifications.some((n) => n.startsWith("STOPPING=1")));
      assert.deepEqual(tempNames(local), []);
      assert.deepEqual(tempNames(srv.root), []);
      assert.equal(svc.count(/^<[0-4]>/), 2, "only the refused reload's lines are errors");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("service: a misconfigured section is left out, a broken [Service] stops the start", async (t) => {
  if (!(await requireServer(t, "vsftpd"))) return;
  await using srv = await startServer({ kind: "vsftpd" });
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-e2e-service-" });
  try {
    const local = join(dir, "local");
    await Deno.mkdir(local);
    await srv.writeFile("r.txt", "r");
    const ini = join(dir, "parametre.ini");
    await Deno.writeTextFile(
      ini,
      `[Service]\nServiceWait = 10\nWatch = no\n\n[FTP1]\nServer = 127.0.0.1\n` +
        `Port = ${srv.port}\nUser = ${srv.user}\nPassword = ${await password(
          ini,
          srv.password,
        )}\n` +
        `Remote_dir = /\n` +
        `Local_dir = ${local}\n\n[FTP2]\nServer = 127.0.0.1\nType = sftp\n`,
    );
    await t.step(
      "FTP2 is skipped at start, refused on reload; FTP1 runs; SIGINT exits 0",
      async () => {
        await using svc = new ServiceProcess(ini, join(dir, "state"), join(dir, "n1.sock"));
        await svc.until("FTP1's pass", () => svc.count(/^<6>\[FTP1\] Pass ok in /) === 1);
        assert.ok(svc.lines.some((l) => /^<3>.*\[FTP2\] Type: /.test(l)), svc.lines.join("\n"));
        assert.ok(svc.lines.some((l) => /^<3>Section \[FTP2\] has configuration errors/.test(l)));
        assert.ok(exists(join(local, "r.txt")));
        // A reload refuses the same file: with a running configuration, any error refuses it.
        svc.kill("SIGHUP");
        await svc.until("the refusal", () => svc.count(/^<3>.*refused/) === 1);
        svc.kill("SIGINT");
        assert.equal((await svc.status).code, 0);
      },
    );
    await t.step("an error in [Service]: exit 2, errors at error priority", async () => {
      await Deno.writeTextFile(ini, "[Service]\nServiceWait = soon\n\n[FTP1]\nServer = x\n");
      await using svc = new ServiceProcess(ini, join(dir, "state"), join(dir, "n2.sock"));
      const status = await svc.status;
      assert.equal(status.code, 2);
      assert.ok(svc.lines.some((l) => /^<3>.*ServiceWait: /.test(l)), svc.lines.join("\n"));
      assert.ok(!svc.notifications.some((n) => n.startsWith("READY=1")));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
