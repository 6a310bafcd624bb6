/**
 * The release tarball (`deno task dist`, deploy/build_dist.ts), built once, used as a new user
 * would. First on this machine: it lists only what it should (its files at the top, as the
 * original tool's tarball), and its launcher runs with no Deno in PATH and no network at all
 * (`unshare -n`), from any directory, through a symbolic link and as `ftp-clone-controle`.
 * Then in a booted systemd (tests/support/systemd_box.ts) where nothing of the host is bound
 * except a directory holding only the tarball (no repository, no deno), the original tool's
 * documented steps, exactly: `mkdir /ftp-clone; cd /ftp-clone; tar -xf ...; ./ftp-clone install`,
 * then parametre.ini edited, `./ftp-clone password FTP1 pw`, `./ftp-clone-controle restart`.
 * Files sync both ways, the npm cache was not added to (nothing downloaded). Then what issue 14
 * found, under the real unit: a www-data file keeps its owner through the trash and `trash
 * restore`; `restart` with a broken file leaves the running service alone; `systemctl reload`
 * of a broken file fails, with the reason in `systemctl status`; the watchdog is armed (a
 * stopped process is killed by it). Then `./ftp-clone uninstall`.
 * With CI=true a box that cannot be built or booted is a failure; elsewhere those steps are
 * skipped when the tools are missing.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../support/cli.ts";
import { requireServer, startServer } from "../support/ftp_servers.ts";
import { boxUnavailable, type ExecResult, SystemdBox } from "../support/systemd_box.ts";
import denoJson from "../../deno.json" with { type: "json" };

const VERSION = denoJson.version;
const VERSION_LINE = new RegExp(
  `^ftp-clone ${
    VERSION.replaceAll(".", "\\.")
  } \\(Deno \\S+, V8 \\S+, x86_64-unknown-linux-gnu\\)\n$`,
);
const TARBALL = `ftp-clone-${VERSION}-linux-x64.tar.gz`;
const UNIT = "ftp-clone-service";
/** Where the original tool's documentation unpacks it. */
const APP = "/ftp-clone";
const LOCAL = "/srv/ftp-clone/data";

const unavailable = boxUnavailable();
const inCi = Deno.env.get("CI") === "true";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const decoder = new TextDecoder();

async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<ExecResult> {
  const out = await new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env, clearEnv: true }),
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Whether this process may make a network namespace with no network in it. */
async function canUnshareNet(): Promise<boolean> {
  try {
    return (await run("unshare", ["-n", "true"])).code === 0;
  } catch {
    return false;
  }
}

