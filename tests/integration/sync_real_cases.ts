/**
 * The engine's core scenarios against a real server through the real FTP layer, shared by one
 * test file per server kind (so that the three kinds run in parallel processes).
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { SectionConfig } from "../../config/mod.ts";
import { connectRemoteFs, FtpPool } from "../../sync/ftp/mod.ts";
import { runPass, sectionRoots } from "../../sync/pass.ts";
import { readBaseline } from "../../sync/baseline_reader.ts";
import { trashDir } from "../../sync/trash.ts";
import type { PassOutcome } from "../../sync/pass.ts";
import { exitCodeFor, syncSections } from "../../sync/run_sections.ts";
import {
  type ServerKind,
  startServer,
  type TestServer,
  type TlsMode,
} from "../support/ftp_servers.ts";
import { walkLocal } from "../support/sync_scenario.ts";
import { optionsFor, pseudoRandomBytes } from "./ftp_layer_support.ts";
import { serverSection } from "../support/section_config.ts";

const TYPES: Record<TlsMode, SectionConfig["type"]> = {
  plain: "ftp",
  explicit: "ftpes",
  implicit: "ftps",
};

/** A section synchronising a temp Local_dir with `/data` on a test server. */
interface RealSetup {
  srv: TestServer;
  local: string;
  stateDir: string;
  section: SectionConfig;
  pass(options?: { dryRun?: boolean }): Promise<PassOutcome>;
  remoteFile(path: string): string;
  /** STOR and RETR commands the server has logged so far. */
  transfers(): Promise<number>;
  /** RNFR commands logged so far; undefined where the log has transfers only (pure-ftpd). */
  renames(): Promise<number | undefined>;
}

