import assert from "node:assert/strict";
import { configureSync, getLogger, type LogRecord, resetSync } from "@logtape/logtape";
import { auditLine, createPassAudit } from "./audit_log.ts";
import type { Action, ActionResult, Entry, PassReport } from "./types.ts";

function entry(path: string, size: number): Entry {
  return { path, kind: "file", size, mtimeMs: 0, mtimePrecisionMs: 1, rawTime: "" };
}

function done(action: Action): ActionResult {
  return { action, ok: true, updates: [], bytes: 0 };
}

const REPORT: PassReport = {
  section: "FTP1",
  identifier: "id",
  startedAt: "",
  finishedAt: "",
  outcome: "ok",
  uploaded: 1,
  downloaded: 0,
  deletedLocal: 0,
  deletedRemote: 0,
  conflicts: 0,
  bytes: 5,
  errors: [],
};

/** The log lines (level and text) that `fn` writes through the FTP1 logger. */
function capture(fn: (log: ReturnType<typeof getLogger>) => void): string[] {
  const records: LogRecord[] = [];
  configureSync({
    reset: true,
    sinks: { mem: (r) => records.push(r) },
    loggers: [{ category: ["ftp-clone"], sinks: ["mem"], lowestLevel: "debug" }],
  });
  try {
    fn(getLogger(["ftp-clone", "FTP1"]));
  } finally {
    resetSync();
  }
  return records.map((r) =>
    `${r.level} ${r.message.map((p, i) => (i % 2 === 0 ? p : String(p))).join("")}`
  );
}

Deno.test("auditLine() says what happened to which file, its size and why", async (t) => {
  const rows: [string, Action, "info" | "debug", string][] = [
    [
      "upload",
      { type: "upload", path: "docs/a b.txt", reason: "created locally", local: entry("x", 12) },
      "info",
      'uploaded "docs/a b.txt" (12 bytes): created locally',
    ],
    [
      "download over a local file",
      {
        type: "download",
        path: "a.txt",
        reason: "modified on the remote side",
        local: entry("a.txt", 1),
        remote: entry("a.txt", 30),
      },
      "info",
      'downloaded "a.txt" (30 bytes): modified on the remote side; the local version it ' +
      "replaced is in the trash",
    ],
    [
      "delete here",
      {
        type: "deleteLocal",
        kind: "file",
        path: "old.txt",
        reason: "deleted on the remote side",
        local: entry("old.txt", 7),
      },
      "info",
      'deleted "old.txt" here (7 bytes), moved to the trash: deleted on the remote side',
    ],
    [
      "delete on the server",
      {
        type: "deleteRemote",
        kind: "file",
        path: "x.txt",
        reason: "deleted locally",
        remote: entry("x.txt", 3),
      },
      "info",
      'deleted "x.txt" on the server (3 bytes): deleted locally',
    ],
    [
      "a directory on the server",
      { type: "deleteRemote", kind: "dir", path: "d", reason: "deleted locally" },
      "info",
      'deleted the directory "d" on the server: deleted locally',
    ],
    [
      "conflict",
      {
        type: "keepBoth",
        path: "r.odt",
        reason: "changed on both sides",
        winner: "remote",
        loserPath: "r.conflict-20261125T100000-local.odt",
      },
      "info",
      'conflict on "r.odt": the local version is kept as "r.conflict-20261125T100000-local.odt": ' +
      "changed on both sides",
    ],
    [
      "a directory made",
      { type: "mkdirLocal", path: "d", reason: "directory created on the remote side" },
      "debug",
      'made the directory "d" here',
    ],
    [
      "baseline only",
      { type: "adopt", path: "e.txt", reason: "known equal" },
      "debug",
      'recorded "e.txt" as in sync: known equal',
    ],
  ];
  for (const [name, action, level, text] of rows) {
    await t.step(name, () => assert.deepEqual(auditLine(action), { level, text }));
  }
  await t.step("a type without a row still gets a line (renames come later)", () => {
    const rename = { type: "renameRemote", path: "a.txt", reason: "moved locally to b.txt" };
    assert.deepEqual(auditLine(rename), {
      level: "info",
      text: 'renameRemote "a.txt": moved locally to b.txt',
    });
  });
});