Deno.test({
  name: "release tarball: offline without Deno, then installed in a booted systemd",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const started = Date.now();
    const work = await Deno.makeTempDir({ prefix: "ftp-clone-dist-test-" });
    // Only the tarball goes in here: this directory is what the box sees of the host.
    const distDir = join(work, "dist");
    const tarball = join(distDir, TARBALL);
    let buildMs = 0;
    try {
      await t.step("deno task dist's script builds the tarball", async () => {
        const t0 = Date.now();
        const r = await run(Deno.execPath(), [
          "run",
          "--allow-all",
          join(REPO_ROOT, "deploy/build_dist.ts"),
          "--out-dir",
          distDir,
          "--fast",
        ], { cwd: REPO_ROOT });
        buildMs = Date.now() - t0;
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`^${tarball} \\(\\d+\\.\\d MiB, \\d+\\.\\d s\\)\n$`));
        assert.deepEqual([...Deno.readDirSync(distDir)].map((e) => e.name), [TARBALL]);
      });

      await t.step("its files at the top: deno, the program, its npm cache, no tests", async () => {
        const r = await run("tar", ["-tzvf", tarball]);
        assert.equal(r.code, 0, r.stderr);
        const lines = r.stdout.split("\n").filter((l) => l !== "");
        const names = lines.map((l) => l.split(/\s+/).slice(5).join(" "));
        // As the original tool's tarball: unpacked in the current directory, no "./" entry
        // (it would change that directory's mode), no top directory.
        assert.ok(names.every((n) => !n.startsWith("./") && !n.startsWith("/")), names[0]);
        for (
          const file of [
            "ftp-clone",
            "ftp-clone-controle -> ftp-clone",
            "deno",
            "mod.ts",
            "deno.json",
            "deno.lock",
            "parametre.ini.example",
            "README.txt",
            "README.md",
            "docs/design.md",
            "LICENSE.deno",
            "cli/cmd_trash.ts",
            "sync/ftp/ftp_connection.ts",
            "deploy/systemd_unit.ts",
            "config/load_config.ts",
          ]
        ) {
          assert.ok(names.includes(file), `${file} is in the tarball`);
        }
        // Unpacking a new version over an old one must never replace the user's file.
        assert.ok(!names.includes("parametre.ini"), "no parametre.ini in the tarball");
        assert.ok(names.some((n) => n.startsWith("deno-dir/npm/registry.npmjs.org/commander/")));
        assert.deepEqual(
          names.filter((n) => /_test\.ts$|^tests\/|^bench\/|build_dist/.test(n)),
          [],
        );
        const mode = (name: string) => lines.find((l) => l.endsWith(` ${name}`))?.slice(0, 10);
        assert.equal(mode("ftp-clone"), "-rwxr-xr-x");
        assert.equal(mode("deno"), "-rwxr-xr-x");
        assert.ok(lines.every((l) => l.includes(" 0/0 ")), "owned by root:root (0/0)");
      });

      await t.step("unpacked, it runs with no Deno in PATH and no network", async () => {
        const unpacked = join(work, "unpacked");
        Deno.mkdirSync(unpacked);
        const x = await run("tar", ["-xf", tarball], { cwd: unpacked });
        assert.equal(x.code, 0, x.stderr);
        const launcher = join(unpacked, "ftp-clone");
        Deno.symlinkSync(launcher, join(work, "ftp-clone-link"));
        // No deno in PATH, HOME elsewhere: only what the tarball carries.
        const env = { PATH: "/usr/bin:/bin", HOME: work };
        const offline = await canUnshareNet();
        if (!offline && inCi) assert.fail("Cannot make a network namespace (unshare -n)");
        const wrap = (args: string[]): [string, string[]] =>
          offline ? ["unshare", ["-n", ...args]] : [args[0]!, args.slice(1)];
        for (
          const path of [
            launcher,
            join(work, "ftp-clone-link"),
            join(unpacked, "ftp-clone-controle"),
          ]
        ) {
          const version = await run(...wrap([path, "--version"]), { env, cwd: "/" });
          assert.match(version.stdout, VERSION_LINE, version.stderr);
          assert.equal(version.code, 0);
        }
        // The first command makes parametre.ini from the example beside the launcher.
        const trash = await run(...wrap([launcher, "--state-dir", work, "trash", "list"]), {
          env,
          cwd: "/",
        });
        assert.equal(trash.stdout, "[FTP1] the trash is empty\n", trash.stderr);
        assert.match(trash.stderr, /^warning: Created ".*\/parametre\.ini" from /);
        assert.equal(trash.code, 0);
        assert.equal(
          Deno.readTextFileSync(join(unpacked, "parametre.ini")),
          Deno.readTextFileSync(join(unpacked, "parametre.ini.example")),
        );
        const help = await run(...wrap([launcher, "install", "--help"]), { env, cwd: "/" });
        assert.match(help.stdout, /ok: Installation \(or update\) successful\./);
      });

      await t.step({
        name: "in a booted systemd: unpack, password, install, sync, uninstall",
        ignore: unavailable !== undefined && !inCi,
        fn: async () => {
          if (unavailable !== undefined) assert.fail(`Cannot run the systemd box: ${unavailable}`);
          if (!(await requireServer(t, "vsftpd"))) return;
          await boxSteps(tarball, distDir);
        },
      });
    } finally {
      await Deno.remove(work, { recursive: true });
    }
    // deno-lint-ignore no-console -- the timing belongs in the CI log
    console.log(`dist test: build ${buildMs} ms, total ${Date.now() - started} ms`);
  },
});

