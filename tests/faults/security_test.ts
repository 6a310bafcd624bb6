/**
 * Security checks: the password never appears in the CLI's output, in logs, in a pass report, in
 * error messages or on any process's command line, even when the server echoes it back;
 * `secret.key` and state files are 0600 and state directories 0700 whatever the umask; a
 * downloaded file never keeps setuid/setgid bits unless Linux_chmod sets them.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { encryptPassword, loadSecretKey } from "../../config/mod.ts";
import { cliEnv, MOD_TS, REPO_ROOT } from "../support/cli.ts";
import { startHostileServer } from "../support/hostile_ftp_server.ts";
import { makeScenario } from "../support/sync_scenario.ts";
import { runHostilePass } from "./hostile_setup.ts";
import { processesShowing } from "./proc_scan.ts";

const PASSWORD = "Pw-7f3a9c-Secret";

/** Writes parametre.ini with FTP1 on `port` and its password encrypted; returns its path. */
async function writeIni(dir: string, port: number): Promise<string> {
  const ini = join(dir, "parametre.ini");
  const key = await loadSecretKey(ini, { create: true });
  assert.ok(key);
  const stored = await encryptPassword(PASSWORD, key, { section: "FTP1" });
  await Deno.mkdir(join(dir, "local"), { recursive: true });
  await Deno.writeTextFile(
    ini,
    `[Service]\nStateDirectory = ${dir}/state\n\n[FTP1]\nServer = 127.0.0.1\nPort = ${port}\n` +
      `User = someone\nPassword = ${stored}\nRemote_dir = /d\nLocal_dir = ${dir}/local\n`,
  );
  return ini;
}

