/**
 * `install`, `uninstall`, `start`, `stop`, `restart` through the spawned CLI, with a fake
 * `systemctl` first on PATH that records its arguments: the exact stdout lines, the unit file in
 * `FTP_CLONE_UNIT_DIR`, systemctl's error passed through with exit 1.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";

const FAKE_SYSTEMCTL = `#!/bin/sh
echo "$*" >> "$FAKE_SYSTEMCTL_LOG"
if [ "$1" = "is-system-running" ]; then echo running; exit 0; fi
if [ "$1" = "$FAKE_SYSTEMCTL_FAIL" ]; then
  echo "Failed to $1 ftp-clone-service.service: Unit ftp-clone-service.service not found." >&2
  exit 5
fi
exit 0
`;

Deno.test("install / uninstall / start / stop / restart through the CLI with a fake systemctl", async (t) => {
  if (Deno.uid() !== 0) {
    assert.ok(Deno.env.get("CI") !== "true", "the systemd commands need root");
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-e2e-install-" });
  try {
    const bin = join(dir, "bin");
    await Deno.mkdir(bin);
    await Deno.writeTextFile(join(bin, "systemctl"), FAKE_SYSTEMCTL, { mode: 0o755 });
    const log = join(dir, "systemctl.log");
    const ini = join(dir, "parametre.ini");
    await Deno.writeTextFile(
      ini,
      `[FTP1]\nServer = 127.0.0.1\nRemote_dir = /\nLocal_dir = ${dir}/local\n`,
    );
    const units = join(dir, "units");
    const env = (fail = "") => ({
      PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
      FAKE_SYSTEMCTL_LOG: log,
      FAKE_SYSTEMCTL_FAIL: fail,
      FTP_CLONE_UNIT_DIR: units,
      FTP_CLONE_STATE_DIR: join(dir, "state"),
    });
    const calls = async () => {
      const text = await Deno.readTextFile(log).catch(() => "");
      await Deno.remove(log).catch(() => {});
      return text.trim().split("\n").filter((l) => l !== "");
    };

    await t.step("install, then install again", async () => {
      const first = await runCli(["--config", ini, "install"], { env: env() });
      assert.equal(first.stdout, "ok: Installation (or update) successful.\n", first.stderr);
      assert.equal(first.code, 0);
      const unit = await Deno.readTextFile(join(units, "ftp-clone-service.service"));
      assert.match(
        unit,
        new RegExp(
          `^ExecStart=\\S+ run --allow-all --unstable-net --quiet --v8-flags=--max-semi-space-size=4 --config \\S+/deno\\.json \\S+/mod\\.ts --config ${ini} service$`,
          "m",
        ),
      );
      assert.deepEqual(await calls(), [
        "is-system-running",
        "daemon-reload",
        "enable --quiet ftp-clone-service.service",
        "reset-failed ftp-clone-service.service",
        "start ftp-clone-service.service",
      ]);
      const again = await runCli(["--config", ini, "install"], { env: env() });
      assert.equal(
        again.stdout,
        "ok: Service stopped.\nok: Service uninstalled.\nok: Installation (or update) successful.\n",
      );
      await calls();
    });

    await t.step("restart prints both lines; a failing start gives systemctl's error", async () => {
      // start and restart validate the file first: they need the same --config as install.
      const restart = await runCli(["--config", ini, "restart"], { env: env() });
      assert.equal(restart.stdout, "ok: Service stopped.\nok: Service started.\n");
      assert.deepEqual(await calls(), [
        "stop ftp-clone-service.service",
        "reset-failed ftp-clone-service.service",
        "start ftp-clone-service.service",
      ]);
      const start = await runCli(["--config", ini, "start"], { env: env("start") });
      assert.equal(start.code, 1);
      assert.equal(start.stdout, "");
      assert.equal(
        start.stderr,
        'error: "systemctl start ftp-clone-service.service" failed (exit code 5): ' +
          "Failed to start ftp-clone-service.service: Unit ftp-clone-service.service not found.\n",
      );
      await calls();
    });

    await t.step("stop, then uninstall removes the unit", async () => {
      const stop = await runCli(["stop"], { env: env() });
      assert.equal(stop.stdout, "ok: Service stopped.\n");
      const r = await runCli(["uninstall"], { env: env() });
      assert.equal(r.stdout, "ok: Service stopped.\nok: Service uninstalled.\n", r.stderr);
      assert.equal(r.code, 0);
      assert.deepEqual([...Deno.readDirSync(units)], []);
      const twice = await runCli(["uninstall"], { env: env() });
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, /not installed/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
