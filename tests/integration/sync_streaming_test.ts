/**
 * The comparison streams (issue 16): a pass over a tree whose baseline does not fit in a tight
 * V8 heap still passes, in a child process started with that heap, against vsftpd. The same heap
 * cannot even hold the baseline read whole (the proof that the budget is tight).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { connectRemoteFs, FtpPool } from "../../sync/ftp/mod.ts";
import { runPass } from "../../sync/pass.ts";
import { ignoreUnlessServer, startServer } from "../support/ftp_servers.ts";
import { optionsFor } from "./ftp_layer_support.ts";
import { serverSection } from "../support/section_config.ts";

/** Files in the tree: 100 per directory. */
const FILES = 40_000;
/** The child's V8 old-space limit (MiB): the whole baseline of FILES rows needs more. */
const HEAP_MIB = 24;
/** June 2025: LIST shows the day only, and the pass needs no MDTM. */
const MTIME = new Date("2025-06-01T12:00:00Z");

/** Runs `script` with `args` under the heap limit; returns its exit code and stderr. */
async function inTightHeap(script: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `--v8-flags=--max-old-space-size=${HEAP_MIB},--max-semi-space-size=1`,
      new URL(script, import.meta.url).pathname,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test({
  name: "a pass whose baseline exceeds the heap still passes (the walk streams)",
  ignore: ignoreUnlessServer("vsftpd"),
}, async () => {
  await using srv = await startServer({ kind: "vsftpd", mode: "plain" });
  const work = await Deno.makeTempDir({ prefix: "ftp-clone-streaming-" });
  try {
    const local = join(work, "local");
    const stateDir = join(work, "state");
    for (let d = 0; d < FILES / 100; d++) {
      const dir = join(local, `d${String(d).padStart(3, "0")}`);
      Deno.mkdirSync(dir, { recursive: true });
      for (let f = 0; f < 100; f++) {
        const path = join(dir, `file-with-a-longish-name-${f}.txt`);
        Deno.writeTextFileSync(path, `${d}/${f}`);
        Deno.utimeSync(path, MTIME, MTIME);
      }
    }
    // The same tree on the server, owned by the FTP user.
    const data = join(srv.root, "data");
    for (
      const args of [["-a", local, data], ["-R", "--reference", srv.root, data]]
    ) {
      const tool = args[0] === "-a" ? "cp" : "chown";
      const done = await new Deno.Command(tool, { args }).output();
      assert.equal(done.code, 0, new TextDecoder().decode(done.stderr));
    }
    const section = serverSection(srv, {
      name: "BIG",
      concurrentConnections: 2,
      localDir: local,
      identifier: "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed",
    });
    // The first sync (adopting every file) runs here, without a limit: its plan holds an
    // action per file.
    const pool = new FtpPool(() => connectRemoteFs(optionsFor(srv)), { size: 2 });
    try {
      const first = await runPass({
        section,
        stateDir,
        binDirectory: "/bin",
        dryRun: false,
        now: new Date(),
        pool,
        identifier: section.identifier!,
      });
      assert.equal(first.report.outcome, "ok", first.report.errors.join("\n"));
    } finally {
      await pool.close();
    }
    const whole = await inTightHeap("./sync_streaming_child.ts", [
      JSON.stringify({ mode: "readWhole", section, stateDir }),
    ]);
    assert.notEqual(whole.code, 0, "the whole baseline fits in the heap: the test proves nothing");
    assert.match(whole.stderr, /heap|memory/i);
    const pass = await inTightHeap("./sync_streaming_child.ts", [
      JSON.stringify({ mode: "pass", section, stateDir, connect: optionsFor(srv) }),
    ]);
    assert.equal(pass.code, 0, pass.stderr.slice(-2000));
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
