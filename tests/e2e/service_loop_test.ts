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
import { cliEnv, MOD_TS, REPO_ROOT, runCli } from "../support/cli.ts";
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

  readonly pid: number;

  constructor(
    ini: string,
    stateDir: string,
    socketPath: string,
    extraEnv: Record<string, string> = {},
  ) {
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
        ...extraEnv,
      }),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.status = this.#child.status;
    this.pid = this.#child.pid;
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
      // Issue 14: the journal said counts only. Now one line per file, with path and size.
      assert.equal(svc.count(/^<6>\[FTP1\] downloaded "remote\.txt" \(11 bytes\): /), 1);
      assert.equal(svc.count(/^<6>\[FTP1\] uploaded "local\.txt" \(10 bytes\): /), 1);
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

Deno.test("service: a wrong password is logged once, a new one is used from the next pass, reload and metrics", async (t) => {
  if (!(await requireServer(t, "vsftpd"))) return;
  await using srv = await startServer({ kind: "vsftpd" });
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-e2e-service-" });
  try {
    const local = join(dir, "local");
    const run = join(dir, "run");
    await Deno.mkdir(local);
    await Deno.mkdir(run);
    await srv.writeFile("r.txt", "r");
    const ini = join(dir, "parametre.ini");
    const metrics = join(dir, "ftp-clone.prom");
    // ServiceWait 0.02 min: a pass every 1.2 s.
    await Deno.writeTextFile(
      ini,
      `[Service]\nServiceWait = 0.02\nWatch = no\nMetricsFile = ${metrics}\n\n[FTP1]\n` +
        `Server = 127.0.0.1\nPort = ${srv.port}\nUser = ${srv.user}\n` +
        `Password = ${await password(
          ini,
          "wrong password",
        )}\nRemote_dir = /\nLocal_dir = ${local}\n`,
    );
    await using svc = new ServiceProcess(ini, join(dir, "state"), join(dir, "n.sock"), {
      RUNTIME_DIRECTORY: run,
    });

    await t.step("a failing section: its error once, not at every pass", async () => {
      await svc.until("READY=1", () => svc.notifications.some((n) => n.startsWith("READY=1")));
      await svc.until(
        "the failing passes",
        () => svc.count(/Cannot notify/) === 0 && passes() >= 3,
      );
      // Issue 14: each failure was logged twice, and again at every pass.
      const errors = svc.lines.filter((l) => /^<3>/.test(l));
      assert.equal(errors.length, 1, errors.join("\n"));
      assert.match(errors[0]!, /^<3>\[FTP1\] .*530/);
      assert.equal(svc.count(/^<4>\[FTP1\] Section FTP1 is failing: /), 1);
    });

    await t.step("status --json says it failed, and why", async () => {
      const r = await runCli([
        "--config",
        ini,
        "--state-dir",
        join(dir, "state"),
        "status",
        "--json",
      ]);
      assert.equal(r.code, 1, r.stderr);
      const [section] = JSON.parse(r.stdout).sections;
      assert.equal(section.healthy, false);
      assert.match(section.lastFailure.cause, /530/);
      assert.equal(section.lastSuccess, null);
    });

    await t.step("a password saved while it runs is used from the next pass", async () => {
      // Issue 14: the new password was ignored until a reload.
      const r = await runCli(["--config", ini, "password", "FTP1"], { stdin: `${srv.password}\n` });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /a running service uses it from its next pass\.\n$/);
      await svc.until("the download", () => exists(join(local, "r.txt")));
      await svc.until(
        "the recovery line",
        () => svc.count(/^<6>\[FTP1\] Section FTP1 recovered: pass ok after \d+ failed pass/) === 1,
      );
      assert.equal(svc.count(/Reloading/), 0, "no reload was needed");
    });

    await t.step("MetricsFile: the last success, per section", async () => {
      await svc.until(
        "the metrics of a successful pass",
        () => /^ftp_clone_last_pass_success\{section="FTP1"\} 1$/m.test(readOr(metrics)),
      );
      const text = readOr(metrics);
      assert.match(text, /^ftp_clone_last_success_timestamp_seconds\{section="FTP1"\} \d+/m);
      assert.match(text, /^ftp_clone_files_total\{section="FTP1",action="downloaded"\} 1$/m);
      assert.match(text, /^ftp_clone_failed_passes_total\{section="FTP1"\} [1-9]/m);
    });

    await t.step("reload --pid: a broken file is refused (exit 2), a good one taken", async () => {
      const good = await Deno.readTextFile(ini);
      const env = { RUNTIME_DIRECTORY: run, FTP_CLONE_STATE_DIR: join(dir, "state") };
      // The service itself refuses what the reloader let through: the reloader reports it.
      await Deno.writeTextFile(ini, good.replace("Watch = no", "Watch = no\nServiceWait = 1"));
      const refused = await runCli(
        ["--config", ini, "reload", "--pid", String(svc.pid)],
        { env },
      );
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /ServiceWait: Duplicate key/);
      assert.equal(svc.count(/Reloading/), 0, "the reloader refused it before signalling");
      await Deno.writeTextFile(ini, good.replace("ServiceWait = 0.02", "ServiceWait = 0.03"));
      const taken = await runCli(["--config", ini, "reload", "--pid", String(svc.pid)], { env });
      assert.equal(taken.code, 0, taken.stderr);
      assert.equal(taken.stdout, "ok: Configuration reloaded: 1 section(s).\n");
      assert.equal(svc.count(/Configuration reloaded: 1 section/), 1);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }

  function passes(): number {
    try {
      const report = JSON.parse(
        Deno.readTextFileSync(
          join(
            dir,
            "state",
            `${
              /Identifier = (\w+)/.exec(Deno.readTextFileSync(join(dir, "parametre.ini")))![1]
            }.report.json`,
          ),
        ),
      );
      return report.totals.passes;
    } catch {
      return 0;
    }
  }
});

function readOr(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}
