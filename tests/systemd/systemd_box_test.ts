/**
 * The service under a real systemd 252: a Debian box booted with `systemd-nspawn --boot`
 * (tests/support/systemd_box.ts), the repository and the deno binary bound read-only, vsftpd on
 * the host's 127.0.0.1. `ftp-clone install` from source, then the unit's whole life: active,
 * both directions synced, the journal, restart, reload with a new ServiceWait, install again,
 * stop (no partial file), `service ftp-clone-service start|stop`, uninstall.
 * With CI=true a box that cannot be built or booted is a failure; elsewhere the test is skipped
 * when the tools are missing.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../support/cli.ts";
import { requireServer, startServer } from "../support/ftp_servers.ts";
import { boxUnavailable, type ExecResult, SystemdBox } from "../support/systemd_box.ts";
import { encryptPassword, loadSecretKey } from "../../config/mod.ts";

const UNIT = "ftp-clone-service";
const APP = "/opt/ftp-clone";
const LOCAL = "/srv/ftp-clone/data";
const CONFIG_DIR = "/etc/ftp-clone";
const INI = `${CONFIG_DIR}/parametre.ini`;
const DENO_DIR = "/var/cache/ftp-clone/deno";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const unavailable = boxUnavailable();
const inCi = Deno.env.get("CI") === "true";

function hostDenoDir(): string {
  const out = new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
    .outputSync();
  return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir as string;
}

Deno.test({
  name: "systemd box: install, sync, journal, restart, reload, stop, uninstall",
  ignore: unavailable !== undefined && !inCi,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    if (unavailable !== undefined) assert.fail(`Cannot run the systemd box: ${unavailable}`);
    if (!(await requireServer(t, "vsftpd"))) return;
    const started = Date.now();
    await using srv = await startServer({ kind: "vsftpd" });
    await srv.writeFile("remote.txt", "from the server");
    await using box = await SystemdBox.up({
      name: "ftpclone",
      bindRo: [
        `${REPO_ROOT.replace(/\/$/, "")}:${APP}`,
        `${Deno.realPathSync(Deno.execPath())}:/usr/local/bin/deno`,
        `${hostDenoDir()}:/mnt/host-deno-dir`,
      ],
    });
    const bootedMs = Date.now() - started;
    const keyDir = await Deno.makeTempDir({ prefix: "ftp-clone-box-key-" });

    const sh = (script: string, stdin?: string): Promise<ExecResult> =>
      box.exec(["sh", "-c", script], stdin === undefined ? {} : { stdin });
    const must = async (script: string, stdin?: string): Promise<string> => {
      const r = await sh(script, stdin);
      assert.equal(r.code, 0, `"${script}" failed (${r.code}): ${r.stderr}${r.stdout}`);
      return r.stdout;
    };
    const ftpClone = (args: string): Promise<ExecResult> =>
      box.exec(
        [
          "sh",
          "-c",
          `deno run -A --unstable-net --quiet ${APP}/mod.ts ${args}`,
        ],
        { env: { DENO_DIR, NO_COLOR: "1" } },
      );
    const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000) => {
      const t0 = Date.now();
      while (!(await check())) {
        if (Date.now() - t0 > timeoutMs) {
          const journal = await sh(`journalctl -u ${UNIT} --no-pager | tail -40`);
          assert.fail(`Timed out waiting for ${what}; the journal:\n${journal.stdout}`);
        }
        await sleep(200);
      }
      return Date.now() - t0;
    };
    const boxFile = async (path: string) => (await sh(`test -f ${path}`)).code === 0;
    const hostFile = (path: string) => {
      try {
        return Deno.statSync(path).isFile;
      } catch {
        return false;
      }
    };

    try {
      await t.step("install prints exactly its line; the unit is active", async () => {
        // deno's npm packages: copied from the host's cache (the box has no registry access
        // of its own to rely on).
        await must(`mkdir -p /var/cache/ftp-clone && cp -a /mnt/host-deno-dir ${DENO_DIR}`);
        const keyIni = join(keyDir, "parametre.ini");
        const key = (await loadSecretKey(keyIni, { create: true }))!;
        const password = await encryptPassword(srv.password, key, { section: "FTP1" });
        await must(
          `mkdir -p ${CONFIG_DIR} ${LOCAL} && cat > ${CONFIG_DIR}/secret.key`,
          Deno.readTextFileSync(join(keyDir, "secret.key")),
        );
        await must(`chmod 600 ${CONFIG_DIR}/secret.key`);
        await must(
          `cat > ${INI}`,
          // The unknown key gives a warning line in the journal.
          `[Service]\nServiceWait = 10\nWatch = yes\nColour = blue\n\n[FTP1]\nServer = 127.0.0.1\n` +
            `Port = ${srv.port}\nUser = ${srv.user}\nPassword = ${password}\nRemote_dir = /\n` +
            `Local_dir = ${LOCAL}\n`,
        );
        await must(`echo 'from the box' > ${LOCAL}/local.txt`);
        const r = await ftpClone(`--config ${INI} install`);
        assert.equal(r.stdout, "ok: Installation (or update) successful.\n", r.stderr);
        assert.equal(r.code, 0);
        assert.equal((await must(`systemctl is-active ${UNIT}`)).trim(), "active");
        assert.equal((await must(`systemctl is-enabled ${UNIT}`)).trim(), "enabled");
      });

      await t.step("a local file reaches the server, a remote file the box", async () => {
        await until("the upload", () => Promise.resolve(hostFile(join(srv.root, "local.txt"))));
        await until("the download", () => boxFile(`${LOCAL}/remote.txt`));
        assert.equal(await must(`cat ${LOCAL}/remote.txt`), "from the server");
        assert.match(await must(`cat ${INI}`), /^Identifier = [0-9a-f]{40}$/m);
        // Watch = yes: a new local file goes up without waiting for ServiceWait (10 min).
        await must(`echo watched > ${LOCAL}/watched.txt`);
        await until(
          "the watched upload",
          () => Promise.resolve(hostFile(join(srv.root, "watched.txt"))),
        );
      });

      await t.step(
        "journalctl shows the pass lines; -p warning only warnings and errors",
        async () => {
          const all = await must(`journalctl -u ${UNIT} --no-pager -o cat`);
          assert.match(all, /\[FTP1\] Pass ok in \d+\.\d s: /);
          assert.match(all, /Service started: 1 section/);
          const json = await must(`journalctl -u ${UNIT} --no-pager -p warning -o json`);
          assert.match(json, /\[Service\] Colour: /, "the warning is there");
          for (const line of json.split("\n").filter((l) => l !== "")) {
            const entry = JSON.parse(line) as { PRIORITY: string; MESSAGE: string };
            assert.ok(Number(entry.PRIORITY) <= 4, `priority ${entry.PRIORITY}: ${entry.MESSAGE}`);
            assert.doesNotMatch(String(entry.MESSAGE), /Pass ok in/);
          }
          const tagged = await must(`journalctl -t ftp-clone --no-pager -o json -n 200`);
          const priorities = new Set(
            tagged.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l).PRIORITY),
          );
          assert.ok(priorities.has("6"), "info lines are stored at priority 6");
        },
      );

      await t.step("ftp-clone restart", async () => {
        const r = await ftpClone(`--config ${INI} restart`);
        assert.equal(r.stdout, "ok: Service stopped.\nok: Service started.\n", r.stderr);
        assert.equal(r.code, 0);
        assert.equal((await must(`systemctl is-active ${UNIT}`)).trim(), "active");
      });

      await t.step("systemctl reload picks up a changed ServiceWait", async () => {
        await must(`sed -i 's/^ServiceWait = 10$/ServiceWait = 0.05/' ${INI}`);
        await must(`systemctl reload ${UNIT}`);
        await until(
          "the reload line",
          async () =>
            /Configuration reloaded: 1 section\(s\), ServiceWait 0\.05 min/.test(
              (await sh(`journalctl -u ${UNIT} --no-pager -o cat`)).stdout,
            ),
        );
        // A remote change is seen only by the timer: now every 3 s.
        await srv.writeFile("later.txt", "polled");
        const ms = await until("the polled download", () => boxFile(`${LOCAL}/later.txt`));
        assert.ok(ms < 15_000, `${ms} ms`);
      });

      await t.step("install again: stopped, uninstalled, installed", async () => {
        const r = await ftpClone(`--config ${INI} install`);
        assert.equal(
          r.stdout,
          "ok: Service stopped.\nok: Service uninstalled.\nok: Installation (or update) successful.\n",
          r.stderr,
        );
        assert.equal((await must(`systemctl is-active ${UNIT}`)).trim(), "active");
      });

      await t.step("ftp-clone stop returns within TimeoutStopSec, no partial file", async () => {
        // A bigger file in flight makes the stop land during a transfer more likely.
        await must(`head -c 20000000 /dev/zero > ${LOCAL}/big.bin`);
        await sleep(2500);
        const t0 = Date.now();
        const r = await ftpClone("stop");
        const ms = Date.now() - t0;
        assert.equal(r.stdout, "ok: Service stopped.\n", r.stderr);
        assert.ok(ms < 30_000, `stop took ${ms} ms`);
        assert.equal((await sh(`systemctl is-active ${UNIT}`)).stdout.trim(), "inactive");
        const result = (await must(`systemctl show -p Result --value ${UNIT}`)).trim();
        assert.equal(result, "success", "stopped by its own SIGTERM handling, not killed");
        assert.equal((await must(`find ${LOCAL} -name '.ftp-clone.*'`)).trim(), "");
        const leftovers = [...Deno.readDirSync(srv.root)].filter((e) =>
          e.name.startsWith(".ftp-clone.")
        );
        assert.deepEqual(leftovers, []);
        // deno-lint-ignore no-console -- the timing belongs in the CI log
        console.log(`stop took ${ms} ms`);
      });

      await t.step("service ftp-clone-service start|stop works through the unit name", async () => {
        await must(`service ${UNIT} start`);
        assert.equal((await must(`systemctl is-active ${UNIT}`)).trim(), "active");
        await must(`service ${UNIT} stop`);
        assert.equal((await sh(`systemctl is-active ${UNIT}`)).stdout.trim(), "inactive");
      });

      await t.step("ftp-clone uninstall removes the unit", async () => {
        const r = await ftpClone("uninstall");
        assert.equal(r.stdout, "ok: Service stopped.\nok: Service uninstalled.\n", r.stderr);
        assert.equal(r.code, 0);
        assert.notEqual((await sh(`test -e /etc/systemd/system/${UNIT}.service`)).code, 0);
        const enabled = await sh(`systemctl is-enabled ${UNIT}`);
        assert.notEqual(enabled.code, 0);
      });
    } finally {
      await Deno.remove(keyDir, { recursive: true });
    }
    // deno-lint-ignore no-console -- the timing belongs in the CI log
    console.log(`systemd box test: booted in ${bootedMs} ms, total ${Date.now() - started} ms`);
  },
});