async function setUp(
  srv: TestServer,
  root: string,
  name: string,
  extra: Partial<SectionConfig> = {},
): Promise<RealSetup> {
  const local = join(root, `${name}-local`);
  const stateDir = join(root, "state");
  Deno.mkdirSync(local, { recursive: true });
  await srv.mkdir(name);
  const section = serverSection(srv, {
    name,
    type: TYPES[srv.mode],
    remoteDir: `/${name}`,
    localDir: local,
    identifier: `${name}-0123456789abcdef0123456789abcdef0123`,
    tlsFingerprint: srv.certFingerprint,
    ...extra,
  });
  return {
    srv,
    local,
    stateDir,
    section,
    async pass(options = {}) {
      // As a `sync` run from cron: the server's time is measured once, kept in the state dir.
      const connect = { ...optionsFor(srv), ...(options.dryRun ? {} : { stateDir }) };
      const pool = new FtpPool(() => connectRemoteFs(connect), { size: 4 });
      try {
        return await runPass({
          section,
          stateDir,
          binDirectory: "/bin",
          dryRun: options.dryRun ?? false,
          now: new Date(),
          pool,
          identifier: section.identifier!,
          retryDelaysMs: [100, 300],
        });
      } finally {
        await pool.close();
      }
    },
    remoteFile: (path) => join(srv.root, name, path),
    async transfers() {
      const log = await srv.commandLog();
      return (log.match(/"(STOR|RETR|PUT|GET) /g) ?? []).length;
    },
    async renames() {
      if (srv.kind === "pure-ftpd") return undefined; // its CLF log tells transfers only
      return ((await srv.commandLog()).match(/"RNFR /g) ?? []).length;
    },
  };
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

function write(path: string, content: string | Uint8Array, mtime?: Date): void {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  if (typeof content === "string") Deno.writeTextFileSync(path, content);
  else Deno.writeFileSync(path, content);
  if (mtime !== undefined) Deno.utimeSync(path, mtime, mtime);
}

function ok(outcome: PassOutcome): void {
  assert.equal(outcome.report.outcome, "ok", outcome.report.errors.join("\n"));
}

/** Runs the core scenarios against one kind of server. */
export async function runSyncScenarios(t: Deno.TestContext, kind: ServerKind): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "ftp-clone-sync-real-" });
  try {
    await using srv = await startServer({ kind, mode: "plain" });

    await t.step("first sync merges, then a second pass transfers nothing", async () => {
      const s = await setUp(srv, root, "merge");
      const old = new Date(Date.now() - 400 * 86_400_000); // over a year: LIST year form
      write(join(s.local, "local only.txt"), "L");
      write(join(s.local, "old-local.txt"), "old local", old);
      await srv.writeFile("merge/remote only.txt", "R");
      await srv.writeFile("merge/old-remote.txt", "old remote", { mtime: old });
      await srv.writeFile("merge/same.txt", "same", { mtime: old });
      write(join(s.local, "same.txt"), "same", old);
      await srv.mkdir("merge/empty remote dir");
      Deno.mkdirSync(join(s.local, "empty local dir"));
      write(join(s.local, "empty-file"), "");
      ok(await s.pass());
      assert.equal(readText(s.remoteFile("local only.txt")), "L");
      assert.equal(readText(join(s.local, "remote only.txt")), "R");
      assert.equal(readText(join(s.local, "old-remote.txt")), "old remote");
      assert.ok(Deno.statSync(join(s.local, "empty remote dir")).isDirectory);
      assert.ok(Deno.statSync(s.remoteFile("empty local dir")).isDirectory);
      assert.equal(Deno.statSync(s.remoteFile("empty-file")).size, 0);
      assert.deepEqual(walkLocal(s.local), walkLocal(s.remoteFile("")));
      const before = await s.transfers();
      const second = await s.pass();
      ok(second);
      assert.deepEqual(second.plan.actions, []);
      assert.equal(await s.transfers(), before, "no STOR/RETR on the second pass");
    });

    await t.step("add, modify, delete both ways; conflict; modify versus delete", async () => {
      const s = await setUp(srv, root, "changes");
      for (const name of ["a", "b", "c", "d", "e", "f", "g", "h"]) {
        write(join(s.local, `${name}.txt`), `${name}1`);
      }
      ok(await s.pass());
      write(join(s.local, "a.txt"), "a2 local");
      await srv.writeFile("changes/b.txt", "b2 remote");
      Deno.removeSync(join(s.local, "c.txt"));
      Deno.removeSync(s.remoteFile("d.txt"));
      write(join(s.local, "e.txt"), "e2 local", new Date(Date.now() - 600_000));
      await srv.writeFile("changes/e.txt", "e2 remote, newer");
      write(join(s.local, "f.txt"), "f2 local");
      Deno.removeSync(s.remoteFile("f.txt"));
      Deno.removeSync(join(s.local, "g.txt"));
      await srv.writeFile("changes/g.txt", "g2 remote");
      const { report } = await s.pass();
      assert.equal(report.outcome, "ok", report.errors.join("\n"));
      assert.equal(readText(s.remoteFile("a.txt")), "a2 local");
      assert.equal(readText(join(s.local, "b.txt")), "b2 remote");
      assert.equal(readText(s.remoteFile("c.txt")), undefined);
      assert.equal(readText(join(s.local, "d.txt")), undefined);
      assert.equal(readText(join(s.local, "e.txt")), "e2 remote, newer");
      const copy = walkLocal(s.local).find((p) => p.includes(".conflict-"));
      assert.ok(copy?.endsWith("-local.txt"), copy);
      assert.equal(readText(join(s.local, copy!)), "e2 local");
      assert.equal(readText(s.remoteFile(copy!)), "e2 local");
      assert.equal(readText(s.remoteFile("f.txt")), "f2 local");
      assert.equal(readText(join(s.local, "g.txt")), "g2 remote");
      assert.equal(report.conflicts, 1);
      assert.deepEqual(walkLocal(s.local), walkLocal(s.remoteFile("")));
      const again = await s.pass();
      assert.deepEqual(again.plan.actions, []);
    });

    await t.step("hard names and deep trees both ways", async () => {
      const s = await setUp(srv, root, "names");
      const deep = Array.from({ length: 20 }, (_, i) => `level${i}`).join("/");
      const names = ["with space.txt", "é.txt", "日本語.txt", "-leading-dash", "x".repeat(200)];
      for (const name of names) write(join(s.local, "up", name), `up ${name}`);
      write(join(s.local, deep, "leaf.txt"), "deep");
      for (const name of names) await srv.writeFile(`names/down/${name}`, `down ${name}`);
      ok(await s.pass());
      for (const name of names) {
        assert.equal(readText(s.remoteFile(`up/${name}`)), `up ${name}`);
        assert.equal(readText(join(s.local, "down", name)), `down ${name}`);
      }
      assert.equal(readText(s.remoteFile(`${deep}/leaf.txt`)), "deep");
      const again = await s.pass();
      assert.deepEqual(again.plan.actions, []);
    });

    await t.step("the MaxDelete guard changes nothing", async () => {
      const s = await setUp(srv, root, "guard");
      for (let i = 0; i < 4; i++) write(join(s.local, `f${i}`), "x");
      ok(await s.pass());
      for (let i = 0; i < 3; i++) Deno.removeSync(s.remoteFile(`f${i}`));
      const { report } = await s.pass();
      assert.equal(report.outcome, "aborted");
      for (const part of [/"guard"/, /3 of 4/, /local/, /MaxDelete=50/]) {
        assert.match(report.errors[0]!, part);
      }
      assert.equal(walkLocal(s.local).length, 4);
    });

    await t.step("Linux_chown and Linux_chmod are applied to downloads", async () => {
      const s = await setUp(srv, root, "owner", {
        linuxChown: "65534:65534",
        linuxChmod: ["600", "g+r"],
      });
      await srv.writeFile("owner/sub/f.txt", "owned");
      ok(await s.pass());
      const file = Deno.statSync(join(s.local, "sub/f.txt"));
      assert.equal(file.uid, 65534);
      assert.equal(file.mode! & 0o7777, 0o640);
      const dir = Deno.statSync(join(s.local, "sub"));
      assert.equal(dir.uid, 65534);
      assert.equal(dir.mode! & 0o7000, 0);
    });

    await t.step("a 200 MiB file both ways, byte-identical", async () => {
      const s = await setUp(srv, root, "big");
      // One buffer both ways (generating and writing 200 MiB costs more than the transfer).
      const data = pseudoRandomBytes(200 * 1024 * 1024, 7);
      write(join(s.local, "up.bin"), data);
      await srv.writeFile("big/down.bin", data);
      const upHash = sha256(data);
      const downHash = upHash;
      ok(await s.pass());
      assert.equal(sha256(Deno.readFileSync(s.remoteFile("up.bin"))), upHash);
      assert.equal(sha256(Deno.readFileSync(join(s.local, "down.bin"))), downHash);
      // Free 800 MB of disk before the next steps (three servers' tests run at once).
      Deno.removeSync(s.local, { recursive: true });
      Deno.removeSync(s.remoteFile(""), { recursive: true });
    });

    await t.step(
      "the server killed mid-upload: no partial file, the next pass completes",
      async () => {
        const s = await setUp(srv, root, "killed");
        const data = pseudoRandomBytes(64 * 1024 * 1024, 3);
        write(join(s.local, "big.bin"), data);
        const pass = s.pass();
        // Kill once the temporary upload has started growing (up to 30 s on a loaded machine).
        for (let i = 0; i < 1200; i++) {
          await new Promise((resolve) => setTimeout(resolve, 25));
          const temps = [...Deno.readDirSync(s.remoteFile(""))].filter((e) =>
            e.name.startsWith(".ftp-clone.")
          );
          if (temps.length > 0) break;
        }
        await srv.kill();
        const first = await pass.finally(() => srv.restart());
        assert.equal(first.report.outcome, "failed");
        assert.equal(readText(s.remoteFile("big.bin")), undefined);
        ok(await s.pass());
        assert.equal(Deno.statSync(s.remoteFile("big.bin")).size, data.length);
        Deno.removeSync(s.local, { recursive: true });
        Deno.removeSync(s.remoteFile(""), { recursive: true });
      },
    );

    await t.step(
      "a local edit never overwrites an unseen remote version (minute, day)",
      async () => {
        for (
          const [name, ageMs] of [["minute", 2 * 3_600_000], ["day", 400 * 86_400_000]] as const
        ) {
          const s = await setUp(srv, root, `unseen-${name}`);
          // 06:00:10 UTC plus a few seconds stays in the same LIST minute and the same day.
          const day = new Date(Date.now() - ageMs).toISOString().slice(0, 10);
          const base = name === "day"
            ? new Date(`${day}T06:00:10Z`)
            : new Date(Math.floor((Date.now() - ageMs) / 60_000) * 60_000 + 10_000);
          await srv.writeFile(`unseen-${name}/f.txt`, "version 1 seen", { mtime: base });
          ok(await s.pass());
          assert.equal(readText(join(s.local, "f.txt")), "version 1 seen");
          // Rewritten by another client, same size, backdated into the same minute or day.
          await srv.writeFile(`unseen-${name}/f.txt`, "version 2 NEW!", {
            mtime: new Date(base.getTime() + 20_000),
          });
          write(join(s.local, "f.txt"), "local edit of version 1");
          const first = await s.pass();
          ok(first);
          // A LIST server kept its version under the name (the next pass keeps both); an MLSD
          // one showed the rewrite, and both were kept at once.
          const onServer = walkLocal(s.remoteFile("")).map((p) => readText(s.remoteFile(p)));
          assert.ok(onServer.includes("version 2 NEW!"), `${name}: ${onServer}`);
          ok(await s.pass());
          const contents = (dir: string) =>
            walkLocal(dir).filter((p) => !p.endsWith("/")).map((p) => readText(join(dir, p)))
              .sort();
          assert.deepEqual(contents(s.local), ["local edit of version 1", "version 2 NEW!"], name);
          assert.deepEqual(contents(s.remoteFile("")), contents(s.local), name);
        }
      },
    );

    await t.step(
      "a first pass over a mirror uploaded by another client: compared, adopted",
      async () => {
        const s = await setUp(srv, root, "mirror");
        // Whole seconds: a server keeps no finer time.
        const authored = new Date(Math.floor(Date.now() / 1000) * 1000 - 30 * 86_400_000);
        const uploaded = new Date(Math.floor(Date.now() / 1000) * 1000 - 86_400_000);
        const names = ["index.html", "css/site.css", "img/logo.svg"];
        for (const name of names) {
          write(join(s.local, name), `content of ${name}`, authored);
          await srv.writeFile(`mirror/${name}`, `content of ${name}`, { mtime: uploaded });
        }
        const log = await srv.commandLog();
        const stores = () =>
          srv.commandLog().then((l) => (l.slice(log.length).match(/"(STOR|PUT) /g) ?? []).length);
        const first = await s.pass();
        ok(first);
        assert.equal(first.report.conflicts, 0);
        assert.equal(
          (first.report.comparedByHash ?? 0) + (first.report.comparedByDownload ?? 0),
          3,
        );
        assert.equal(first.report.uploaded + first.report.downloaded, 0);
        assert.equal(await stores(), 0, "no STOR");
        // The older (authoring) time on both sides.
        for (const name of names) {
          assert.equal(
            Deno.statSync(s.remoteFile(name)).mtime?.getTime(),
            authored.getTime(),
            name,
          );
          assert.equal(
            Deno.statSync(join(s.local, name)).mtime?.getTime(),
            authored.getTime(),
            name,
          );
        }
        const before = await s.transfers();
        const second = await s.pass();
        assert.deepEqual(second.plan.actions, []);
        assert.equal(await s.transfers(), before, "no STOR/RETR on the second pass");
      },
    );

    await t.step("a directory replaced by a file on the server only: the file wins", async () => {
      const s = await setUp(srv, root, "kind", { maxDeletePercent: 100 });
      await srv.writeFile("kind/x/one.txt", "one");
      await srv.writeFile("kind/x/two.txt", "two");
      ok(await s.pass());
      Deno.removeSync(s.remoteFile("x"), { recursive: true });
      await srv.writeFile("kind/x", "now a file");
      const { report } = await s.pass();
      assert.equal(report.outcome, "ok", report.errors.join("\n"));
      assert.equal(report.conflicts, 0);
      assert.equal(readText(join(s.local, "x")), "now a file");
      const trash = trashDir(s.local);
      assert.deepEqual(walkLocal(trash).filter((p) => !p.endsWith("/")), [
        "x/one.txt",
        "x/two.txt",
      ]);
      assert.deepEqual((await s.pass()).plan.actions, []);
    });

    await t.step(
      "a file appended every few ms reaches the server whole and consistent",
      async () => {
        const s = await setUp(srv, root, "growing");
        const path = join(s.local, "app.log");
        write(path, "");
        let written = "";
        let stop = false;
        const writer = (async () => {
          for (let i = 0; !stop; i++) {
            const line = `line ${i} ${"x".repeat(200)}\n`;
            await Deno.writeTextFile(path, line, { append: true });
            written += line;
            await new Promise((resolve) => setTimeout(resolve, 3));
          }
        })();
        try {
          const { report } = await s.pass();
          assert.equal(report.outcome, "ok", report.errors.join("\n"));
          const sent = readText(s.remoteFile("app.log")) ?? "";
          assert.ok(sent.length > 0 && written.startsWith(sent), "torn or missing on the server");
        } finally {
          stop = true;
          await writer;
        }
      },
    );

    await t.step(
      "a 1,000-file directory renamed locally, then on the server: one rename, no transfer",
      async () => {
        const s = await setUp(srv, root, "moves");
        // Three days old: a LIST-only server shows them to the minute, and the lister asks no
        // MDTM for them; the move asks the new names' exact times itself.
        const base = Date.now() - 3 * 86_400_000;
        for (let i = 0; i < 1000; i++) {
          const content = `file ${i}\n`.repeat(1 + (i % 7));
          const mtime = new Date(base + i * 1000);
          await srv.writeFile(`moves/photos/f${i}.txt`, content, { mtime });
          write(join(s.local, "photos", `f${i}.txt`), content, mtime);
        }
        ok(await s.pass());
        const inode = (path: string) => Deno.statSync(path).ino;
        // Where MLSD offers `unique` (pure-ftpd, proftpd), a server move must keep it too.
        const row = readBaseline(s.stateDir, s.section.identifier!, sectionRoots(s.section))
          .baseline.get("photos/f0.txt");
        assert.equal(row?.remote.unique !== undefined, srv.kind !== "vsftpd", JSON.stringify(row));

        const serverInode = inode(s.remoteFile("photos/f0.txt"));
        let before = { transfers: await s.transfers(), renames: await s.renames() };
        Deno.renameSync(join(s.local, "photos"), join(s.local, "pictures"));
        const local = await s.pass();
        ok(local);
        assert.equal(local.report.renamedRemote, 1);
        assert.equal(local.report.deletedRemote, 0);
        assert.equal(await s.transfers(), before.transfers, "no STOR/RETR for a local rename");
        if (before.renames !== undefined) assert.equal(await s.renames(), before.renames + 1);
        assert.equal(inode(s.remoteFile("pictures/f0.txt")), serverInode, "renamed, not copied");
        assert.deepEqual(walkLocal(s.local), walkLocal(s.remoteFile("")));
        assert.deepEqual((await s.pass()).plan.actions, []);

        const localInode = inode(join(s.local, "pictures/f0.txt"));
        before = { transfers: await s.transfers(), renames: await s.renames() };
        Deno.renameSync(s.remoteFile("pictures"), s.remoteFile("photos-2025"));
        const remote = await s.pass();
        ok(remote);
        assert.equal(remote.report.renamedLocal, 1);
        assert.equal(remote.report.deletedLocal, 0);
        assert.equal(await s.transfers(), before.transfers, "no STOR/RETR for a server rename");
        if (before.renames !== undefined) assert.equal(await s.renames(), before.renames);
        assert.equal(inode(join(s.local, "photos-2025/f0.txt")), localInode);
        assert.deepEqual(walkLocal(s.local), walkLocal(s.remoteFile("")));
        assert.deepEqual((await s.pass()).plan.actions, []);
      },
    );

    await t.step("two sections in one run", async () => {
      const one = await setUp(srv, root, "two-a");
      const two = await setUp(srv, root, "two-b");
      write(join(one.local, "one.txt"), "1");
      await srv.writeFile("two-b/two.txt", "2");
      const outcomes = await syncSections([one.section, two.section], {
        concurrency: 2,
        stateDir: one.stateDir,
        binDirectory: "/bin",
        dryRun: false,
        identifierOf: (section) => section.identifier!,
        makePool: () => new FtpPool(() => connectRemoteFs(optionsFor(srv)), { size: 2 }),
      });
      assert.equal(exitCodeFor(outcomes), 0);
      assert.equal(readText(one.remoteFile("one.txt")), "1");
      assert.equal(readText(join(two.local, "two.txt")), "2");
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** A first sync and an idempotent second pass over TLS (explicit, and implicit where offered). */
export async function runSyncTlsScenario(
  t: Deno.TestContext,
  kind: ServerKind,
  mode: TlsMode,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "ftp-clone-sync-tls-" });
  try {
    await using srv = await startServer({ kind, mode });
    await t.step(`first sync and idempotence over ${mode} TLS`, async () => {
      const s = await setUp(srv, root, "tls");
      for (let i = 0; i < 10; i++) write(join(s.local, `l${i}.txt`), `local ${i}`);
      for (let i = 0; i < 10; i++) await srv.writeFile(`tls/r${i}.txt`, `remote ${i}`);
      ok(await s.pass());
      assert.deepEqual(walkLocal(s.local), walkLocal(s.remoteFile("")));
      const again = await s.pass();
      ok(again);
      assert.deepEqual(again.plan.actions, []);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}
