import assert from "node:assert/strict";
import { listRemote, RemoteDirLister, UNLISTABLE } from "./remote_lister.ts";
import type { StoredRow } from "./baseline_store.ts";
import { MemoryRemoteTree } from "../tests/support/memory_remote_fs.ts";
import type { RemoteFsPool } from "./ftp/mod.ts";
import { UNMEASURED_SKEW_MARGIN_MS } from "./remote_times.ts";
import type { Entry } from "./types.ts";

const T = Date.parse("2026-11-25T10:05:20Z");
const CLOCK = { skewMs: 0, marginMs: UNMEASURED_SKEW_MARGIN_MS };

interface ListOptions {
  now: Date;
  exclude?: (path: string) => boolean;
  onWarning?: (message: string) => void;
  rows?: Map<string, StoredRow>;
  onRefresh?: (refresh: { path: string }) => void;
}

/** Every entry under `root`, one directory at a time as the walk asks. */
function listAll(pool: RemoteFsPool, root: string, o: ListOptions): Promise<Map<string, Entry>> {
  if (o.rows === undefined) {
    return listRemote(pool, root, {
      now: o.now,
      exclude: o.exclude ?? (() => false),
      onWarning: o.onWarning ?? (() => {}),
    });
  }
  const rows = o.rows;
  const lister = new RemoteDirLister(pool, {
    rootDir: root,
    now: o.now,
    clock: CLOCK,
    exclude: () => false,
    onWarning: () => {},
    ...(o.onRefresh === undefined ? {} : { onRefresh: o.onRefresh }),
  });
  return lister.list("", rows).then((listed) =>
    new Map(listed === UNLISTABLE ? [] : listed.map((e) => [e.path, e]))
  );
}

Deno.test("RemoteDirLister", async (t) => {
  await t.step(
    "walks the tree in parallel, hiding temp names, skipping symlinks with a warning",
    async () => {
      const tree = new MemoryRemoteTree({ precisionMs: 1000 });
      for (let d = 0; d < 20; d++) {
        for (let f = 0; f < 5; f++) tree.putFile(`/r/d${d}/sub/f${f}`, "x");
      }
      tree.putFile("/r/.ftp-clone.up.0123456789ab.f.part", "partial");
      tree.putSymlink("/r/link", "/etc");
      tree.putDir("/r/empty");
      const warnings: string[] = [];
      const pool = tree.pool(4);
      try {
        const listing = await listAll(pool, "/r", {
          now: new Date(T),
          exclude: (path) => path === "d0",
          onWarning: (w) => warnings.push(w),
        });
        assert.equal(listing.size, 19 * 7 + 1);
        assert.equal(listing.get("d3/sub/f2")?.size, 1);
        assert.equal(listing.get("empty")?.kind, "dir");
        assert.ok(!listing.has("d0"));
        assert.deepEqual(warnings, ['Skipped the remote symbolic link "/r/link"']);
      } finally {
        await pool.close();
      }
    },
  );

  await t.step("refuses dangerous names with a warning naming them", async () => {
    const tree = new MemoryRemoteTree({ precisionMs: 1000 });
    tree.putFile("/r/ok", "x");
    tree.putFile("/r/bad\r\nDELE x", "x");
    const warnings: string[] = [];
    const pool = tree.pool(2);
    try {
      const listing = await listAll(pool, "/r", {
        now: new Date(T),
        exclude: () => false,
        onWarning: (w) => warnings.push(w),
      });
      assert.deepEqual([...listing.keys()], ["ok"]);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /bad\\r\\nDELE x/);
    } finally {
      await pool.close();
    }
  });

  await t.step("a missing Remote_dir is an error", async () => {
    const tree = new MemoryRemoteTree({ precisionMs: 1000 });
    const pool = tree.pool(2);
    try {
      await assert.rejects(
        listAll(pool, "/missing", { now: new Date(T) }),
        /Cannot list Remote_dir "\/missing"/,
      );
    } finally {
      await pool.close();
    }
  });

  await t.step("LIST: MDTM for new files, none for an unchanged tree seen later", async () => {
    let now = T;
    const tree = new MemoryRemoteTree({ precisionMs: 60_000, now: () => now });
    tree.putFile("/r/a", "aaa", { mtimeMs: T });
    tree.putFile("/r/b", "bbb", { mtimeMs: T });
    const pool = tree.pool(2);
    try {
      const first = await listAll(pool, "/r", {
        exclude: () => false,
        onWarning: () => {},
        now: new Date(T),
      });
      assert.equal(tree.counts.mtime, 2);
      assert.equal(first.get("a")?.mtimeMs, T);
      assert.equal(first.get("a")?.mtimePrecisionMs, 1000);
      const seen = new Map([["a", T + 3_600_000], ["b", T]]);
      const rows = new Map<string, StoredRow>();
      for (const [path, entry] of first) {
        rows.set(path, {
          row: { path, kind: "file", local: entry, remote: entry },
          seenMs: seen.get(path)!,
          verifiedMs: T + 3_600_000,
        });
      }
      now = T + 3_600_000;
      tree.resetCounts();
      const refreshes: string[] = [];
      const second = await listAll(pool, "/r", {
        now: new Date(now),
        exclude: () => false,
        onWarning: () => {},
        rows,
        onRefresh: (r) => refreshes.push(r.path),
      });
      // a: seen long after its minute, no MDTM; b: seen within its minute, MDTM, unchanged.
      assert.equal(tree.counts.mtime, 1);
      assert.deepEqual(second.get("a"), first.get("a"));
      assert.deepEqual(second.get("b"), first.get("b"));
      assert.deepEqual(refreshes, ["b"]);
    } finally {
      await pool.close();
    }
  });

  await t.step("a subdirectory the server says is missing is skipped with a warning", async () => {
    const tree = new MemoryRemoteTree({ precisionMs: 1000 });
    tree.putFile("/r/gone/f", "x");
    const pool = tree.pool(1);
    const warnings: string[] = [];
    const lister = new RemoteDirLister(pool, {
      rootDir: "/r",
      now: new Date(T),
      clock: CLOCK,
      exclude: () => false,
      onWarning: (w) => warnings.push(w),
    });
    try {
      tree.delete("/r/gone/f");
      tree.delete("/r/gone");
      assert.equal(await lister.list("gone", new Map()), UNLISTABLE);
      assert.match(warnings[0]!, /Cannot list the remote directory "\/r\/gone"/);
    } finally {
      await pool.close();
    }
  });
});
