import assert from "node:assert/strict";
import {
  configuredOffset,
  deriveServerTime,
  describeServerTime,
  formatOffset,
  type ProbeObservation,
  quarterHours,
  timeChanged,
} from "./server_time.ts";
import { formatFtpTimestamp } from "./ftp_time.ts";

const MIN = 60_000;
/** Our clock when the server created the probe file (between before and after). */
const T = Date.UTC(2026, 11, 6, 2, 11, 35, 400);

/** What a server whose clock is `skewMs` ahead reports for the probe, per source offset (min). */
function observe(
  o: { list?: number; mlsd?: number; mdtm?: number; set?: number },
  skewMs = 0,
  extra: Partial<ProbeObservation> = {},
): ProbeObservation {
  const server = T + skewMs;
  const at = (offset: number) => formatFtpTimestamp(server + offset * MIN);
  const seen: ProbeObservation = { beforeMs: T - 20, afterMs: T + 20, ...extra };
  if (o.mdtm !== undefined) seen.mdtm = at(o.mdtm);
  if (o.mlsd !== undefined) seen.mlst = at(o.mlsd);
  if (o.list !== undefined) {
    const ms = Math.floor((server + o.list * MIN) / MIN) * MIN;
    seen.list = { mtimeMs: ms, precisionMs: MIN, rawTime: "Dec 06 07:41" };
  }
  if (o.set !== undefined) {
    // The server stores `sent - set` and MDTM shows it at `+ mdtm`.
    const sent = T - 86_400_000;
    seen.set = {
      sent: formatFtpTimestamp(sent),
      readBack: formatFtpTimestamp(sent - o.set * MIN + (o.mdtm ?? 0) * MIN),
      via: "mdtm",
    };
  }
  return seen;
}

type Row = [
  name: string,
  seen: ProbeObservation,
  offsets: { list: number; mlsd: number; mdtm: number; set: number },
  skewS: number,
];

Deno.test("deriveServerTime: offsets per source to the quarter hour, the rest is skew", async (t) => {
  const rows: Row[] = [
    ["proftpd in UTC", observe({ list: 0, mlsd: 0, mdtm: 0, set: 0 }), {
      list: 0,
      mlsd: 0,
      mdtm: 0,
      set: 0,
    }, 0],
    [
      "vsftpd use_localtime in Asia/Kolkata (LIST and MDTM local, MDTM set local)",
      observe({ list: 330, mdtm: 330, set: 330 }),
      { list: 330, mlsd: 330, mdtm: 330, set: 330 },
      0,
    ],
    [
      "vsftpd use_localtime in America/New_York in winter",
      observe({ list: -300, mdtm: -300, set: -300 }),
      { list: -300, mlsd: -300, mdtm: -300, set: -300 },
      0,
    ],
    [
      "pure-ftpd in Kolkata: LIST local, MLSD and MDTM UTC",
      observe({ list: 330, mlsd: 0, mdtm: 0, set: 0 }),
      { list: 330, mlsd: 0, mdtm: 0, set: 0 },
      0,
    ],
    [
      "pyftpdlib use_gmt_times=False: everything local but MFMT reads UTC",
      observe({ list: 345, mlsd: 345, mdtm: 345, set: 0 }),
      { list: 345, mlsd: 345, mdtm: 345, set: 0 },
      0,
    ],
    [
      "a clock 4 min 10 s ahead",
      observe({ list: 0, mdtm: 0, set: 0 }, 250_000),
      { list: 0, mlsd: 0, mdtm: 0, set: 0 },
      250,
    ],
    [
      "a clock 3 h behind reads as an offset (times set are read in that clock too)",
      observe({ list: 0, mdtm: 0, set: 0 }, -3 * 3_600_000),
      { list: -180, mlsd: -180, mdtm: -180, set: -180 },
      0,
    ],
    [
      "a clock 10 min ahead: the nearest quarter hour, 5 min behind it",
      observe({ list: 0, mdtm: 0 }, 10 * MIN),
      { list: 15, mlsd: 15, mdtm: 15, set: 15 },
      -300,
    ],
    [
      "LIST only (no MDTM): the skew from LIST's minute",
      observe({ list: 60 }, 125_000),
      { list: 60, mlsd: 60, mdtm: 60, set: 60 },
      125 - 5,
    ],
  ];
  for (const [name, seen, offsets, skewS] of rows) {
    await t.step(name, () => {
      const derived = deriveServerTime(seen);
      assert.ok(derived.ok, JSON.stringify(derived));
      assert.deepEqual(derived.record.offsetMinutes, offsets);
      // MDTM's seconds: within a second and the STOR's round trip; LIST's minute: 30 s.
      const tolerance = seen.mdtm === undefined && seen.mlst === undefined ? 31 : 1.1;
      assert.ok(
        Math.abs(derived.record.skewMs / 1000 - skewS) <= tolerance,
        `skew ${derived.record.skewMs} ms, expected ${skewS} s`,
      );
      assert.equal(derived.record.source, "measured");
    });
  }

  await t.step("LIST shows the new file with a year (its clock is behind): MDTM's frame", () => {
    const seen = observe({ mdtm: 0 });
    seen.list = {
      mtimeMs: Date.UTC(2026, 11, 6),
      precisionMs: 86_400_000,
      rawTime: "Dec 06  2026",
    };
    const derived = deriveServerTime(seen);
    assert.ok(derived.ok);
    assert.equal(derived.record.measured?.list, false);
    assert.match(derived.record.notes?.[0] ?? "", /date only/);
  });

  await t.step("a time that is not a clock reading is refused", () => {
    const seen: ProbeObservation = { beforeMs: T, afterMs: T + 10, mdtm: "20260101000000" };
    const derived = deriveServerTime(seen);
    assert.equal(derived.ok, false);
    assert.match(derived.ok ? "" : derived.reason, /not a clock reading/);
  });

  await t.step("no time at all", () => {
    assert.equal(deriveServerTime({ beforeMs: T, afterMs: T }).ok, false);
  });
});

Deno.test("quarterHours and formatOffset", () => {
  assert.equal(quarterHours(5.5 * 3_600_000 + 7 * MIN), 330);
  assert.equal(quarterHours(-4 * MIN), 0);
  assert.equal(quarterHours(-8 * MIN), -15);
  assert.equal(formatOffset(330), "+05:30");
  assert.equal(formatOffset(-300), "-05:00");
  assert.equal(formatOffset(0), "+00:00");
});

Deno.test("describeServerTime and timeChanged", () => {
  const derived = deriveServerTime(observe({ list: 330, mdtm: 330, set: 330 }, 3_000));
  assert.ok(derived.ok);
  assert.equal(
    describeServerTime(derived.record, { mlsd: false }),
    "LIST in UTC+05:30, MDTM in UTC+05:30, times set in UTC+05:30; clock 3 s ahead of ours",
  );
  assert.equal(describeServerTime(configuredOffset(-240)), "ServerTime UTC-04:00 (configured)");
  const again = deriveServerTime(observe({ list: 330, mdtm: 330, set: 330 }, 3_400));
  assert.ok(again.ok);
  assert.equal(timeChanged(derived.record, again.record), false, "a jitter is no change");
  const dst = deriveServerTime(observe({ list: 270, mdtm: 270, set: 270 }, 3_000));
  assert.ok(dst.ok);
  assert.equal(timeChanged(derived.record, dst.record), true);
  assert.equal(timeChanged(undefined, dst.record), true);
});
