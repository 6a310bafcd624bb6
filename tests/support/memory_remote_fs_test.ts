import assert from "node:assert/strict";
import { FtpError } from "../../sync/ftp/errors.ts";
import { MemoryRemoteTree } from "./memory_remote_fs.ts";

const NOW = Date.parse("2026-11-25T14:05:31.500Z");
const OLD = Date.parse("2025-01-05T08:07:09Z");

function tree(options: Partial<ConstructorParameters<typeof MemoryRemoteTree>[0]> = {}) {
  return new MemoryRemoteTree({ precisionMs: 1000, now: () => NOW, ...options });
}

async function rejectsWithCode(promise: Promise<unknown>, code: number | string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FtpError, String(error));
    assert.equal(error.code, code);
    return true;
  });
}

Deno.test("MemoryRemoteTree lists like MLSD or LIST", async (t) => {
  await t.step("MLSD: whole seconds", async () => {
    const remote = tree();
    remote.putFile("/d/a.txt", "hello", { mtimeMs: NOW });
    remote.putDir("/d/sub");
    const fs = remote.connect();
    const entries = await fs.list("/d");
    assert.deepEqual(entries[0], {
      name: "a.txt",
      kind: "file",
      size: 5,
      mtimeMs: Date.parse("2026-11-25T14:05:31Z"),
      mtimePrecisionMs: 1000,
      rawTime: "20261125140531",
    });
    assert.equal(entries[1]?.kind, "dir");
    assert.equal(fs.capabilities.mlsd, true);
    await fs.close();
  });
  await t.step("LIST: minutes when recent, days when old", async () => {
    const remote = tree({ precisionMs: 60_000 });
    remote.putFile("/new.txt", "x", { mtimeMs: NOW });
    remote.putFile("/old.txt", "x", { mtimeMs: OLD });
    const fs = remote.connect();
    const [recent, old] = await fs.list("/");
    assert.equal(recent?.mtimeMs, Date.parse("2026-11-25T14:05:00Z"));
    assert.equal(recent?.mtimePrecisionMs, 60_000);
    assert.equal(recent?.rawTime, "Nov 25 14:05");
    assert.equal(old?.mtimeMs, Date.parse("2025-01-05T00:00:00Z"));
    assert.equal(old?.mtimePrecisionMs, 86_400_000);
    assert.equal(old?.rawTime, "Jan  5  2025");
    assert.equal(await fs.mtime("/new.txt"), Date.parse("2026-11-25T14:05:31Z"));
    assert.equal(fs.capabilities.mlsd, false);
    await fs.close();
  });
  await t.step("a missing directory is 550", async () => {
    await rejectsWithCode(tree().connect().list("/nope"), 550);
  });
  await t.step("symlinks are reported, not followed", async () => {
    const remote = tree();
    remote.putSymlink("/link", "/etc");
    assert.equal((await remote.connect().list("/"))[0]?.kind, "symlink");
  });
});