Deno.test("createPassAudit(): one line per completed action, one summary per pass", async (t) => {
  const localRoot = await Deno.makeTempDir();
  try {
    await t.step("an idle pass is a debug line only", () => {
      const lines = capture((log) => {
        createPassAudit(log, { localRoot }).summary({ ...REPORT, uploaded: 0, bytes: 0 }, {
          outcome: "ok",
          seconds: "0.1",
          failures: 0,
        });
      });
      assert.deepEqual(lines, [
        "debug Pass ok in 0.1 s: 0 uploaded, 0 downloaded, 0 deleted locally, 0 deleted on the " +
        "server, 0 conflicts, 0 failed, 0 bytes transferred",
      ]);
    });
    await t.step("a pass that changed something: its lines, then an info summary", () => {
      Deno.writeTextFileSync(`${localRoot}/kept.txt`, "changed meanwhile");
      const lines = capture((log) => {
        const audit = createPassAudit(log, { localRoot });
        audit.action(done({ type: "upload", path: "a.txt", reason: "new", local: entry("a", 5) }));
        // A failure is logged by the executor, where it happens: not twice.
        audit.action({
          action: { type: "upload", path: "b.txt", reason: "new" },
          ok: false,
          error: "Cannot upload",
          transient: false,
        });
        // Kept: it changed since the listing (the executor says so); no "deleted" line.
        audit.action(done({ type: "deleteLocal", kind: "file", path: "kept.txt", reason: "x" }));
        // A download that found a local change became a conflict copy (the executor says so).
        audit.conflict("c.txt", "c.conflict-20261125T100000-remote.txt");
        audit.action(done({ type: "download", path: "c.txt", reason: "y", remote: entry("c", 1) }));
        audit.summary(REPORT, { outcome: "ok", seconds: "1.0", failures: 1 });
      });
      assert.deepEqual(lines, [
        'info uploaded "a.txt" (5 bytes): new',
        "info Pass ok in 1.0 s: 1 uploaded, 0 downloaded, 0 deleted locally, 0 deleted on the " +
        "server, 0 conflicts, 1 failed, 5 bytes transferred",
      ]);
    });
    await t.step("a pass that renamed: a line per rename, the renames in the summary", () => {
      const lines = capture((log) => {
        const audit = createPassAudit(log, { localRoot });
        audit.action(done({
          type: "renameRemote",
          path: "pictures",
          from: "photos",
          kind: "dir",
          rows: [],
          reason: "moved locally",
        }));
        audit.summary({ ...REPORT, uploaded: 0, bytes: 0, renamedRemote: 1 }, {
          outcome: "ok",
          seconds: "0.2",
          failures: 0,
        });
      });
      assert.deepEqual(lines, [
        'info renamed the directory "photos" -> "pictures" on the server: moved locally',
        "info Pass ok in 0.2 s: 0 uploaded, 0 downloaded, 0 deleted locally, 0 deleted on the " +
        "server, 0 conflicts, 1 renamed on the server, 0 failed, 0 bytes transferred",
      ]);
    });
  } finally {
    await Deno.remove(localRoot, { recursive: true });
  }
});

Deno.test("createPassAudit() tells how a comparison ended and a remote version kept", () => {
  const file = entry("a.txt", 3);
  const compare: Action = {
    type: "compare",
    path: "a.txt",
    reason: "the same size",
    local: file,
    remote: file,
    ifDifferent: { type: "download", path: "a.txt", reason: "a conflict copy", remote: file },
  };
  const upload: Action = { type: "upload", path: "b.txt", reason: "changed", local: file };
  const lines = capture((log) => {
    const audit = createPassAudit(log, { localRoot: "/nonexistent" });
    audit.action({
      action: compare,
      ok: true,
      updates: [],
      bytes: 0,
      comparison: { by: "hash", equal: true },
    });
    audit.action({
      action: upload,
      ok: true,
      updates: [],
      bytes: 0,
      performed: { type: "forget", path: "b.txt", reason: "it changed on the server" },
    });
  });
  assert.deepEqual(lines, [
    'info compared "a.txt" equal by hash: adopted, nothing transferred',
    'info kept the server\'s "b.txt": it changed on the server',
  ]);
});
