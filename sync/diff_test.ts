import assert from "node:assert/strict";
import { DAY_MS, diffSide, entryChanged, sameMtime, UNKNOWN_MTIME_PRECISION_MS } from "./diff.ts";
import type { Baseline, BaselineRow, Entry, Listing } from "./types.ts";

const SECOND = 1000;
const MINUTE = 60_000;

function file(path: string, mtime: string | number, precision = 1, size = 10): Entry {
  const ms = typeof mtime === "number" ? mtime : Date.parse(mtime);
  return {
    path,
    kind: "file",
    size,
    mtimeMs: Math.floor(ms / precision) * precision,
    mtimePrecisionMs: precision,
    rawTime: "",
  };
}

function dir(path: string, mtime = "2026-01-01T00:00:00Z"): Entry {
  return { ...file(path, mtime), kind: "dir", size: 0 };
}

function listing(...entries: Entry[]): Listing {
  return new Map(entries.map((entry) => [entry.path, entry]));
}

function baseline(...pairs: Array<[Entry, Entry]>): Baseline {
  return new Map(
    pairs.map(([local, remote]): [string, BaselineRow] => [
      local.path,
      { path: local.path, kind: local.kind, local, remote },
    ]),
  );
}

Deno.test("sameMtime() compares within the coarser precision", async (t) => {
  const rows: Array<[string, Entry, Entry, boolean]> = [
    ["1 ms, equal", file("a", 1000), file("a", 1000), true],
    ["1 ms, 1 ms apart", file("a", 1000), file("a", 1001), false],
    [
      "MDTM second vs MDTM second, same second",
      file("a", "2026-11-25T10:15:59.100Z", SECOND),
      file("a", "2026-11-25T10:15:59.900Z", SECOND),
      true,
    ],
    [
      "rewritten within the same minute, MDTM seconds differ => changed",
      file("a", "2026-11-25T10:15:20Z", SECOND),
      file("a", "2026-11-25T10:15:40Z", SECOND),
      false,
    ],
    [
      "59 s within a 60 s bucket (baseline MDTM, listing LIST HH:MM)",
      file("a", "2026-11-25T10:15:59Z", SECOND),
      file("a", "2026-11-25T10:15:00Z", MINUTE),
      true,
    ],
    [
      "LIST HH:MM both, same minute",
      file("a", "2026-11-25T10:15:00Z", MINUTE),
      file("a", "2026-11-25T10:15:00Z", MINUTE),
      true,
    ],
    [
      "next 60 s bucket",
      file("a", "2026-11-25T10:15:59Z", SECOND),
      file("a", "2026-11-25T10:16:00Z", MINUTE),
      false,
    ],
    [
      "form switch: HH:MM then year form, same day",
      file("a", "2026-05-25T10:15:00Z", MINUTE),
      file("a", "2026-05-25T00:00:00Z", DAY_MS),
      true,
    ],
    [
      "form switch: MDTM second then year form, same day",
      file("a", "2026-05-25T23:59:59Z", SECOND),
      file("a", "2026-05-25T00:00:00Z", DAY_MS),
      true,
    ],
    [
      "year form in a server time zone ahead of UTC (next day)",
      file("a", "2026-05-25T23:30:00Z", SECOND),
      file("a", "2026-05-26T00:00:00Z", DAY_MS),
      true,
    ],
    [
      "year form in a server time zone behind UTC (previous day)",
      file("a", "2026-05-26T01:00:00Z", SECOND),
      file("a", "2026-05-25T00:00:00Z", DAY_MS),
      true,
    ],
    [
      "year form two days away",
      file("a", "2026-05-25T12:00:00Z", SECOND),
      file("a", "2026-05-27T00:00:00Z", DAY_MS),
      false,
    ],
    [
      "no usable time: only size and kind count",
      file("a", "2026-05-25T12:00:00Z", SECOND),
      { ...file("a", 0), mtimePrecisionMs: UNKNOWN_MTIME_PRECISION_MS },
      true,
    ],
  ];
  for (const [name, a, b, expected] of rows) {
    await t.step(name, () => {
      assert.equal(sameMtime(a, b), expected);
      assert.equal(sameMtime(b, a), expected);
    });
  }
  await t.step("no day tolerance when asked (across sides)", () => {
    const a = file("a", "2026-05-25T23:30:00Z", SECOND);
    const b = file("a", "2026-05-26T00:00:00Z", DAY_MS);
    assert.equal(sameMtime(a, b, { tolerance: false }), false);
    assert.equal(
      sameMtime(a, file("a", "2026-05-25T00:00:00Z", DAY_MS), { tolerance: false }),
      true,
    );
  });
  await t.step(
    "a LIST date at a server's local midnight (Kolkata: 18:30 UTC the day before)",
    () => {
      const listed = { ...file("a", "2025-10-31T18:30:00Z"), mtimePrecisionMs: DAY_MS };
      for (
        const [local, same] of [
          ["2025-10-31T18:30:00Z", true],
          ["2025-11-01T02:36:26Z", true],
          ["2025-11-01T18:29:59Z", true],
          ["2025-11-01T18:30:00Z", false],
          ["2025-10-31T18:29:59Z", false],
        ] as const
      ) {
        assert.equal(
          sameMtime(file("a", local, SECOND), listed, { tolerance: false }),
          same,
          local,
        );
      }
    },
  );
});