Deno.test("MemoryRemoteFs transfers, renames and deletes like a server", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const remote = tree();
    const fs = remote.connect();
    await t.step("upload and download files", async () => {
      await Deno.writeTextFile(`${dir}/up.txt`, "upload me");
      await fs.uploadFromFile(`${dir}/up.txt`, "/up.txt");
      assert.equal(remote.readText("/up.txt"), "upload me");
      await fs.downloadToFile("/up.txt", `${dir}/down.txt`);
      assert.equal(await Deno.readTextFile(`${dir}/down.txt`), "upload me");
      assert.equal(await fs.size("/up.txt"), 9);
    });
    await t.step("resume: APPE and REST", async () => {
      await Deno.writeTextFile(`${dir}/resume.txt`, "0123456789");
      remote.putFile("/resume.txt", "01234");
      await fs.uploadFromFile(`${dir}/resume.txt`, "/resume.txt", { startAt: 5 });
      assert.equal(remote.readText("/resume.txt"), "0123456789");
      await Deno.writeTextFile(`${dir}/part.txt`, "012");
      await fs.downloadToFile("/resume.txt", `${dir}/part.txt`, { startAt: 3 });
      assert.equal(await Deno.readTextFile(`${dir}/part.txt`), "0123456789");
    });
    await t.step("upload into a missing directory is 553", async () => {
      await rejectsWithCode(fs.uploadFromFile(`${dir}/up.txt`, "/nope/up.txt"), 553);
    });
    await t.step("rename, onto an existing file too", async () => {
      remote.putFile("/t1", "new");
      remote.putFile("/t2", "old");
      await fs.rename("/t1", "/t2");
      assert.equal(remote.readText("/t2"), "new");
      assert.equal(remote.getFile("/t1"), undefined);
      await rejectsWithCode(fs.rename("/missing", "/x"), 550);
    });
    await t.step("a server that refuses to rename onto a file: 553", async () => {
      const strict = tree({ renameOverwrite: false });
      strict.putFile("/a", "a");
      strict.putFile("/b", "b");
      await rejectsWithCode(strict.connect().rename("/a", "/b"), 553);
      assert.equal(strict.readText("/b"), "b");
    });
    await t.step("mkdir, rmdir, remove", async () => {
      await fs.mkdir("/d");
      await rejectsWithCode(fs.mkdir("/d"), 550);
      await rejectsWithCode(fs.mkdir("/x/y"), 550);
      remote.putFile("/d/f", "f");
      await rejectsWithCode(fs.rmdir("/d"), 550);
      await rejectsWithCode(fs.remove("/d"), 550);
      await fs.remove("/d/f");
      await fs.rmdir("/d");
      assert.equal(remote.node("/d"), undefined);
      await rejectsWithCode(fs.remove("/d/f"), 550);
    });
    await t.step("setMtime with MFMT, whole seconds", async () => {
      remote.putFile("/m", "m");
      assert.equal(await fs.setMtime("/m", OLD + 750), true);
      assert.equal(await fs.mtime("/m"), OLD);
      const bare = tree({ mfmt: false });
      bare.putFile("/m", "m", { mtimeMs: NOW });
      assert.equal(await bare.connect().setMtime("/m", OLD), false);
    });
    await t.step("paths with .. are refused", async () => {
      await rejectsWithCode(fs.list("/a/../.."), 550);
    });
    await t.step("operations are counted", () => {
      assert.equal(remote.counts.upload, 3);
      assert.equal(remote.counts.connect, 1);
      remote.resetCounts();
      assert.equal(remote.counts.upload, 0);
    });
    await fs.close();
    assert.equal(fs.closed, true);
    assert.equal(remote.openConnections, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MemoryRemoteTree injects failures", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/big.txt`, "0123456789");
    await t.step("an upload cut after 4 bytes leaves them under the target name", async () => {
      const remote = tree();
      const fs = remote.connect();
      remote.failNext({
        op: "upload",
        path: /\.part$/,
        afterBytes: 4,
        error: new FtpError("Connection reset", { code: "ECONNRESET", transient: true }),
      });
      await fs.uploadFromFile(`${dir}/big.txt`, "/ok.txt"); // does not match the path
      await rejectsWithCode(fs.uploadFromFile(`${dir}/big.txt`, "/.x.part"), "ECONNRESET");
      assert.equal(remote.readText("/.x.part"), "0123");
      assert.equal(fs.closed, true, "a socket error closes the connection");
      await rejectsWithCode(fs.list("/"), "ECONNRESET");
      assert.equal(remote.counts.upload, 2);
    });
    await t.step("a download cut after 3 bytes", async () => {
      const remote = tree();
      remote.putFile("/f", "abcdef");
      remote.failNext({
        op: "download",
        afterBytes: 3,
        error: new FtpError("Timeout", { code: 426, transient: true }),
      });
      const fs = remote.connect();
      await rejectsWithCode(fs.downloadToFile("/f", `${dir}/f`), 426);
      assert.equal(await Deno.readTextFile(`${dir}/f`), "abc");
      assert.equal(fs.closed, false);
      await fs.downloadToFile("/f", `${dir}/f`);
      assert.equal(await Deno.readTextFile(`${dir}/f`), "abcdef");
    });
    await t.step("an operation fails n times by path, then works", async () => {
      const remote = tree();
      remote.putFile("/a", "a");
      remote.failNext({
        op: "rename",
        path: "/a",
        times: 2,
        error: new FtpError("Refused", { code: 553, transient: false }),
      });
      const fs = remote.connect();
      await rejectsWithCode(fs.rename("/a", "/b"), 553);
      await rejectsWithCode(fs.rename("/a", "/b"), 553);
      await fs.rename("/a", "/b");
      assert.equal(remote.readText("/b"), "a");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MemoryRemoteFsPool shares one tree, caps connections and replaces closed ones", async (t) => {
  await t.step("at most size connections at once", async () => {
    const remote = tree();
    const pool = remote.pool(2);
    let active = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 6 }, (_, i) =>
      pool.use(async (fs) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        await fs.mkdir(`/d${i}`);
        active--;
      })));
    assert.equal(peak, 2);
    assert.equal(remote.counts.connect, 2);
    assert.equal(remote.paths().length, 6);
    await pool.close();
    assert.equal(remote.openConnections, 0);
  });
  await t.step("a closed connection is replaced", async () => {
    const remote = tree();
    const pool = remote.pool(1);
    remote.failNext({
      op: "list",
      error: new FtpError("Reset", { code: "ECONNRESET", transient: true }),
    });
    await rejectsWithCode(pool.use((fs) => fs.list("/")), "ECONNRESET");
    assert.deepEqual(await pool.use((fs) => fs.list("/")), []);
    assert.equal(remote.counts.connect, 2);
    await pool.close();
  });
  await t.step("421 shrinks the pool", async () => {
    const remote = tree({ maxConnections: 1 });
    const pool = remote.pool(3);
    const hold = Promise.withResolvers<void>();
    const first = pool.use(() => hold.promise);
    await new Promise((resolve) => setTimeout(resolve, 1));
    await rejectsWithCode(pool.use((fs) => fs.list("/")), 421);
    assert.equal(pool.size, 2);
    hold.resolve();
    await first;
    await pool.close();
    await assert.rejects(pool.use((fs) => fs.list("/")));
  });
});

Deno.test("MemoryRemoteFs.mtimes: each file's time, or the error mtime() rejects with", async () => {
  const remote = tree();
  remote.putFile("/a.txt", "a", { mtimeMs: NOW });
  const fs = remote.connect();
  const [a, missing] = await fs.mtimes(["/a.txt", "/missing.txt"]);
  assert.equal(a, Date.parse("2026-11-25T14:05:31Z"));
  assert.ok(missing instanceof FtpError && missing.meaning === "notFound", String(missing));
  await fs.close();
});