Deno.test("security: the password never shows, even when the server echoes it", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-sec-" });
  // The server answers PASS late (so that the CLI is alive while /proc is read), echoing it.
  await using srv = await startHostileServer({
    onCommand: (verb, arg) =>
      verb === "PASS"
        ? { after: 700, reply: `530 Login incorrect for password "${arg}"` }
        : undefined,
  });
  try {
    const ini = await writeIni(dir, srv.port);
    for (const args of [["check"], ["--log-level", "debug", "check"], ["status"], ["sync"]]) {
      await t.step(args.join(" "), async () => {
        const child = new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--quiet", MOD_TS, "--config", ini, ...args],
          cwd: REPO_ROOT,
          env: cliEnv(),
          clearEnv: true,
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const seen: string[] = [];
        const output = child.output();
        let done = false;
        output.finally(() => done = true);
        while (!done) {
          seen.push(...processesShowing(PASSWORD, child.pid));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const r = await output;
        const stdout = new TextDecoder().decode(r.stdout);
        const stderr = new TextDecoder().decode(r.stderr);
        assert.deepEqual(seen, [], "the password is on a command line");
        assert.ok(!stdout.includes(PASSWORD), `password on stdout:\n${stdout}`);
        assert.ok(!stderr.includes(PASSWORD), `password on stderr:\n${stderr}`);
        assert.ok([0, 1, 2].includes(r.code), `exit ${r.code}\n${stderr}`);
        if (args.includes("check")) assert.equal(r.code, 1, stderr);
      });
    }
    // The password really was sent (or the test proves nothing).
    assert.ok(srv.commands.includes(`PASS ${PASSWORD}`), srv.commands.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("security: a failed pass's logs and report do not hold the password", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-sec-pass-" });
  await using srv = await startHostileServer({
    onCommand: (
      verb,
      arg,
    ) => (verb === "PASS" ? `530 Login incorrect for password "${arg}"` : undefined),
  });
  const records: LogRecord[] = [];
  await configure({
    sinks: { memory: (record) => records.push(record) },
    loggers: [
      { category: "ftp-clone", sinks: ["memory"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "warning" },
    ],
    reset: true,
  });
  try {
    await Deno.mkdir(join(dir, "local"));
    const outcome = await runHostilePass(srv, {
      localDir: join(dir, "local"),
      stateDir: join(dir, "state"),
      section: { password: PASSWORD },
      now: new Date(),
    });
    assert.equal(outcome.report.outcome, "failed");
    assert.ok(srv.commands.includes(`PASS ${PASSWORD}`));
    const logText = records.map((r) => JSON.stringify(r.message) + JSON.stringify(r.properties))
      .join("\n");
    assert.ok(records.length > 0, "nothing was logged");
    assert.ok(!logText.includes(PASSWORD), `password in the logs:\n${logText}`);
    assert.ok(!JSON.stringify(outcome.report).includes(PASSWORD), JSON.stringify(outcome.report));
    for await (const entry of Deno.readDir(join(dir, "state"))) {
      if (!entry.isFile) continue;
      const bytes = await Deno.readTextFile(join(dir, "state", entry.name)).catch(() => "");
      assert.ok(!bytes.includes(PASSWORD), `password in ${entry.name}`);
    }
  } finally {
    await reset();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("security: secret.key is 0600 under umask 000", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-sec-key-" });
  try {
    const ini = join(dir, "parametre.ini");
    await Deno.writeTextFile(
      ini,
      `[FTP1]\nServer = 127.0.0.1\nRemote_dir = /\nLocal_dir = ${dir}/l\n`,
    );
    const child = new Deno.Command("/bin/sh", {
      args: [
        "-c",
        'umask 000; exec "$0" run -A --quiet "$1" --config "$2" password FTP1',
        Deno.execPath(),
        MOD_TS,
        ini,
      ],
      cwd: REPO_ROOT,
      env: cliEnv(),
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${PASSWORD}\n`));
    await writer.close();
    const r = await child.output();
    const stderr = new TextDecoder().decode(r.stderr);
    assert.equal(r.code, 0, stderr);
    const mode = (await Deno.stat(join(dir, "secret.key"))).mode! & 0o7777;
    assert.equal(mode.toString(8), "600");
    assert.ok(!(await Deno.readTextFile(ini)).includes(PASSWORD), "the password is in clear");
    assert.ok(!stderr.includes(PASSWORD) && !new TextDecoder().decode(r.stdout).includes(PASSWORD));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Every path under `root` with its permission bits, relative. */
function modes(root: string): { path: string; dir: boolean; mode: number }[] {
  const out: { path: string; dir: boolean; mode: number }[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const abs = join(dir, entry.name);
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      const info = Deno.lstatSync(abs);
      out.push({ path, dir: info.isDirectory, mode: info.mode! & 0o7777 });
      if (info.isDirectory) walk(abs, path);
    }
  };
  walk(root, "");
  return out;
}

Deno.test("security: state files are 0600 and state directories 0700 under umask 000", async () => {
  const s = await makeScenario({ precisionMs: 1000 });
  const previous = Deno.umask(0);
  try {
    s.writeRemote("a.txt", "a");
    s.writeRemote("sub/b.txt", "b");
    s.writeLocal("c.txt", "c");
    assert.equal((await s.pass()).report.outcome, "ok");
    s.tree.delete(`${s.remoteDir}/a.txt`); // the next pass moves the local copy to the trash
    s.writeRemote("sub/b.txt", "changed"); // and the old local version too
    assert.equal((await s.pass()).report.outcome, "ok");
    assert.ok(s.trashPaths().length >= 1, "nothing reached the trash");
    const all = modes(s.stateDir);
    assert.ok(all.length > 2, JSON.stringify(all));
    for (const { path, dir, mode } of all) {
      if (dir) assert.equal(mode.toString(8), "700", `directory ${path}`);
      // Files in the trash keep the user's own mode; the directories above them are 0700.
      else if (!path.startsWith("trash/")) assert.equal(mode.toString(8), "600", `file ${path}`);
    }
  } finally {
    Deno.umask(previous);
    await s.cleanup();
  }
});

Deno.test("security: a download never keeps setuid/setgid bits unless Linux_chmod sets them", async (t) => {
  for (const chmod of [[], ["u+s,g+s"]]) {
    await t.step(`Linux_chmod = ${chmod.join(",") || "(none)"}`, async () => {
      const s = await makeScenario({ precisionMs: 1000, section: { linuxChmod: chmod } });
      try {
        s.writeRemote("x.sh", "one");
        await s.pass();
        const path = join(s.local, "x.sh");
        // A local user made it setuid, setgid; then the server's copy changes.
        Deno.chmodSync(path, 0o6755);
        s.clock.ms += 1000;
        s.writeRemote("x.sh", "two, longer");
        const outcome = await s.pass();
        assert.equal(outcome.report.outcome, "ok", JSON.stringify(outcome.report.errors));
        assert.equal(s.readLocal("x.sh"), "two, longer");
        const mode = Deno.statSync(path).mode! & 0o7000;
        if (chmod.length === 0) assert.equal(mode, 0, `mode ${mode.toString(8)} kept`);
        else assert.equal(mode, 0o6000, `Linux_chmod not applied: ${mode.toString(8)}`);
        // The new file of a first download has none either.
        s.writeRemote("new.bin", "n");
        await s.pass();
        const fresh = Deno.statSync(join(s.local, "new.bin")).mode! & 0o7000;
        assert.equal(fresh, chmod.length === 0 ? 0 : 0o6000);
      } finally {
        await s.cleanup();
      }
    });
  }
});
