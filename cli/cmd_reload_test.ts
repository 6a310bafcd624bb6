import assert from "node:assert/strict";
import { join } from "node:path";
import type { Systemctl, SystemctlResult } from "../deploy/mod.ts";
import { runReload } from "./cmd_reload.ts";
import { createContext } from "./context.ts";
import { captureOutput } from "./output.ts";
import { readReloadAnswer, writeReloadAnswer } from "./reload_answer.ts";

const GOOD = "[FTP1]\nServer = s\nRemote_dir = /\nLocal_dir = /srv/x\n";

async function setUp() {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-reload-" });
  const ini = join(dir, "parametre.ini");
  const run = join(dir, "run");
  Deno.mkdirSync(run);
  await Deno.writeTextFile(ini, `[Service]\nStateDirectory = ${dir}/state\n\n${GOOD}`);
  const context = () => {
    const captured = captureOutput();
    const ctx = createContext({ config: ini }, {
      output: captured.output,
      env: { RUNTIME_DIRECTORY: run },
      cwd: "/",
    });
    return { ctx, captured };
  };
  return { dir, ini, run, context };
}

Deno.test("reload --pid: validates, signals, and waits for the service's answer", async (t) => {
  const s = await setUp();
  try {
    await t.step("accepted: exit 0", async () => {
      writeReloadAnswer(s.run, { pid: 4242, seq: 3, ok: true, errors: [], sections: 1, at: "" });
      const signals: string[] = [];
      const { ctx, captured } = s.context();
      const code = await runReload(ctx, { pid: 4242 }, {
        uid: 0,
        kill: (pid, signal) => {
          signals.push(`${signal} ${pid}`);
          // The service answers once it has read the file.
          writeReloadAnswer(s.run, { pid, seq: 4, ok: true, errors: [], sections: 2, at: "" });
        },
        sleep: () => Promise.resolve(),
      });
      assert.equal(code, 0, captured.stderr());
      assert.deepEqual(signals, ["SIGHUP 4242"]);
      assert.equal(captured.stdout(), "ok: Configuration reloaded: 2 section(s).\n");
    });
    await t.step("refused by the service: its errors, exit 2", async () => {
      const { ctx, captured } = s.context();
      const code = await runReload(ctx, { pid: 4242 }, {
        uid: 0,
        kill: (pid) =>
          writeReloadAnswer(s.run, {
            pid,
            seq: 5,
            ok: false,
            errors: ["x.ini:2: [Service] ServiceWait: bad"],
            sections: 1,
            at: "",
          }),
        sleep: () => Promise.resolve(),
      });
      assert.equal(code, 2);
      assert.match(captured.stderr(), /^x\.ini:2: \[Service\] ServiceWait: bad\n/);
    });
    await t.step("no answer: exit 1 after the timeout", async () => {
      const { ctx, captured } = s.context();
      const code = await runReload(ctx, { pid: 4242, timeoutMs: 300 }, {
        uid: 0,
        kill: () => {},
        sleep: () => Promise.resolve(),
      });
      assert.equal(code, 1);
      assert.match(captured.stderr(), /did not answer the reload within 0\.3 s/);
    });
    await t.step("a broken file: its lines, exit 2, no signal (issue 14)", async () => {
      await Deno.writeTextFile(s.ini, `[Service]\nServiceWait = 0,5\n\n${GOOD}`);
      const { ctx, captured } = s.context();
      let signalled = false;
      const code = await runReload(ctx, { pid: 4242 }, {
        uid: 0,
        kill: () => signalled = true,
        sleep: () => Promise.resolve(),
      });
      assert.equal(code, 2);
      assert.equal(signalled, false);
      assert.match(captured.stderr(), new RegExp(`^${s.ini}:2: \\[Service\\] ServiceWait: `, "m"));
      assert.equal(readReloadAnswer(s.run)?.seq, 5, "nothing asked of the service");
    });
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("reload without --pid: validates, then systemctl reload", async () => {
  const s = await setUp();
  try {
    const calls: string[] = [];
    const ok: SystemctlResult = { code: 0, stdout: "", stderr: "" };
    const systemctl = {
      reload: (unit: string) => (calls.push(`reload ${unit}`), Promise.resolve(ok)),
    } as unknown as Systemctl;
    const { ctx, captured } = s.context();
    assert.equal(await runReload(ctx, {}, { uid: 0, systemctl }), 0);
    assert.deepEqual(calls, ["reload ftp-clone-service.service"]);
    assert.equal(captured.stdout(), "ok: Configuration reloaded.\n");
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});
