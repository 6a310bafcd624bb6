import assert from "node:assert/strict";
import { RepeatGate } from "./repeat_gate.ts";

const HOUR = 3_600_000;

Deno.test("RepeatGate: a repeated error is written once, then reminded at growing intervals", () => {
  let now = Date.parse("2026-11-25T10:00:00Z");
  const gate = new RepeatGate({ now: () => now });
  const error = { level: "error", section: "FTP1", message: "Cannot connect" };
  const written: string[] = [];
  // One pass every 8 min for a day.
  for (let pass = 0; pass < 180; pass++) {
    gate.passStarted("FTP1");
    const text = gate.admit(error);
    if (text !== undefined) {
      written.push(`${(now - Date.parse("2026-11-25T10:00:00Z")) / HOUR}h ${text}`);
    }
    gate.passEnded("FTP1");
    now += 8 * 60_000;
  }
  assert.equal(written[0], "0h Cannot connect");
  // Reminders after about 1 h, then 2 h, 4 h, 8 h later...
  const hours = written.slice(1).map((w) => Number(w.split("h")[0]));
  assert.deepEqual(hours.map((h) => Math.round(h)), [1, 3, 7, 15]);
  assert.match(
    written[1]!,
    /Cannot connect \(still happening: 9 times since 2026-11-25T10:00:00Z\)$/,
  );
});

Deno.test("RepeatGate: an error a pass did not repeat is forgotten, and written again", () => {
  const gate = new RepeatGate({ now: () => 0 });
  const error = { level: "error", section: "ftp1", message: "Cannot connect" };
  gate.passStarted("FTP1");
  assert.equal(gate.admit(error), "Cannot connect");
  gate.passEnded("FTP1");
  gate.passStarted("FTP1");
  assert.equal(gate.admit(error), undefined);
  gate.passEnded("FTP1");
  gate.passStarted("FTP1"); // a pass without it: it cleared
  gate.passEnded("FTP1");
  gate.passStarted("FTP1");
  assert.equal(gate.admit(error), "Cannot connect");
});

Deno.test("RepeatGate: info lines, and lines of no section, always pass", () => {
  const gate = new RepeatGate({ now: () => 0 });
  for (let i = 0; i < 3; i++) {
    assert.equal(gate.admit({ level: "info", section: "FTP1", message: "m" }), "m");
    assert.equal(gate.admit({ level: "error", section: undefined, message: "refused" }), "refused");
  }
  assert.equal(gate.admit({ level: "warning", section: "FTP2", message: "w" }), "w");
  assert.equal(gate.admit({ level: "warning", section: "FTP2", message: "w" }), undefined);
});
