import assert from "node:assert/strict";
import { join } from "node:path";
import type { Systemctl, SystemctlResult } from "../deploy/mod.ts";
import { runInstall, UNIT_NAME, unitExec } from "./cmd_install.ts";
import { runUninstall } from "./cmd_uninstall.ts";
import { runServiceControl, type ServiceAction } from "./cmd_service_control.ts";
import { createContext } from "./context.ts";
import { captureOutput } from "./output.ts";

/** A Systemctl that records its calls; `fail` makes a verb return exit 1 with an error. */
function fakeSystemctl(
  options: { fail?: string; state?: string } = {},
): Systemctl & { calls: string[] } {
  const calls: string[] = [];
  const result = (verb: string, unit?: string): Promise<SystemctlResult> => {
    calls.push(unit === undefined ? verb : `${verb} ${unit}`);
    if (verb === options.fail) {
      return Promise.resolve({
        code: 1,
        stdout: "",
        stderr: `Job for ${unit} failed because the control process exited with error code.\n` +
          `See "systemctl status ${unit}" and "journalctl -xeu ${unit}" for details.\n`,
      });
    }
    return Promise.resolve({ code: 0, stdout: "", stderr: "" });
  };
  return {
    calls,
    systemState: () => Promise.resolve(options.state ?? "running"),
    daemonReload: () => result("daemon-reload"),
    enable: (u) => result("enable", u),
    disable: (u) => result("disable", u),
    start: (u) => result("start", u),
    stop: (u) => result("stop", u),
    restart: (u) => result("restart", u),
    reload: (u) => result("reload", u),
    resetFailed: (u) => result("reset-failed", u),
    isActive: (u) => {
      calls.push(`is-active ${u}`);
      return Promise.resolve("active");
    },
  };
}

async function setup(): Promise<{ dir: string; ini: string; unitDir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-install-" });
  const ini = join(dir, "conf dir", "parametre.ini");
  await Deno.mkdir(join(dir, "conf dir"));
  await Deno.writeTextFile(
    ini,
    `[Service]\nStateDirectory = ${dir}/state\n\n[FTP1]\nServer = 127.0.0.1\n` +
      `Remote_dir = /\nLocal_dir = ${dir}/local\n\n[FTP2]\nServer = 127.0.0.1\n` +
      `Remote_dir = /b\nLocal_dir = /etc/ftp-clone-test-site\n`,
  );
  return { dir, ini, unitDir: join(dir, "units") };
}

function context(ini: string) {
  const captured = captureOutput();
  const ctx = createContext({ config: ini }, { output: captured.output, env: {}, cwd: "/" });
  return { ctx, captured };
}

