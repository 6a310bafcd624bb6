import assert from "node:assert/strict";
import type { Action, PassOutcome, PassReport } from "../../sync/mod.ts";
import { describeAction, describePass } from "./demo_narration.ts";

const base = { path: "a/b.txt", reason: "test" };

Deno.test("describeAction says what each action did, in plain words", async (t) => {
  const cases: [Action, string[]][] = [
    [{ ...base, type: "upload" }, ["uploaded a/b.txt (local -> server)"]],
    [{ ...base, type: "download" }, ["downloaded a/b.txt (server -> local)"]],
    [{ ...base, type: "mkdirLocal" }, [
      "created folder a/b.txt locally (it appeared on the server)",
    ]],
    [{ ...base, type: "mkdirRemote" }, [
      "created folder a/b.txt on the server (it appeared locally)",
    ]],
    [{ ...base, type: "deleteLocal", kind: "file" }, [
      "deleted a/b.txt locally (it was deleted on the server; the local copy went to the trash)",
    ]],
    [{ ...base, type: "deleteRemote", kind: "file" }, [
      "deleted a/b.txt on the server (it was deleted locally)",
    ]],
    [{ ...base, type: "keepBoth", winner: "local", loserPath: "a/b.conflict-1-remote.txt" }, [
      "conflict on a/b.txt: it changed on both sides; the newer (local) version keeps the name,",
      "  the server's version is kept as a/b.conflict-1-remote.txt, on both sides",
    ]],
    [{
      ...base,
      type: "keepBoth",
      winner: "remote",
      loserPath: "a/b.conflict-1-local.txt",
      onlySide: "local",
    }, [
      "conflict on a/b.txt: it changed on both sides; the newer (server's) version keeps the name,",
      "  the local version is kept as a/b.conflict-1-local.txt, on the local side only (Direction)",
    ]],
    [{ ...base, type: "adopt" }, []],
    [{ ...base, type: "forget" }, []],
  ];
  for (const [action, expected] of cases) {
    await t.step(action.type, () => assert.deepEqual(describeAction(action), expected));
  }
});

function outcome(actions: Action[], report: Partial<PassReport> = {}): PassOutcome {
  return {
    plan: { actions, deletes: { local: 0, remote: 0 }, conflicts: 0 },
    report: {
      section: "FTP1",
      identifier: "x",
      startedAt: "",
      finishedAt: "",
      outcome: "ok",
      uploaded: 0,
      downloaded: 0,
      deletedLocal: 0,
      deletedRemote: 0,
      conflicts: 0,
      bytes: 0,
      errors: [],
      ...report,
    },
  };
}

Deno.test("describePass tells passes that did something, and failures", () => {
  assert.deepEqual(describePass(outcome([]), 3), []);
  assert.deepEqual(describePass(outcome([{ ...base, type: "adopt" }]), 3), []);
  assert.deepEqual(describePass(outcome([{ ...base, type: "upload" }]), 2), [
    "Pass 2:",
    "  uploaded a/b.txt (local -> server)",
  ]);
  assert.deepEqual(
    describePass(
      outcome([{ ...base, type: "upload" }], { outcome: "failed", errors: ["boom"] }),
      4,
    ),
    ["Pass 4 failed:", "  uploaded a/b.txt (local -> server)", "  failed: boom"],
  );
  assert.deepEqual(describePass(outcome([], { outcome: "aborted" }), 5), ["Pass 5 was stopped:"]);
  assert.deepEqual(describePass({ ...outcome([]), lockedBy: 42 }, 6), [
    "Pass 6: skipped, another process (pid 42) holds the section",
  ]);
});
