import assert from "node:assert/strict";
import { sectionLockPath, tryLockSection } from "./section_lock.ts";

Deno.test("tryLockSection()", async (t) => {
  const stateDir = await Deno.makeTempDir();
  try {
    await t.step("takes a free lock and writes the pid in a 0600 file", () => {
      const attempt = tryLockSection(stateDir, "id1");
      assert.ok(attempt.ok);
      assert.equal(Deno.readTextFileSync(sectionLockPath(stateDir, "id1")), `${Deno.pid}\n`);
      assert.equal(Deno.statSync(sectionLockPath(stateDir, "id1")).mode! & 0o777, 0o600);
      attempt.lock.release();
      attempt.lock.release(); // idempotent
    });

    await t.step("refuses a held lock and names the holder, then frees it on release", () => {
      const first = tryLockSection(stateDir, "id2");
      assert.ok(first.ok);
      const second = tryLockSection(stateDir, "id2");
      assert.deepEqual(second, {
        ok: false,
        path: sectionLockPath(stateDir, "id2"),
        pid: Deno.pid,
      });
      first.lock.release();
      const third = tryLockSection(stateDir, "id2");
      assert.ok(third.ok);
      third.lock.release();
    });

    await t.step("another process holding the lock is named by its pid", async () => {
      const script = `
        const f = Deno.openSync(${JSON.stringify(sectionLockPath(stateDir, "id3"))},
          { read: true, write: true, create: true });
        f.lockSync(true);
        f.writeSync(new TextEncoder().encode(Deno.pid + "\\n"));
        console.log("locked");
        for await (const _ of Deno.stdin.readable) { /* wait for stdin to close */ }
      `;
      const child = new Deno.Command(Deno.execPath(), {
        args: ["eval", script],
        stdin: "piped",
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = child.stdout.getReader();
      const { value } = await reader.read();
      assert.match(new TextDecoder().decode(value), /locked/);
      try {
        const attempt = tryLockSection(stateDir, "id3");
        assert.deepEqual(attempt, {
          ok: false,
          path: sectionLockPath(stateDir, "id3"),
          pid: child.pid,
        });
      } finally {
        await child.stdin.close();
        reader.releaseLock();
        await child.stdout.cancel();
        await child.status;
      }
      // The kernel released the lock with the process.
      const after = tryLockSection(stateDir, "id3");
      assert.ok(after.ok);
      after.lock.release();
    });
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
});
