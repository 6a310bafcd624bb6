import assert from "node:assert/strict";
import { planLine, resultLine } from "./action_text.ts";
import type { Action, ActionResult, Entry, KeepBothAction } from "./types.ts";

const file: Entry = {
  path: "a.txt",
  kind: "file",
  size: 3,
  mtimeMs: 0,
  mtimePrecisionMs: 1,
  rawTime: "",
};
const keepBoth: KeepBothAction = {
  type: "keepBoth",
  path: "a.txt",
  reason: "changed on both sides",
  local: file,
  remote: file,
  winner: "local",
  loserPath: "a.conflict-20261125T140501-remote.txt",
};
const compare: Action = {
  type: "compare",
  path: "a.txt",
  reason: "the same size",
  local: file,
  remote: file,
  ifDifferent: keepBoth,
};

function ok(action: Action, extra: Partial<ActionResult & { ok: true }> = {}): ActionResult {
  return { action, ok: true, updates: [], bytes: 0, ...extra };
}

Deno.test("planLine() says what each new action will do", async (t) => {
  const rows: Array<[Action, RegExp]> = [
    [
      compare,
      /^compare "a\.txt" \(the same size on both sides\): equal, adopt it; different, keep both versions of "a\.txt": the local one keeps the name, the server's one becomes "a\.conflict-20261125T140501-remote\.txt": the same size$/,
    ],
    [{
      type: "renameLocal",
      path: "photo.jpg",
      from: "Photo.JPG",
      kind: "file",
      rows: [],
      reason: "case",
    }, /^rename "Photo\.JPG" -> "photo\.jpg" here: case$/],
    [{
      type: "renameRemote",
      path: "photo.jpg",
      from: "Photo.JPG",
      kind: "file",
      rows: [],
      reason: "case",
    }, /^rename "Photo\.JPG" -> "photo\.jpg" on the server: case$/],
    [{
      type: "renameRemote",
      path: "archive/2025",
      from: "2025",
      kind: "dir",
      rows: [],
      reason: "moved",
    }, /^rename the directory "2025" -> "archive\/2025" on the server: moved$/],
    [{
      type: "recordMove",
      path: "b.txt",
      from: "a.txt",
      kind: "file",
      rows: [],
      reason: "both",
    }, /^record the move of "a\.txt" -> "b\.txt" \(made on both sides\): both$/],
    [
      { type: "upload", path: "a.txt", reason: "r", local: file, remote: file, proveRemote: file },
      /^upload "a\.txt" over the server's version, proved unchanged: r$/,
    ],
    [
      { type: "download", path: "x", reason: "r", afterDeletions: true },
      /^download "x" once the local directory there is deleted: r$/,
    ],
    [
      { type: "mkdirLocal", path: "x", reason: "r", replaceFile: true },
      /^make the directory "x" here \(the local file there to the trash\): r$/,
    ],
  ];
  for (const [action, expected] of rows) {
    await t.step(action.type, () => assert.match(planLine(action), expected));
  }
});

Deno.test("resultLine() says how a comparison ended and what was kept", async (t) => {
  await t.step("equal by hash", () => {
    assert.deepEqual(resultLine(ok(compare, { comparison: { by: "hash", equal: true } })), {
      level: "info",
      text: 'compared "a.txt" equal by hash: adopted, nothing transferred',
    });
  });
  await t.step("equal by exact time: debug", () => {
    assert.equal(
      resultLine(ok(compare, { comparison: { by: "mtime", equal: true } }))?.level,
      "debug",
    );
  });
  await t.step("different by download: kept both", () => {
    assert.deepEqual(
      resultLine(
        ok(compare, { comparison: { by: "download", equal: false }, performed: keepBoth }),
      ),
      {
        level: "info",
        text: 'compared "a.txt" different by download: kept both versions of "a.txt": the ' +
          'server\'s one is "a.conflict-20261125T140501-remote.txt"',
      },
    );
  });
  await t.step("a remote version kept instead of replaced", () => {
    const upload: Action = {
      type: "upload",
      path: "a.txt",
      reason: "changed locally",
      local: file,
    };
    const kept: Action = { type: "forget", path: "a.txt", reason: "it changed on the server" };
    assert.deepEqual(resultLine(ok(upload, { performed: kept })), {
      level: "info",
      text: 'kept the server\'s "a.txt": it changed on the server',
    });
  });
  await t.step("renamed", () => {
    const rename: Action = {
      type: "renameLocal",
      path: "b",
      from: "B",
      kind: "file",
      rows: [],
      reason: "case",
    };
    assert.deepEqual(resultLine(ok(rename)), {
      level: "info",
      text: 'renamed "B" -> "b" here: case',
    });
  });
  await t.step("a directory renamed, a move recorded", () => {
    const rename: Action = {
      type: "renameLocal",
      path: "photos/2025",
      from: "2025",
      kind: "dir",
      rows: [],
      reason: "moved on the server",
    };
    assert.deepEqual(resultLine(ok(rename)), {
      level: "info",
      text: 'renamed the directory "2025" -> "photos/2025" here: moved on the server',
    });
    const recorded: Action = { ...rename, type: "recordMove", reason: "moved on both sides" };
    assert.deepEqual(resultLine(ok(recorded)), {
      level: "debug",
      text: 'recorded the move of the directory "2025" -> "photos/2025" made on both sides: ' +
        "moved on both sides",
    });
  });
  await t.step("a failure has no line", () => {
    assert.equal(
      resultLine({ action: compare, ok: false, error: "x", transient: false }),
      undefined,
    );
  });
});
