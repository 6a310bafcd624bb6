/**
 * `ftp-clone demo` as a new user runs it: the scenario to its end (with the hidden
 * `--exit-after-scenario`), and Ctrl-C while the service runs. Both must leave no temporary
 * folder behind (TMPDIR points the demo at a folder of the test's own).
 * @module
 */
import assert from "node:assert/strict";
import { cliEnv, MOD_TS, REPO_ROOT, runCli } from "../support/cli.ts";

Deno.test("ftp-clone demo --exit-after-scenario syncs both ways, keeps a conflict, cleans up", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "e2e_demo_" });
  try {
    const r = await runCli(["demo", "--exit-after-scenario"], {
      env: { TMPDIR: tmp },
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (
      const pattern of [
        /^Pass 1:\n {2}downloaded notes\.txt \(server -> local\)$/m,
        /^ {2}uploaded hello-from-local\.txt \(local -> server\)$/m,
        /^ {2}downloaded hello-from-server\.txt \(server -> local\)$/m,
        /^ {2}conflict on notes\.txt: .*\n {4}the server's version is kept as notes\.conflict-\d{8}T\d{6}-remote\.txt, on both sides$/m,
        /^ok: The demo scenario is done/m,
        /served by the embedded FTP server at ftp:\/\/demo@127\.0\.0\.1:\d+\//,
      ]
    ) {
      assert.match(r.stdout, pattern);
    }
    const dir = /^Removed the demo folder (\S+)$/m.exec(r.stdout)?.[1];
    assert.ok(dir !== undefined && dir.startsWith(`${tmp}/ftp-clone-demo-`), r.stdout);
    assert.deepEqual([...Deno.readDirSync(tmp)], [], "nothing left in TMPDIR");
    // stderr has the service's log from the warning level up (the conflict), and no error.
    assert.doesNotMatch(r.stderr, /\berror\b/i);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("ftp-clone demo stops on SIGINT and removes its folder", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "e2e_demo_" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MOD_TS, "demo"],
    cwd: REPO_ROOT,
    env: cliEnv({ TMPDIR: tmp }),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  try {
    const stderr = new Response(child.stderr).text();
    let stdout = "";
    const decoder = new TextDecoder();
    const reader = child.stdout.getReader();
    // The scenario ends with "Press Ctrl-C to stop."; the service then keeps running.
    while (!stdout.includes("Press Ctrl-C to stop.")) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += decoder.decode(value, { stream: true });
    }
    const dir = /^ {2}configuration +(\S+)\/parametre\.ini$/m.exec(stdout)?.[1];
    assert.ok(dir !== undefined && dir.startsWith(`${tmp}/ftp-clone-demo-`), stdout);
    assert.ok((await Deno.stat(dir)).isDirectory);
    child.kill("SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += decoder.decode(value, { stream: true });
    }
    const status = await child.status;
    assert.equal(status.code, 0, stdout + (await stderr));
    assert.match(stdout, /Stopping: the running pass ends at a safe point/);
    assert.ok(stdout.includes(`Removed the demo folder ${dir}`), stdout);
    assert.deepEqual([...Deno.readDirSync(tmp)], [], "nothing left in TMPDIR");
  } finally {
    clearTimeout(killer);
    await Deno.remove(tmp, { recursive: true });
  }
});
