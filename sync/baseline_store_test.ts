import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { baselinePath, openBaselineReader, readBaseline } from "./baseline_reader.ts";
import { BaselineWriter, SqliteBaselineStore } from "./baseline_store.ts";
import { pathExists as exists } from "./local_fs.ts";
import type { BaselineUpdate } from "./types.ts";
import { entry, NOW, ROOTS, row, withStateDir } from "../tests/support/baseline_fixture.ts";

Deno.test("SqliteBaselineStore", async (t) => {
  await t.step("a new store is empty, its file 0600 in a 0700 directory", async () => {
    await withStateDir((dir) => {
      const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
      try {
        assert.equal(store.load().baseline.size, 0);
        assert.equal(Deno.statSync(baselinePath(dir, "id")).mode! & 0o777, 0o600);
        assert.equal(Deno.statSync(dir).mode! & 0o777, 0o700);
      } finally {
        store.close();
      }
    });
  });

  await t.step("rows round-trip with both sides' facts and the seen time", async () => {
    await withStateDir((dir) => {
      const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
      store.apply([{ path: "a.txt", row: row("a.txt") }, {
        path: "d",
        row: { ...row("d"), kind: "dir" },
      }]);
      store.close();
      const again = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
      try {
        const { baseline, remoteSeenMs } = again.load();
        assert.deepEqual(baseline.get("a.txt"), row("a.txt"));
        assert.equal(baseline.get("d")?.kind, "dir");
        assert.equal(remoteSeenMs.get("a.txt"), NOW.getTime());
        again.apply([{ path: "a.txt", row: null }]);
        assert.deepEqual([...again.load().baseline.keys()], ["d"]);
      } finally {
        again.close();
      }
    });
  });

  await t.step("apply() is all or nothing", async () => {
    await withStateDir((dir) => {
      const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
      try {
        const bad = { path: "b", row: { ...row("b"), local: { ...entry("b"), size: "x" } } };
        assert.throws(() =>
          store.apply([{ path: "a", row: row("a") }, bad as unknown as BaselineUpdate])
        );
        assert.equal(store.load().baseline.size, 0);
      } finally {
        store.close();
      }
    });
  });

  await t.step("refreshRemote() updates only the raw time and the seen time", async () => {
    await withStateDir((dir) => {
      const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
      store.apply([{ path: "a", row: row("a") }]);
      store.close();
      const later = new Date(NOW.getTime() + 3_600_000);
      const again = SqliteBaselineStore.open(dir, "id", ROOTS, { now: later });
      try {
        again.refreshRemote([{ path: "a", rawTime: "Nov 14  2026" }]);
        const { baseline, remoteSeenMs } = again.load();
        assert.equal(baseline.get("a")?.remote.rawTime, "Nov 14  2026");
        assert.equal(baseline.get("a")?.remote.mtimeMs, row("a").remote.mtimeMs);
        assert.equal(remoteSeenMs.get("a"), later.getTime());
      } finally {
        again.close();
      }
    });
  });

  await t.step("other roots: the old database is set aside and the baseline is empty", async () => {
    await withStateDir((dir) => {
      const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
      store.apply([{ path: "a", row: row("a") }]);
      store.close();
      for (
        const change of [{ port: 2121 }, { user: "you" }, { remoteDir: "/x" }, { localDir: "/y" }, {
          server: "s",
        }]
      ) {
        const roots = { ...ROOTS, ...change };
        let aside = "";
        const other = SqliteBaselineStore.open(dir, "id", roots, {
          now: NOW,
          onSetAside: (p) => aside = p,
        });
        try {
          assert.equal(other.load().baseline.size, 0, JSON.stringify(change));
          assert.match(aside, /id\.db\.set-aside-20261125T100000$/);
          other.apply([{ path: "a", row: row("a") }]);
        } finally {
          other.close();
        }
        Deno.removeSync(aside);
        for (const suffix of ["-wal", "-shm"]) {
          try {
            Deno.removeSync(aside + suffix);
          } catch { /* absent */ }
        }
        // Back to ROOTS next round: that one is set aside too (it now holds `roots`).
        const back = SqliteBaselineStore.open(dir, "id", ROOTS, {
          now: NOW,
          onSetAside: (p) => Deno.removeSync(p),
        });
        back.apply([{ path: "a", row: row("a") }]);
        back.close();
      }
    });
  });
});

Deno.test("BaselineWriter batches updates and flushes on size, time and close", async (t) => {
  await t.step("size and close", async () => {
    await withStateDir((dir) => {
      const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
      try {
        const writer = new BaselineWriter(store, { maxPending: 3, maxDelayMs: 60_000 });
        writer.add([{ path: "a", row: row("a") }, { path: "b", row: row("b") }]);
        assert.equal(readBaseline(dir, "id", ROOTS).baseline.size, 0, "not flushed yet");
        writer.add([{ path: "c", row: row("c") }]);
        assert.equal(readBaseline(dir, "id", ROOTS).baseline.size, 3);
        writer.add([{ path: "d", row: row("d") }]);
        writer.close();
        assert.equal(readBaseline(dir, "id", ROOTS).baseline.size, 4);
      } finally {
        store.close();
      }
    });
  });

  await t.step("time", async () => {
    await withStateDir(async (dir) => {
      const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
      try {
        const writer = new BaselineWriter(store, { maxPending: 100, maxDelayMs: 20 });
        writer.add([{ path: "a", row: row("a") }]);
        await new Promise((resolve) => setTimeout(resolve, 60));
        assert.equal(readBaseline(dir, "id", ROOTS).baseline.size, 1);
        writer.close();
      } finally {
        store.close();
      }
    });
  });
});

