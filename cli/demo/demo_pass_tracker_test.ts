import assert from "node:assert/strict";
import type { PassOptions, PassOutcome } from "../../sync/mod.ts";
import { PassTracker } from "./demo_pass_tracker.ts";

function fakeOutcome(path: string): PassOutcome {
  return {
    plan: {
      actions: [{ type: "upload", path, reason: "" }],
      deletes: { local: 0, remote: 0 },
      conflicts: 0,
    },
    report: {
      section: "FTP1",
      identifier: "x",
      startedAt: "",
      finishedAt: "",
      outcome: "ok",
      uploaded: 1,
      downloaded: 0,
      deletedLocal: 0,
      deletedRemote: 0,
      conflicts: 0,
      bytes: 0,
      errors: [],
    },
  };
}

const options = {} as PassOptions; // the fake pass ignores its options

Deno.test("PassTracker tells each pass and wakes the waiter whose test matches", async () => {
  const told: [string, number][] = [];
  const tracker = new PassTracker({
    onPass: (o, n) => told.push([o.plan.actions[0]!.path, n]),
  });
  let next = "a";
  const pass = tracker.wrap(() => Promise.resolve(fakeOutcome(next)));
  const waitB = tracker.waitFor(
    (o) => o.plan.actions[0]?.path === "b",
    new AbortController().signal,
  );
  await pass(options);
  next = "b";
  await pass(options);
  assert.equal((await waitB).plan.actions[0]!.path, "b");
  assert.deepEqual(told, [["a", 1], ["b", 2]]);
  assert.equal(tracker.count, 2);
});

Deno.test("PassTracker.waitFor rejects when its signal aborts", async () => {
  const tracker = new PassTracker({ onPass: () => {} });
  const controller = new AbortController();
  const wait = tracker.waitFor(() => true, controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(wait, /stop/);
  await assert.rejects(tracker.waitFor(() => true, controller.signal), /stop/);
});

Deno.test("PassTracker's gate waits for the running pass and holds new ones", async () => {
  const events: string[] = [];
  const tracker = new PassTracker({ onPass: () => {} });
  let finish = () => {};
  const pass = tracker.wrap(async () => {
    events.push("start");
    await new Promise<void>((resolve) => finish = resolve);
    events.push("end");
    return fakeOutcome("x");
  });
  const first = pass(options);
  const closed = tracker.closeGate().then(() => events.push("gate closed"));
  await Promise.resolve();
  assert.deepEqual(events, ["start"]);
  finish();
  await first;
  await closed;
  assert.deepEqual(events, ["start", "end", "gate closed"]);
  const second = pass(options);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(events, ["start", "end", "gate closed"], "held while the gate is closed");
  tracker.openGate();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(events.at(-1), "start");
  finish();
  await second;
});
