import assert from "node:assert/strict";
import { captureOutput } from "./output.ts";
import { createContext } from "./context.ts";
import {
  formatSize,
  pickVersion,
  runTrashList,
  runTrashRestore,
  type TrashEntry,
} from "./cmd_trash.ts";
import { moveToTrash, trashDir, tryLockSection } from "../sync/mod.ts";

const ID = "0123456789abcdef0123456789abcdef01234567";

async function setUp() {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-trash-" });
  const local = `${dir}/local`;
  const state = `${dir}/state`;
  Deno.mkdirSync(`${local}/docs`, { recursive: true });
  const ini = `${dir}/parametre.ini`;
  Deno.writeTextFileSync(
    ini,
    `[Service]\nStateDirectory = ${state}\n\n[FTP1]\nServer = 127.0.0.1\nRemote_dir = /\n` +
      `Local_dir = ${local}\nIdentifier = ${ID}\n\n[FTP2]\nServer = 127.0.0.1\n` +
      `Remote_dir = /\nLocal_dir = ${dir}/other\n`,
  );
  const trash = (path: string, text: string, iso: string, mtimeIso: string, reason?: string) => {
    Deno.writeTextFileSync(`${local}/${path}`, text);
    const mtime = new Date(mtimeIso);
    Deno.utimeSync(`${local}/${path}`, mtime, mtime);
    moveToTrash(state, ID, path, local, {
      now: new Date(iso),
      reason: reason === undefined ? "deleted on the remote" : "overwritten by a download",
    });
  };
  const run = async (
    fn: (ctx: ReturnType<typeof createContext>) => Promise<number>,
    cwd = dir,
  ) => {
    const out = captureOutput();
    const ctx = createContext({ config: ini }, { output: out.output, env: {}, cwd });
    const code = await fn(ctx);
    return { code, stdout: out.stdout(), stderr: out.stderr() };
  };
  return { dir, local, state, ini, trash, run };
}

