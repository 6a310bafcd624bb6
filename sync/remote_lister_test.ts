import assert from "node:assert/strict";
import { decideTime, listRemote, SKEW_MARGIN_MS } from "./remote_lister.ts";
import { MemoryRemoteTree } from "./ftp/memory_remote_fs.ts";
import type { RemoteEntry } from "./ftp/mod.ts";
import type { BaselineRow, Entry } from "./types.ts";

const T = Date.parse("2026-11-25T10:05:20Z");
const MINUTE = Date.parse("2026-11-25T10:05:00Z");

function listed(extra: Partial<RemoteEntry> = {}): RemoteEntry {
  return {
    name: "f",
    kind: "file",
    size: 10,
    mtimeMs: MINUTE,
    mtimePrecisionMs: 60_000,
    rawTime: "Nov 25 10:05",
    ...extra,
  };
}

function base(extra: Partial<Entry> = {}): Entry {
  return {
    path: "f",
    kind: "file",
    size: 10,
    mtimeMs: T,
    mtimePrecisionMs: 1000,
    rawTime: "Nov 25 10:05",
    ...extra,
  };
}

Deno.test("decideTime() asks MDTM only where LIST is ambiguous", async (t) => {
  const minuteEnd = MINUTE + 60_000;
  const rows: [string, RemoteEntry, Entry | undefined, number | undefined, string][] = [
    [
      "MLSD time: as listed",
      listed({ mtimePrecisionMs: 1000, rawTime: "20261125100520" }),
      base(),
      0,
      "asListed",
    ],
    ["new file, minute form: MDTM", listed(), undefined, undefined, "mdtm"],
    [
      "new file, year form: as listed",
      listed({ mtimePrecisionMs: 86_400_000, rawTime: "Nov 25  2025" }),
      undefined,
      undefined,
      "asListed",
    ],
    [
      "same text and size, seen long after the minute: baseline",
      listed(),
      base(),
      minuteEnd + SKEW_MARGIN_MS,
      "keepBaseline",
    ],
    ["same text and size, seen within the minute: MDTM", listed(), base(), T + 5_000, "mdtm"],
    [
      "same text and size, seen just before the margin ends: MDTM",
      listed(),
      base(),
      minuteEnd + SKEW_MARGIN_MS - 1,
      "mdtm",
    ],
    [
      "same text, other size: MDTM",
      listed({ size: 11 }),
      base(),
      minuteEnd + SKEW_MARGIN_MS,
      "mdtm",
    ],
    ["other text, same size: MDTM", listed(), base({ rawTime: "Nov 25 10:04" }), Infinity, "mdtm"],
    [
      "after our upload (no text), same minute, seen late: refresh",
      listed(),
      base({ rawTime: "" }),
      Infinity,
      "refreshBaseline",
    ],
    [
      "after our upload (no text), same minute, seen early: MDTM",
      listed(),
      base({ rawTime: "" }),
      T,
      "mdtm",
    ],
    [
      "after our upload (no text), other minute (another time zone): MDTM",
      listed({ mtimeMs: MINUTE - 3_600_000, rawTime: "Nov 25 09:05" }),
      base({ rawTime: "" }),
      Infinity,
      "mdtm",
    ],
    [
      "new file, minute form over a day old: as listed",
      listed({ mtimeMs: MINUTE - 2 * 86_400_000, rawTime: "Nov 23 10:05" }),
      undefined,
      undefined,
      "asListed",
    ],
    [
      "new file, minute form 20 hours old (time zones): MDTM",
      listed({ mtimeMs: MINUTE - 20 * 3_600_000, rawTime: "Nov 24 14:05" }),
      undefined,
      undefined,
      "mdtm",
    ],
    [
      "aged into the year form, same size: refresh",
      listed({
        mtimePrecisionMs: 86_400_000,
        mtimeMs: Date.parse("2026-11-25T00:00:00Z"),
        rawTime: "Nov 25  2026",
      }),
      base(),
      0,
      "refreshBaseline",
    ],
    [
      "year form, same text and size: baseline",
      listed({ mtimePrecisionMs: 86_400_000, rawTime: "Nov 25  2025" }),
      base({ rawTime: "Nov 25  2025" }),
      0,
      "keepBaseline",
    ],
    [
      "year form, far from the baseline date: as listed",
      listed({
        mtimePrecisionMs: 86_400_000,
        mtimeMs: Date.parse("2025-01-01T00:00:00Z"),
        rawTime: "Jan  1  2025",
      }),
      base(),
      0,
      "asListed",
    ],
    ["no usable time: MDTM", listed({ mtimeMs: undefined, rawTime: "" }), base(), Infinity, "mdtm"],
  ];
  for (const [name, entry, baseEntry, seen, expected] of rows) {
    await t.step(name, () => {
      assert.equal(decideTime(entry, baseEntry, seen, T + 60_000), expected);
    });
  }
});

Deno.test("listRemote()", async (t) => {
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
        const listing = await listRemote(pool, "/r", {
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
      const listing = await listRemote(pool, "/r", {
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
        listRemote(pool, "/missing", {
          exclude: () => false,
          onWarning: () => {},
          now: new Date(T),
        }),
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
      const first = await listRemote(pool, "/r", {
        exclude: () => false,
        onWarning: () => {},
        now: new Date(T),
      });
      assert.equal(tree.counts.mtime, 2);
      assert.equal(first.get("a")?.mtimeMs, T);
      assert.equal(first.get("a")?.mtimePrecisionMs, 1000);
      const baseline = new Map<string, BaselineRow>();
      for (const [path, entry] of first) {
        baseline.set(path, { path, kind: "file", local: entry, remote: entry });
      }
      now = T + 3_600_000;
      tree.resetCounts();
      const refreshes: string[] = [];
      const second = await listRemote(pool, "/r", {
        now: new Date(now),
        exclude: () => false,
        onWarning: () => {},
        baseline,
        remoteSeenMs: new Map([["a", T + 3_600_000], ["b", T]]),
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
});
