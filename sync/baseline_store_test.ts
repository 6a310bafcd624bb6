import assert from "node:assert/strict";
import {
  baselinePath,
  type BaselineRoots,
  BaselineWriter,
  readBaseline,
  SqliteBaselineStore,
} from "./baseline_store.ts";
import type { BaselineRow, BaselineUpdate, Entry } from "./types.ts";

const ROOTS: BaselineRoots = {
  server: "ftp.example.com",
  port: 21,
  user: "me",
  remoteDir: "/data",
  localDir: "/srv/data",
};
const NOW = new Date("2026-11-25T10:00:00Z");

function entry(path: string, extra: Partial<Entry> = {}): Entry {
  return {
    path,
    kind: "file",
    size: 3,
    mtimeMs: 1_700_000_000_123,
    mtimePrecisionMs: 1,
    rawTime: "",
    ...extra,
  };
}

function row(path: string): BaselineRow {
  return {
    path,
    kind: "file",
    local: entry(path),
    remote: entry(path, {
      mtimeMs: 1_700_000_000_000,
      mtimePrecisionMs: 60_000,
      rawTime: "Nov 14 22:13",
    }),
  };
}

async function withStateDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(`${dir}/state`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

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

Deno.test("readBaseline() reads without writing anything", async (t) => {
  await t.step("absent database: empty, and still absent", async () => {
    await withStateDir((dir) => {
      assert.equal(readBaseline(dir, "id", ROOTS).baseline.size, 0);
      assert.throws(() => Deno.statSync(dir), Deno.errors.NotFound);
    });
  });

  await t.step(
    "a closed database is read and left byte-identical, no -wal or -shm made",
    async () => {
      await withStateDir((dir) => {
        const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
        store.apply([{ path: "a", row: row("a") }]);
        store.close();
        const before = Deno.readFileSync(baselinePath(dir, "id"));
        const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
        assert.deepEqual(readBaseline(dir, "id", ROOTS).baseline.get("a"), row("a"));
        assert.deepEqual(Deno.readFileSync(baselinePath(dir, "id")), before);
        assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), names);
        assert.equal(readBaseline(dir, "id", { ...ROOTS, port: 1 }).baseline.size, 0);
      });
    },
  );

  await t.step("a database open in another connection (WAL present) is read too", async () => {
    await withStateDir((dir) => {
      const store = SqliteBaselineStore.open(dir, "id", ROOTS, { now: NOW });
      try {
        store.apply([{ path: "a", row: row("a") }]);
        assert.deepEqual([...readBaseline(dir, "id", ROOTS).baseline.keys()], ["a"]);
      } finally {
        store.close();
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
