import assert from "node:assert/strict";
import {
  decideTime,
  UNMEASURED_SKEW_MARGIN_MS as SKEW_MARGIN_MS,
  verificationDue,
  withExactTime,
} from "./remote_times.ts";
import type { RemoteEntry } from "./ftp/mod.ts";
import type { Entry } from "./types.ts";

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
      const times = baseEntry === undefined
        ? undefined
        : { entry: baseEntry, seenMs: seen ?? 0, verifiedMs: T + 60_000 };
      assert.equal(
        decideTime(entry, "f", times, {
          nowMs: T + 60_000,
          clock: { skewMs: 0, marginMs: SKEW_MARGIN_MS },
          verifyEveryMs: 86_400_000,
        }),
        expected,
      );
    });
  }
});

Deno.test("decideTime() moves the recent-minute rule by the measured skew", async (t) => {
  const minuteEnd = MINUTE + 60_000;
  const decide = (seenMs: number, skewMs: number, marginMs: number) =>
    decideTime(listed(), "f", { entry: base(), seenMs, verifiedMs: Infinity }, {
      nowMs: seenMs + 3_600_000,
      clock: { skewMs, marginMs },
    });
  await t.step("a server 2 h behind: MDTM until 2 h after the minute (by our clock)", () => {
    assert.equal(decide(minuteEnd + 30 * 60_000, -2 * 3_600_000, 60_000), "mdtm");
    assert.equal(
      decide(minuteEnd + 2 * 3_600_000 + 60_000, -2 * 3_600_000, 60_000),
      "keepBaseline",
    );
  });
  await t.step("a server 5 min ahead: no MDTM once its clock has passed the minute", () => {
    assert.equal(decide(minuteEnd - 5 * 60_000 + 60_000, 5 * 60_000, 60_000), "keepBaseline");
    assert.equal(decide(minuteEnd - 5 * 60_000 + 59_999, 5 * 60_000, 60_000), "mdtm");
  });
});

Deno.test("decideTime() verifies an unchanged-looking file once its turn came", () => {
  const day = 86_400_000;
  const yearForm = listed({ mtimePrecisionMs: day, rawTime: "Nov 25  2025" });
  const b = base({ rawTime: "Nov 25  2025", mtimePrecisionMs: day });
  const options = { nowMs: T + 2 * day, clock: { skewMs: 0, marginMs: SKEW_MARGIN_MS } };
  // Verified two days ago: due whatever its phase.
  assert.equal(
    decideTime(yearForm, "f", { entry: b, seenMs: T, verifiedMs: T }, {
      ...options,
      verifyEveryMs: day,
    }),
    "verify",
  );
  assert.equal(
    decideTime(yearForm, "f", { entry: b, seenMs: T, verifiedMs: T }, options),
    "keepBaseline",
  );
  // Just verified: not due.
  assert.equal(
    decideTime(yearForm, "f", { entry: b, seenMs: T, verifiedMs: T + 2 * day }, {
      ...options,
      verifyEveryMs: day,
    }),
    "keepBaseline",
  );
});

Deno.test("verificationDue() covers each file once a period, spread over it", () => {
  const every = 86_400_000;
  const start = Date.parse("2026-01-01T00:00:00Z");
  const paths = Array.from({ length: 20_000 }, (_, i) => `a${i % 100}/f${i}.txt`);
  const verified = new Map(paths.map((p) => [p, start]));
  const step = 8 * 60_000; // ServiceWait = 8 min
  let most = 0;
  const last = new Map(paths.map((p) => [p, start]));
  let longest = 0;
  for (let now = start + step; now <= start + 3 * every; now += step) {
    let due = 0;
    for (const p of paths) {
      if (verificationDue(p, verified.get(p)!, now, every)) {
        due++;
        longest = Math.max(longest, now - last.get(p)!);
        verified.set(p, now);
        last.set(p, now);
      }
    }
    most = Math.max(most, due);
  }
  // 20,000 files x 8 min / 1 day = 111 on average; no pass spikes.
  assert.ok(most < 111 * 1.6, `a pass verified ${most}`);
  // Never more than one period plus one pass apart (after the first period).
  assert.ok(longest <= every + step, `${longest} ms between two verifications`);
  for (const p of paths) assert.ok(last.get(p)! > start + 2 * every - every - step);
});

Deno.test("withExactTime() calls a different second a change, the same one unchanged", async (t) => {
  const exactBase = base({ mtimeMs: T, mtimePrecisionMs: 1000 });
  await t.step("same second: unchanged, the exact time to be stored", () => {
    const out = withExactTime("f", listed(), exactBase, Math.floor(T / 1000) * 1000);
    assert.equal(out.kind, "unchanged");
  });
  await t.step("same minute, another second (a backdated rewrite): a change", () => {
    const out = withExactTime("f", listed(), exactBase, T - 7_000);
    assert.equal(out.kind, "listed");
    assert.equal(out.entry.mtimeMs, T - 7_000);
    assert.equal(out.entry.mtimePrecisionMs, 1000);
  });
  await t.step(
    "a day-precision baseline: the same day is unchanged, and gets its exact time",
    () => {
      const dayBase = base({
        mtimeMs: Date.parse("2025-11-25T00:00:00Z"),
        mtimePrecisionMs: 86_400_000,
      });
      const out = withExactTime("f", listed(), dayBase, Date.parse("2025-11-25T13:14:15Z"));
      assert.deepEqual(out, {
        kind: "unchanged",
        entry: dayBase,
        exactMtimeMs: Date.parse("2025-11-25T13:14:15Z"),
      });
    },
  );
});
