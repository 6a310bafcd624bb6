/**
 * Disk faults: Local_dir on a small tmpfs that fills up during downloads (those files fail
 * cleanly, nothing under a final name is truncated, the old version survives, no temporary file
 * is left), and a read-only local directory (a read-only bind mount: even root cannot write
 * there). Needs root and mount(8); with CI=true their absence is a failure, locally a skip.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type HostileScript, startHostileServer } from "../support/hostile_ftp_server.ts";
import { walkLocal } from "../support/sync_scenario.ts";
import { HOSTILE_IDENTIFIER, runHostilePass } from "./hostile_setup.ts";

const TEMP_PREFIX = ".ftp-clone.";

async function sh(...args: string[]): Promise<{ ok: boolean; stderr: string }> {
  const r = await new Deno.Command(args[0]!, { args: args.slice(1), stderr: "piped" }).output();
  return { ok: r.success, stderr: new TextDecoder().decode(r.stderr) };
}

/** Whether mounts can be made here; throws in CI when they cannot. */
async function canMount(dir: string): Promise<boolean> {
  const probe = join(dir, "probe");
  await Deno.mkdir(probe);
  const r = await sh("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe);
  if (r.ok) await sh("umount", probe);
  await Deno.remove(probe);
  if (!r.ok && Deno.env.get("CI") === "true") {
    throw new Error(`Cannot mount a tmpfs for the disk fault tests: ${r.stderr.trim()}`);
  }
  return r.ok;
}

/** MLSD text for `files` (path -> content) directly in `/d`. */
function mlsdOf(files: Record<string, string>): string {
  return Object.entries(files).map(([name, content], i) =>
    `type=file;size=${content.length};modify=2026010112${String(i).padStart(2, "0")}00; ${name}`
  ).join("\r\n") + "\r\n";
}

/** Makes the script serve `files` in `/d` (the script object is read at every command). */
function serve(script: HostileScript, files: Record<string, string>): void {
  script.listings = { "/d": { mlsd: mlsdOf(files) } };
  script.files = Object.fromEntries(Object.entries(files).map(([k, v]) => [`/d/${k}`, v]));
}

function temps(dir: string): string[] {
  return walkLocal(dir).filter((p) => p.split("/").some((c) => c.startsWith(TEMP_PREFIX)));
}

Deno.test("disk faults: a full Local_dir fails those downloads cleanly", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "ftp-clone-diskfull-" });
  try {
    if (!(await canMount(root))) {
      await t.step({ name: "mount is not available here: skipped", ignore: true, fn: () => {} });
      return;
    }
    const local = join(root, "local");
    const stateDir = join(root, "state");
    await Deno.mkdir(local);
    assert.ok((await sh("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", local)).ok);
    try {
      const script: HostileScript = {};
      serve(script, { "a.txt": "old version of a", "b.txt": "b" });
      await using srv = await startHostileServer(script);
      const pass = () => runHostilePass(srv, { localDir: local, stateDir });
      assert.equal((await pass()).report.outcome, "ok");
      // The server's a.txt grows beyond the disk, a big file appears, and a small one.
      const big = "A".repeat(1_500_000);
      serve(script, { "a.txt": big, "b.txt": "b", "big.bin": "B".repeat(1_500_000), "c.txt": "c" });
      const full = await pass();
      assert.equal(full.report.outcome, "failed");
      const errors = full.report.errors.join("\n");
      assert.match(errors, /a\.txt|big\.bin/, errors);
      assert.doesNotMatch(errors, /^\s+at /m);
      // Nothing truncated under a final name: each file is a whole version.
      const a = await Deno.readTextFile(join(local, "a.txt")).catch(() => undefined);
      assert.ok(
        a === undefined || a === "old version of a" || a === big,
        `a.txt: ${a?.length} bytes`,
      );
      if (a !== "old version of a") {
        // The old version went to the trash, whole.
        const trash = join(stateDir, "trash", HOSTILE_IDENTIFIER);
        const kept = walkLocal(trash).map((p) => Deno.readTextFileSync(join(trash, p)));
        assert.ok(kept.includes("old version of a"), "the old version of a.txt is lost");
      }
      const bigLocal = await Deno.stat(join(local, "big.bin")).catch(() => undefined);
      assert.ok(bigLocal === undefined || bigLocal.size === 1_500_000, "big.bin is truncated");
      assert.deepEqual(temps(local), [], "temporary files fill the disk");
      // Room again: the next pass completes.
      serve(script, { "a.txt": "new a", "b.txt": "b", "c.txt": "c" });
      const next = await pass();
      assert.equal(next.report.outcome, "ok", JSON.stringify(next.report.errors));
      assert.equal(await Deno.readTextFile(join(local, "a.txt")), "new a");
    } finally {
      await sh("umount", local);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("disk faults: a read-only local directory fails its files only", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "ftp-clone-rodir-" });
  try {
    if (!(await canMount(root))) {
      await t.step({ name: "mount is not available here: skipped", ignore: true, fn: () => {} });
      return;
    }
    const local = join(root, "local");
    const ro = join(local, "ro");
    await Deno.mkdir(ro, { recursive: true });
    await Deno.writeTextFile(join(ro, "keep.txt"), "local keep");
    assert.ok((await sh("mount", "--bind", ro, ro)).ok);
    try {
      assert.ok((await sh("mount", "-o", "remount,bind,ro", ro)).ok);
      const script: HostileScript = {
        listings: {
          "/d": {
            mlsd:
              "type=dir;modify=20260101120000; ro\r\ntype=file;size=2;modify=20260101120000; ok.txt\r\n",
          },
          "/d/ro": { mlsd: "type=file;size=3;modify=20260101120000; new.txt\r\n" },
        },
        files: { "/d/ok.txt": "ok", "/d/ro/new.txt": "new" },
      };
      await using srv = await startHostileServer(script);
      const outcome = await runHostilePass(srv, {
        localDir: local,
        stateDir: join(root, "state"),
      });
      assert.equal(outcome.report.outcome, "failed");
      assert.match(outcome.report.errors.join("\n"), /ro\/new\.txt/);
      assert.equal(await Deno.readTextFile(join(local, "ok.txt")), "ok");
      assert.equal(await Deno.readTextFile(join(ro, "keep.txt")), "local keep");
    } finally {
      await sh("umount", ro);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