Deno.test("entryChanged() looks at kind, size and time, never a directory's time", async (t) => {
  const rows: Array<[string, Entry, Entry, boolean]> = [
    ["same", file("a", 5000), file("a", 5000), false],
    ["size", file("a", 5000, 1, 10), file("a", 5000, 1, 11), true],
    ["time", file("a", 5000), file("a", 6000), true],
    ["kind", file("a", 5000), dir("a"), true],
    ["directory time", dir("a", "2026-01-01T00:00:00Z"), dir("a", "2026-02-01T00:00:00Z"), false],
  ];
  for (const [name, before, after, expected] of rows) {
    await t.step(name, () => assert.equal(entryChanged(before, after), expected));
  }
});

Deno.test("diffSide() compares a side with its own baseline entries only", async (t) => {
  const local = file("a.txt", "2026-11-25T10:00:00Z");
  // The remote time is 3 hours off (server time zone): never compared with the local one.
  const remote = file("a.txt", "2026-11-25T13:00:00Z", MINUTE);
  const base = baseline([local, remote]);

  await t.step("unchanged on both sides despite different clocks", () => {
    assert.equal(diffSide(listing(local), base, { side: "local" }).size, 0);
    assert.equal(diffSide(listing(remote), base, { side: "remote" }).size, 0);
  });
  await t.step("modified remote", () => {
    const after = file("a.txt", "2026-11-25T13:05:00Z", MINUTE);
    const changes = diffSide(listing(after), base, { side: "remote" });
    assert.deepEqual(changes.get("a.txt"), { kind: "modified", before: remote, after });
  });
  await t.step("created", () => {
    const b = file("b.txt", 1);
    const changes = diffSide(listing(local, b), base, { side: "local" });
    assert.deepEqual([...changes], [["b.txt", { kind: "created", after: b }]]);
  });
  await t.step("deleted", () => {
    const changes = diffSide(listing(), base, { side: "local" });
    assert.deepEqual([...changes], [["a.txt", { kind: "deleted", before: local }]]);
  });
  await t.step("an empty baseline makes everything created", () => {
    const changes = diffSide(listing(local, dir("d")), new Map(), { side: "local" });
    assert.deepEqual([...changes.values()].map((c) => c.kind), ["created", "created"]);
  });
  await t.step("excluded baseline rows are not deletions", () => {
    const changes = diffSide(listing(), base, {
      side: "local",
      isExcluded: (path) => path.endsWith(".txt"),
    });
    assert.equal(changes.size, 0);
  });
  await t.step("excluded listing entries are not creations", () => {
    const changes = diffSide(listing(local, file("x.tmp", 1)), base, {
      side: "local",
      isExcluded: (path) => path.endsWith(".tmp"),
    });
    assert.equal(changes.size, 0);
  });
  await t.step("a file listed later in the year form is unchanged", () => {
    const mdtm = file("old.txt", "2026-03-01T08:00:07Z", SECOND);
    const base2 = baseline([file("old.txt", "2026-03-01T08:00:07.123Z"), mdtm]);
    const yearForm = file("old.txt", "2026-03-01T00:00:00Z", DAY_MS);
    assert.equal(diffSide(listing(yearForm), base2, { side: "remote" }).size, 0);
  });
});