/** The version 1 schema and one row, as ftp-clone wrote them before schema version 2. */
const V1_SQL = `
CREATE TABLE meta (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;
CREATE TABLE files (
  path TEXT NOT NULL PRIMARY KEY, kind TEXT NOT NULL, local_kind TEXT NOT NULL,
  local_size INTEGER NOT NULL, local_mtime INTEGER NOT NULL, local_precision INTEGER NOT NULL,
  local_raw TEXT NOT NULL, remote_kind TEXT NOT NULL, remote_size INTEGER NOT NULL,
  remote_mtime INTEGER NOT NULL, remote_precision INTEGER NOT NULL, remote_raw TEXT NOT NULL,
  remote_seen_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO meta VALUES ('schema_version', '1');
`;

function writeV1(dir: string, paths: string[]): void {
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(baselinePath(dir, "id"));
  db.exec(V1_SQL);
  db.prepare("INSERT INTO meta VALUES ('roots', ?)").run(
    JSON.stringify([ROOTS.server, ROOTS.port, ROOTS.user, ROOTS.remoteDir, ROOTS.localDir]),
  );
  const insert = db.prepare(
    "INSERT INTO files VALUES (?, 'file', 'file', 3, 1700000000123, 1, '', 'file', 3, " +
      "1700000000000, 60000, 'Nov 14 22:13', 42)",
  );
  for (const path of paths) insert.run(path);
  db.close();
}

Deno.test("SqliteBaselineStore migrates a version 1 baseline", async (t) => {
  const paths = ["a.txt", "d/b.txt", "d/e/c.txt", "x y/é z.txt"];
  await t.step("every row survives, with its parent, and reads as before", async () => {
    await withStateDir((dir) => {
      writeV1(dir, paths);
      // A dry run reads the old version whole, writing nothing.
      const before = openBaselineReader(dir, "id", ROOTS);
      assert.deepEqual(before.source.children("d").map((s) => s.row.path), ["d/b.txt"]);
      before.close();
      assert.ok(!exists(`${baselinePath(dir, "id")}-wal`));
      const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
      try {
        const { baseline, remoteSeenMs, remoteVerifiedMs } = store.load();
        assert.deepEqual([...baseline.keys()].sort(), paths);
        assert.deepEqual(baseline.get("d/b.txt"), row("d/b.txt"));
        assert.equal(remoteSeenMs.get("a.txt"), 42);
        // Verified "now": the rows come due spread over the next period, not at once.
        assert.equal(remoteVerifiedMs.get("a.txt"), NOW.getTime());
        assert.deepEqual(store.children("").map((s) => s.row.path), ["a.txt"]);
        assert.deepEqual(store.children("d/e").map((s) => s.row.path), ["d/e/c.txt"]);
        assert.deepEqual(store.children("x y").map((s) => s.row.path), ["x y/é z.txt"]);
        assert.deepEqual([...store.directories()].sort(), ["d", "d/e", "x y"]);
        assert.deepEqual(store.fileCounts(), { local: 4, remote: 4 });
      } finally {
        store.close();
      }
      const db = new DatabaseSync(baselinePath(dir, "id"), { readOnly: true });
      const version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
      db.close();
      assert.deepEqual({ ...version }, { value: "2" });
    });
  });

  await t.step("a baseline rewritten as version 1 by an older ftp-clone opens again", async () => {
    await withStateDir((dir) => {
      writeV1(dir, paths);
      SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW }).close();
      const db = new DatabaseSync(baselinePath(dir, "id"));
      db.exec("UPDATE meta SET value = '1' WHERE key = 'schema_version'");
      db.close();
      const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
      try {
        assert.equal(store.load().baseline.size, 4);
      } finally {
        store.close();
      }
    });
  });

  await t.step("a newer version is refused, not overwritten", async () => {
    await withStateDir((dir) => {
      writeV1(dir, paths);
      const db = new DatabaseSync(baselinePath(dir, "id"));
      db.exec("UPDATE meta SET value = '3' WHERE key = 'schema_version'");
      db.close();
      assert.throws(
        () => SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW }),
        /schema version 3 is newer than this ftp-clone's \(2\)/,
      );
    });
  });
});

Deno.test("SqliteBaselineStore keeps dev/ino/unique and stores exact times read", async () => {
  await withStateDir((dir) => {
    const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
    try {
      const r = row("d/a.txt");
      r.local.dev = 2049;
      r.local.ino = 123456789;
      r.remote.unique = "fd01.1234";
      store.apply([{ path: r.path, row: r }]);
      const [stored] = store.children("d");
      assert.deepEqual(stored?.row, r);
      store.refreshRemote([{
        path: r.path,
        rawTime: "Nov 14 22:13",
        exactMtimeMs: 1_700_000_012_000,
      }]);
      const after = store.children("d")[0]!;
      assert.equal(after.row.remote.mtimeMs, 1_700_000_012_000);
      assert.equal(after.row.remote.mtimePrecisionMs, 1000);
      assert.equal(after.verifiedMs, NOW.getTime());
    } finally {
      store.close();
    }
  });
});