Deno.test("trash list", async (t) => {
  const s = await setUp();
  try {
    s.trash("docs/a.txt", "v1", "2026-11-20T10:00:00Z", "2026-01-01T00:00:00Z");
    s.trash("docs/a.txt", "version 2", "2026-11-21T10:00:00Z", "2026-02-01T00:00:00Z", "dl");
    s.trash("b.txt", "b", "2026-11-20T12:00:00Z", "2026-03-01T00:00:00Z");

    await t.step("text: newest first, with size, why and the trash file", async () => {
      const r = await s.run((ctx) => runTrashList(ctx, { sections: [], json: false }));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        `[FTP1] 3 files in ${trashDir(s.local)}\n` +
          "  2026-11-21T10:00:00Z        9 B  docs/a.txt  (overwritten by a download; " +
          "trash file docs/a.txt~20261121T100000)\n" +
          "  2026-11-20T12:00:00Z        1 B  b.txt  (deleted on the remote)\n" +
          "  2026-11-20T10:00:00Z        2 B  docs/a.txt  (deleted on the remote)\n" +
          "[FTP2] the trash is empty\n",
      );
    });

    await t.step("--json and one section", async () => {
      const r = await s.run((ctx) => runTrashList(ctx, { sections: ["ftp1"], json: true }));
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.sections.length, 1);
      const [first] = doc.sections[0].entries;
      assert.deepEqual(first, {
        path: "docs/a.txt",
        size: 9,
        trashedAt: "2026-11-21T10:00:00.000Z",
        reason: "overwritten by a download",
        mtime: "2026-02-01T00:00:00.000Z",
        trashPath: "docs/a.txt~20261121T100000",
        file: `${trashDir(s.local)}/docs/a.txt~20261121T100000`,
        uid: Deno.uid(),
        gid: Deno.gid(),
        mode: 0o644,
      });
    });

    await t.step("an unknown section is a usage error", async () => {
      const r = await s.run((ctx) => runTrashList(ctx, { sections: ["FTP9"], json: false }));
      assert.equal(r.code, 2);
      assert.match(r.stderr, /Unknown section "FTP9"/);
    });
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("trash restore", async (t) => {
  const s = await setUp();
  try {
    s.trash("docs/a.txt", "v1", "2026-11-20T10:00:00Z", "2026-01-01T00:00:00Z");
    s.trash("docs/a.txt", "version 2", "2026-11-21T10:00:00Z", "2026-02-01T00:00:00Z", "dl");
    Deno.removeSync(`${s.local}/docs`);

    await t.step("by path: the newest version, its mtime, parents created", async () => {
      const r = await s.run((ctx) =>
        runTrashRestore(ctx, { section: "FTP1", path: "docs/a.txt", replace: false })
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^ok: Restored "docs\/a\.txt" .*; the next pass uploads it\n$/);
      assert.equal(Deno.readTextFileSync(`${s.local}/docs/a.txt`), "version 2");
      assert.equal(
        Deno.statSync(`${s.local}/docs/a.txt`).mtime?.toISOString(),
        "2026-02-01T00:00:00.000Z",
      );
      assert.ok(!Deno.readDirSync(`${trashDir(s.local)}/docs`).some((e) => e.name !== "a.txt"));
    });

    await t.step({
      name: "owner, group and mode come back with the file",
      ignore: Deno.uid() !== 0,
      fn: async () => {
        Deno.writeTextFileSync(`${s.local}/www.html`, "page");
        Deno.chownSync(`${s.local}/www.html`, 33, 33);
        Deno.chmodSync(`${s.local}/www.html`, 0o640);
        s.trash("www.html", "page", "2026-11-22T10:00:00Z", "2026-01-01T00:00:00Z");
        const r = await s.run((ctx) =>
          runTrashRestore(ctx, { section: "FTP1", path: "www.html", replace: false })
        );
        assert.equal(r.code, 0, r.stderr);
        const info = Deno.statSync(`${s.local}/www.html`);
        assert.deepEqual([info.uid, info.gid, info.mode! & 0o7777], [33, 33, 0o640]);
      },
    });

    await t.step("a file at the old place is never overwritten without --replace", async () => {
      const r = await s.run((ctx) =>
        runTrashRestore(ctx, { section: "FTP1", path: "docs/a.txt", replace: false })
      );
      assert.equal(r.code, 1);
      assert.match(r.stderr, /a file is there; use --replace .* or --to DIR/);
      assert.equal(Deno.readTextFileSync(`${s.local}/docs/a.txt`), "version 2");
    });

    await t.step("--to DIR restores elsewhere, under its own name", async () => {
      const r = await s.run((ctx) =>
        runTrashRestore(ctx, {
          section: "FTP1",
          path: "docs/a.txt",
          to: `${s.dir}/out`,
          replace: false,
        })
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /outside Local_dir/);
      assert.equal(Deno.readTextFileSync(`${s.dir}/out/a.txt`), "v1");
      assert.equal(
        Deno.statSync(`${s.dir}/out/a.txt`).mtime?.toISOString(),
        "2026-01-01T00:00:00.000Z",
      );
    });

    await t.step("--replace moves the current file to the trash first", async () => {
      s.trash("c.txt", "old", "2026-11-22T10:00:00Z", "2026-01-01T00:00:00Z");
      Deno.writeTextFileSync(`${s.local}/c.txt`, "current");
      const r = await s.run((ctx) =>
        runTrashRestore(ctx, { section: "FTP1", path: "c.txt", replace: true })
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(Deno.readTextFileSync(`${s.local}/c.txt`), "old");
      const list = await s.run((ctx) => runTrashList(ctx, { sections: ["FTP1"], json: true }));
      const entries = JSON.parse(list.stdout).sections[0].entries as TrashEntry[];
      assert.deepEqual(entries.map((e) => [e.path, e.reason]), [[
        "c.txt",
        "replaced by a restore",
      ]]);
    });

    await t.step("nothing to restore, and a held lock, are refusals (exit 1)", async () => {
      const none = await s.run((ctx) =>
        runTrashRestore(ctx, { section: "FTP1", path: "nope.txt", replace: false })
      );
      assert.equal(none.code, 1);
      assert.match(none.stderr, /"nope\.txt" of section "FTP1": it is not in the trash/);
      const lock = tryLockSection(s.state, ID);
      assert.ok(lock.ok);
      try {
        Deno.removeSync(`${s.local}/c.txt`);
        const locked = await s.run((ctx) =>
          runTrashRestore(ctx, { section: "FTP1", path: "c.txt", replace: false })
        );
        assert.equal(locked.code, 1);
        assert.match(locked.stderr, /is being synchronised by process \d+/);
      } finally {
        lock.lock.release();
      }
    });
  } finally {
    await Deno.remove(s.dir, { recursive: true });
  }
});

Deno.test("pickVersion() and formatSize()", async (t) => {
  const entry = (path: string, trashPath: string): TrashEntry => ({
    path,
    trashPath,
    size: 1,
    trashedAt: "",
    reason: "deleted on the remote",
    mtime: null,
    file: `/trash/${trashPath}`,
    uid: null,
    gid: null,
    mode: null,
  });
  // Newest first, as sectionTrash() returns them.
  const entries = [entry("a", "a~2"), entry("a", "a~1"), entry("a", "a")];
  const cases: Array<[string, string | undefined]> = [
    ["a", "a~2"],
    ["./a", "a~2"],
    ["a~1", "a~1"],
    ["/trash/a", "a"],
    ["/elsewhere/a", undefined],
    ["b", undefined],
  ];
  for (const [path, want] of cases) {
    await t.step(`"${path}" -> ${want}`, () => {
      assert.equal(pickVersion(entries, path)?.trashPath, want);
    });
  }
  await t.step("sizes", () => {
    assert.deepEqual([0, 1023, 1024, 1536 * 1024].map(formatSize), [
      "0 B",
      "1023 B",
      "1.0 KiB",
      "1.5 MiB",
    ]);
  });
});