Deno.test("install writes the unit, reloads, enables and starts; a second install replaces it", async () => {
  const { dir, ini, unitDir } = await setup();
  try {
    const first = context(ini);
    const systemctl = fakeSystemctl();
    const code = await runInstall(first.ctx, { unitDir }, {
      systemctl,
      uid: 0,
      execPath: "/usr/local/bin/ftp-clone",
    });
    assert.equal(code, 0, first.captured.stderr());
    assert.equal(first.captured.stdout(), "ok: Installation (or update) successful.\n");
    assert.equal(first.captured.stderr(), "");
    assert.deepEqual(systemctl.calls, [
      "daemon-reload",
      `enable ${UNIT_NAME}`,
      `reset-failed ${UNIT_NAME}`,
      `start ${UNIT_NAME}`,
    ]);
    const unit = await Deno.readTextFile(join(unitDir, UNIT_NAME));
    assert.match(
      unit,
      new RegExp(
        `^ExecStart=/usr/local/bin/ftp-clone --config "${dir}/conf dir/parametre.ini" service$`,
        "m",
      ),
    );
    assert.match(unit, new RegExp(`^ReadWritePaths=-${dir}/conf\\\\x20dir$`, "m"));
    assert.match(unit, /^ReadWritePaths=-\/etc\/ftp-clone-test-site$/m);
    assert.equal((await Deno.stat(join(unitDir, UNIT_NAME))).mode! & 0o777, 0o644);

    const second = context(ini);
    const again = fakeSystemctl();
    assert.equal(await runInstall(second.ctx, { unitDir }, { systemctl: again, uid: 0 }), 0);
    assert.equal(
      second.captured.stdout(),
      "ok: Service stopped.\nok: Service uninstalled.\nok: Installation (or update) successful.\n",
    );
    assert.deepEqual(again.calls.slice(0, 2), [`stop ${UNIT_NAME}`, `disable ${UNIT_NAME}`]);
    // From source this time: deno run on this tree.
    assert.match(
      await Deno.readTextFile(join(unitDir, UNIT_NAME)),
      new RegExp(
        `^ExecStart=${Deno.execPath()} run --allow-all --unstable-net --quiet --v8-flags=--max-semi-space-size=4 .*/mod.ts --config`,
        "m",
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("install fails clearly: not root, config errors, no systemd, a failing start", async (t) => {
  const { dir, ini, unitDir } = await setup();
  try {
    await t.step("not root: exit 1, nothing written", async () => {
      const { ctx, captured } = context(ini);
      const systemctl = fakeSystemctl();
      assert.equal(await runInstall(ctx, { unitDir }, { systemctl, uid: 1000 }), 1);
      assert.match(captured.stderr(), /^error: "ftp-clone install" must run as root/);
      assert.deepEqual(systemctl.calls, []);
    });
    await t.step("no systemd as PID 1: exit 1", async () => {
      const { ctx, captured } = context(ini);
      const systemctl = fakeSystemctl({ state: "offline" });
      assert.equal(await runInstall(ctx, { unitDir }, { systemctl, uid: 0 }), 1);
      assert.match(captured.stderr(), /systemd is not running as PID 1.*"offline"/);
      assert.deepEqual(systemctl.calls, []);
    });
    await t.step("a configuration with errors: exit 2", async () => {
      const bad = join(dir, "bad.ini");
      await Deno.writeTextFile(bad, "[FTP1]\nServer = x\n");
      const { ctx, captured } = context(bad);
      assert.equal(await runInstall(ctx, { unitDir }, { systemctl: fakeSystemctl(), uid: 0 }), 2);
      assert.match(captured.stderr(), /Remote_dir/);
    });
    await t.step(
      "a Password that cannot be used: a warning with file:line, installed",
      async () => {
        const hex = join(dir, "conf dir", "hex.ini");
        const text = await Deno.readTextFile(ini);
        await Deno.writeTextFile(
          hex,
          text.replace("[FTP2]", "Password = 421CAB0F17D35E6A\n[FTP2]"),
        );
        const { ctx, captured } = context(hex);
        const units = join(dir, "units-hex");
        assert.equal(
          await runInstall(ctx, { unitDir: units }, { systemctl: fakeSystemctl(), uid: 0 }),
          0,
        );
        assert.match(
          captured.stderr(),
          new RegExp(
            `^warning: \\[FTP1\\] ${hex}:9: Password: The value \\(16 hexadecimal digits\\) ` +
              "looks like the original tool's encoding",
          ),
        );
      },
    );
    await t.step("start fails: systemctl's error, exit 1", async () => {
      const { ctx, captured } = context(ini);
      const systemctl = fakeSystemctl({ fail: "start" });
      assert.equal(await runInstall(ctx, { unitDir }, { systemctl, uid: 0 }), 1);
      assert.equal(captured.stdout(), "");
      assert.match(
        captured.stderr(),
        /^error: "systemctl start ftp-clone-service.service" failed \(exit code 1\): Job for/,
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("uninstall stops, disables, removes the unit and reloads", async () => {
  const { dir, ini, unitDir } = await setup();
  try {
    const { ctx, captured } = context(ini);
    const missing = fakeSystemctl();
    assert.equal(await runUninstall(ctx, { unitDir }, { systemctl: missing, uid: 0 }), 1);
    assert.match(captured.stderr(), /not installed/);
    assert.deepEqual(missing.calls, []);

    await Deno.mkdir(unitDir);
    await Deno.writeTextFile(join(unitDir, UNIT_NAME), "[Unit]\n");
    const after = context(ini);
    const systemctl = fakeSystemctl();
    assert.equal(await runUninstall(after.ctx, { unitDir }, { systemctl, uid: 0 }), 0);
    assert.equal(after.captured.stdout(), "ok: Service stopped.\nok: Service uninstalled.\n");
    assert.deepEqual(systemctl.calls, [
      `stop ${UNIT_NAME}`,
      `disable ${UNIT_NAME}`,
      "daemon-reload",
    ]);
    assert.throws(() => Deno.statSync(join(unitDir, UNIT_NAME)), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("start, stop and restart print their ok lines or systemctl's error", async (t) => {
  const { dir, ini } = await setup();
  const table: Array<[ServiceAction, string | undefined, number, string, RegExp | ""]> = [
    ["start", undefined, 0, "ok: Service started.\n", ""],
    ["stop", undefined, 0, "ok: Service stopped.\n", ""],
    ["restart", undefined, 0, "ok: Service stopped.\nok: Service started.\n", ""],
    ["start", "start", 1, "", /^error: "systemctl start ftp-clone-service.service" failed/],
    ["restart", "start", 1, "ok: Service stopped.\n", /systemctl start/],
    ["stop", "stop", 1, "", /systemctl stop .*Job for/],
  ];
  for (const [action, fail, code, stdout, stderr] of table) {
    await t.step(`${action}${fail === undefined ? "" : `, ${fail} failing`}`, async () => {
      const { ctx, captured } = context(ini);
      const systemctl = fakeSystemctl(fail === undefined ? {} : { fail });
      assert.equal(await runServiceControl(ctx, action, { systemctl, uid: 0 }), code);
      assert.equal(captured.stdout(), stdout);
      if (stderr === "") assert.equal(captured.stderr(), "");
      else assert.match(captured.stderr(), stderr);
    });
  }
  // Issue 14: restart stopped the service, then the start failed on the broken file.
  for (const action of ["restart", "start"] as const) {
    await t.step(`${action} with a broken file: its lines, exit 2, nothing stopped`, async () => {
      const broken = join(dir, "broken.ini");
      const text = await Deno.readTextFile(ini);
      await Deno.writeTextFile(broken, text.replace("[FTP2]", "[FTP2]\nPort = 26z1"));
      const { ctx, captured } = context(broken);
      const systemctl = fakeSystemctl();
      assert.equal(await runServiceControl(ctx, action, { systemctl, uid: 0 }), 2);
      assert.deepEqual(systemctl.calls, []);
      assert.equal(captured.stdout(), "");
      assert.match(
        captured.stderr(),
        new RegExp(`^${broken}:10: \\[FTP2\\] Port: Invalid value "26z1"`, "m"),
      );
    });
  }
  await Deno.remove(dir, { recursive: true });
  await t.step("not root", async () => {
    const { ctx, captured } = context("/x.ini");
    const systemctl = fakeSystemctl();
    assert.equal(await runServiceControl(ctx, "stop", { systemctl, uid: 1000 }), 1);
    assert.match(captured.stderr(), /"ftp-clone stop" must run as root/);
    assert.deepEqual(systemctl.calls, []);
  });
});

Deno.test("unitExec() tells the deno CLI from a compiled binary", () => {
  assert.deepEqual(unitExec("/opt/x/ftp-clone"), { kind: "binary", path: "/opt/x/ftp-clone" });
  // The release tarball's launcher runs deno: the unit runs the launcher.
  assert.deepEqual(unitExec("/opt/x/deno", "/opt/x/ftp-clone"), {
    kind: "binary",
    path: "/opt/x/ftp-clone",
  });
  const source = unitExec("/usr/lib/node_modules/deno/deno");
  assert.equal(source.kind, "source");
  if (source.kind === "source") {
    assert.match(source.modTs, /\/mod\.ts$/);
    assert.match(source.denoConfig ?? "", /\/deno\.json$/);
  }
});
