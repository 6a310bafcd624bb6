import assert from "node:assert/strict";
import { join } from "node:path";
import { configureSync, type LogRecord, resetSync } from "@logtape/logtape";
import { configuredOffset, type ServerTimeRecord } from "./server_time.ts";
import { type ProbeResult, REMEASURE_MS, ServerTimeState } from "./server_time_state.ts";
import { readServerTimes, saveServerTime, serversPath } from "./server_store.ts";

function captureLogs(): string[] {
  const lines: string[] = [];
  configureSync({
    reset: true,
    sinks: {
      mem: (r: LogRecord) =>
        lines.push(`${r.level} ${r.message.map((p, i) => i % 2 ? String(p) : p).join("")}`),
    },
    loggers: [
      { category: ["ftp-clone"], sinks: ["mem"], lowestLevel: "info" },
      { category: ["logtape", "meta"], sinks: ["mem"], lowestLevel: "warning" },
    ],
  });
  return lines;
}

function measured(offset: number, skewMs = 0): ProbeResult {
  const record: ServerTimeRecord = {
    ...configuredOffset(offset),
    source: "measured",
    skewMs,
    skewPrecisionMs: 500,
    measured: { list: true, mlsd: false, mdtm: true, set: true },
    probe: { roundTrips: 6, ms: 4 },
  };
  return { ok: true, record };
}

Deno.test("server time: one probe at a time, stored, measured again after 3 h, logged on change", async () => {
  const lines = captureLogs();
  const dir = await Deno.makeTempDir();
  try {
    let now = Date.UTC(2026, 2, 28, 12);
    const state = new ServerTimeState("u@h:21", { stateDir: () => dir, now: () => now });
    assert.equal(state.record().source, "assumed");
    assert.equal(state.due(), true);
    let probes = 0;
    const probe = (result: ProbeResult) => () => {
      probes++;
      return Promise.resolve(result);
    };
    const [a, b] = await Promise.all([
      state.measure(probe(measured(60))),
      state.measure(probe(measured(60))),
    ]);
    assert.equal(probes, 1, "two sections asking at once share one probe");
    assert.equal(a, b);
    assert.equal(a.offsetMinutes.list, 60);
    assert.equal(state.due(), false);
    // Stored: a new process (a new state) starts from it without measuring.
    const next = new ServerTimeState("u@h:21", { stateDir: () => dir, now: () => now });
    assert.equal(next.record().offsetMinutes.mdtm, 60);
    assert.equal(next.due(), false);
    assert.deepEqual(readServerTimes(dir).map((s) => s.server), ["u@h:21"]);
    now += REMEASURE_MS;
    assert.equal(state.due(), true);
    await state.measure(probe(measured(60, 400)));
    now += REMEASURE_MS;
    // DST began: the offset moved by an hour.
    await state.measure(probe(measured(120)));
    assert.deepEqual(lines, [
      "info Server u@h:21 time: LIST in UTC+01:00, MDTM in UTC+01:00, times set in UTC+01:00; " +
      "clock in step with ours (measured in 4 ms, 6 round trips)",
      "info The time of server u@h:21 changed: LIST in UTC+02:00, MDTM in UTC+02:00, times set " +
      "in UTC+02:00; clock in step with ours (measured in 4 ms, 6 round trips); it was: LIST in " +
      "UTC+01:00, MDTM in UTC+01:00, times set in UTC+01:00; clock in step with ours",
    ]);
  } finally {
    resetSync();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("server time: a read-only account is assumed UTC with one warning naming ServerTime", async () => {
  const lines = captureLogs();
  try {
    let now = 1_000_000;
    const state = new ServerTimeState("u@h:21", { stateDir: () => undefined, now: () => now });
    const refused: ProbeResult = {
      ok: false,
      kind: "readOnly",
      reason: 'storing a probe file in "/" failed: 553 Could not create file',
    };
    const record = await state.measure(() => Promise.resolve(refused));
    assert.equal(record.source, "assumed");
    assert.equal(state.due(), false, "not tried again on every pass");
    now += REMEASURE_MS;
    await state.measure(() => Promise.resolve(refused));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^warning Cannot measure the time of server u@h:21: storing a probe/);
    assert.match(lines[0]!, /set ServerTime in its sections/);
  } finally {
    resetSync();
  }
});

Deno.test("server time: a missing directory or a dropped connection changes nothing", async () => {
  const state = new ServerTimeState("u@h:21", { stateDir: () => undefined, now: () => 5 });
  for (const kind of ["missing", "failed"] as const) {
    const record = await state.measure(() => Promise.resolve({ ok: false, kind, reason: "x" }));
    assert.equal(record.source, "assumed");
    assert.equal(state.due(), true, "measured at the next pass");
  }
  const thrown = await state.measure(() => Promise.reject(new Error("boom")));
  assert.equal(thrown.source, "assumed");
});

Deno.test("the servers file: a damaged file or entry is ignored", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.deepEqual(readServerTimes(dir), []);
    await Deno.writeTextFile(serversPath(dir), "{not json");
    assert.deepEqual(readServerTimes(dir), []);
    const result = measured(330);
    assert.ok(result.ok);
    saveServerTime(dir, "a@h:21", result.record);
    assert.equal((await Deno.stat(serversPath(dir))).mode! & 0o777, 0o600);
    const text = JSON.parse(await Deno.readTextFile(join(dir, "servers.json")));
    text.servers["b@h:21"] = { time: { offsetMinutes: { list: "x" } } };
    await Deno.writeTextFile(serversPath(dir), JSON.stringify(text));
    assert.deepEqual(readServerTimes(dir).map((s) => s.server), ["a@h:21"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