/** The box part: everything a new user types, inside a systemd with no deno and no repository. */
async function boxSteps(tarball: string, distDir: string): Promise<void> {
  await using srv = await startServer({ kind: "vsftpd" });
  await srv.writeFile("remote.txt", "from the server");
  await using box = await SystemdBox.up({ name: "ftpclonedist", bindRo: [`${distDir}:/mnt/dist`] });
  const sh = (script: string, stdin?: string): Promise<ExecResult> =>
    box.exec(["sh", "-c", script], stdin === undefined ? {} : { stdin });
  const must = async (script: string, stdin?: string): Promise<string> => {
    const r = await sh(script, stdin);
    assert.equal(r.code, 0, `"${script}" failed (${r.code}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => {
    const t0 = Date.now();
    while (!(await check())) {
      if (Date.now() - t0 > timeoutMs) {
        const journal = await sh(`journalctl -u ${UNIT} --no-pager | tail -40`);
        assert.fail(`Timed out waiting for ${what}; the journal:\n${journal.stdout}`);
      }
      await sleep(200);
    }
  };
  const hostFile = (path: string) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  };
  const mainPid = async () => (await must(`systemctl show -p MainPID --value ${UNIT}`)).trim();
  const journal = async () => await must(`journalctl -u ${UNIT} --no-pager -o cat`);

  // Nothing of the host's Deno in the box.
  assert.notEqual((await sh("command -v deno")).code, 0, "no deno in the box's PATH");
  await must(`cp /mnt/dist/${TARBALL} /root/`);
  assert.equal(tarball.endsWith(TARBALL), true);

  // The original tool's documented steps, exactly.
  const install = await sh(
    `mkdir ${APP}; cd ${APP}; tar -xf /root/${TARBALL}; ./ftp-clone install`,
  );
  assert.equal(install.stdout, "ok: Installation (or update) successful.\n", install.stderr);
  assert.equal(install.code, 0);
  assert.match(install.stderr, /^warning: Created "\/ftp-clone\/parametre\.ini" from /);
  assert.equal((await must(`systemctl is-active ${UNIT}`)).trim(), "active");
  const execStart = await must(`systemctl show -p ExecStart --value ${UNIT}`);
  assert.match(
    execStart,
    new RegExp(
      `path=${APP}/ftp-clone ; argv\\[\\]=${APP}/ftp-clone --config ${APP}/parametre.ini service `,
    ),
  );

  // Edit the file as a user would: the server, the directories, a short ServiceWait.
  await must(
    `cd ${APP} && sed -i ` +
      `-e 's|^Server = .*|Server = 127.0.0.1|' -e 's|^Port = .*|Port = ${srv.port}|' ` +
      `-e 's|^User = .*|User = ${srv.user}|' -e 's|^Remote_dir = .*|Remote_dir = /|' ` +
      `-e 's|^Local_dir = .*|Local_dir = ${LOCAL}|' -e 's|^ServiceWait = .*|ServiceWait = 0.05|' ` +
      `parametre.ini && mkdir -p ${LOCAL} && echo 'from the box' > ${LOCAL}/local.txt`,
  );
  const npmBefore = await must(`cd ${APP} && find deno-dir/npm | sort | md5sum`);
  // As the original docs write it: the password on the command line.
  const password = await sh(`cd ${APP} && ./ftp-clone password FTP1 '${srv.password}'`);
  assert.equal(password.code, 0, password.stderr);
  assert.match(password.stdout, /^ok: Password saved for \[FTP1\]/);
  assert.match(await must(`cat ${APP}/parametre.ini`), /^Password = v1:/m);
  // Old scripts call the original tool's name.
  const restart = await sh(`cd ${APP} && ./ftp-clone-controle restart`);
  assert.equal(restart.stdout, "ok: Service stopped.\nok: Service started.\n", restart.stderr);

  await until("the upload", () => Promise.resolve(hostFile(join(srv.root, "local.txt"))));
  await until("the download", async () => (await sh(`test -f ${LOCAL}/remote.txt`)).code === 0);
  assert.equal(await must(`cat ${LOCAL}/remote.txt`), "from the server");
  assert.equal(Deno.readTextFileSync(join(srv.root, "local.txt")), "from the box\n");
  // The audit trail: which file, which way, its size.
  assert.match(await journal(), /\[FTP1\] downloaded "remote\.txt" \(15 bytes\): /);
  // Nothing was downloaded into the shipped npm cache (the launcher runs --cached-only).
  assert.equal(await must(`cd ${APP} && find deno-dir/npm | sort | md5sum`), npmBefore);

  // Through a symbolic link in PATH, as README.txt suggests; healthy: exit 0.
  await must(`ln -s ${APP}/ftp-clone /usr/local/bin/ftp-clone`);
  const status = await sh("cd / && ftp-clone status");
  assert.equal(status.code, 0, status.stderr + status.stdout);
  assert.match(status.stdout, /^\[FTP1\] ok: /m);

  // Issue 14: under the unit the state directory is another mount; the trash's copy dropped the
  // owner, and a www-data file came back from `trash restore` as root:root.
  await must(`echo page > ${LOCAL}/page.html && chown www-data:www-data ${LOCAL}/page.html`);
  await until(
    "the upload of page.html",
    () => Promise.resolve(hostFile(join(srv.root, "page.html"))),
  );
  Deno.removeSync(join(srv.root, "page.html"));
  const trashed = `${LOCAL}/.ftp-clone-trash/page.html`;
  await until("page.html in the trash", async () => (await sh(`test -f ${trashed}`)).code === 0);
  assert.equal((await must(`stat -c %U:%G ${trashed}`)).trim(), "www-data:www-data");
  // A pass holds the section's lock for a moment every 3 s: try again then (exit 1).
  await until("the restore", async () => {
    const restore = await sh(`cd ${APP} && ./ftp-clone trash restore FTP1 page.html`);
    assert.ok(restore.code === 0 || /is being synchronised/.test(restore.stderr), restore.stderr);
    return restore.code === 0;
  });
  assert.equal((await must(`stat -c %U:%G ${LOCAL}/page.html`)).trim(), "www-data:www-data");
  await until(
    "page.html back on the server",
    () => Promise.resolve(hostFile(join(srv.root, "page.html"))),
  );

  // Issue 14: `restart` with a broken file stopped the service, then failed to start it.
  const pid = await mainPid();
  const good = await must(`cat ${APP}/parametre.ini`);
  await must(`cd ${APP} && sed -i 's|^ServiceWait = .*|ServiceWait = 0,5|' parametre.ini`);
  const broken = await sh(`cd ${APP} && ./ftp-clone restart`);
  assert.equal(broken.code, 2, broken.stderr);
  assert.equal(broken.stdout, "");
  assert.match(
    broken.stderr,
    /^\/ftp-clone\/parametre\.ini:\d+: \[Service\] ServiceWait: Invalid value "0,5"/m,
  );
  assert.equal((await must(`systemctl is-active ${UNIT}`)).trim(), "active");
  assert.equal(await mainPid(), pid, "the running service was left alone");

  // Issue 14: `systemctl reload` said it reloaded a file that the service refused.
  const reload = await sh(`systemctl reload ${UNIT}`);
  assert.notEqual(reload.code, 0, "systemctl reload fails on a broken file");
  const why = await sh(`systemctl status --no-pager -n 20 ${UNIT}`);
  assert.match(why.stdout, /ServiceWait: Invalid value "0,5"/);
  assert.equal((await must(`systemctl is-active ${UNIT}`)).trim(), "active");
  assert.equal(await mainPid(), pid);
  await must(`cat > ${APP}/parametre.ini`, good);
  await must(`systemctl reload ${UNIT}`);
  assert.match(await journal(), /Configuration reloaded: 1 section/);

  // The watchdog is armed: 5 min in the unit; with 3 s, a stopped service is killed by it.
  assert.equal((await must(`systemctl show -p WatchdogUSec --value ${UNIT}`)).trim(), "5min");
  await must(
    `mkdir -p /etc/systemd/system/${UNIT}.service.d && printf '[Service]\\nWatchdogSec=3s\\n` +
      `TimeoutAbortSec=2s\\n' > /etc/systemd/system/${UNIT}.service.d/watchdog.conf && ` +
      `systemctl daemon-reload && systemctl restart ${UNIT}`,
  );
  await sleep(5000); // longer than the limit: the service pings while healthy
  assert.equal((await must(`systemctl is-active ${UNIT}`)).trim(), "active");
  assert.doesNotMatch(await journal(), /[Ww]atchdog timeout/);
  await must(`kill -STOP ${await mainPid()}`);
  await until("the watchdog", async () => /[Ww]atchdog timeout/.test(await journal()), 20_000);
  await must(`rm -r /etc/systemd/system/${UNIT}.service.d && systemctl daemon-reload`);

  const uninstall = await sh(`cd ${APP} && ./ftp-clone uninstall`);
  assert.equal(
    uninstall.stdout,
    "ok: Service stopped.\nok: Service uninstalled.\n",
    uninstall.stderr,
  );
  assert.equal(uninstall.code, 0);
  assert.notEqual((await sh(`test -e /etc/systemd/system/${UNIT}.service`)).code, 0);
}
