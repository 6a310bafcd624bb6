import assert from "node:assert/strict";
import { conflictName, isConflictName } from "./conflict_name.ts";
import type { Side } from "./types.ts";

const NOW = new Date("2026-11-25T14:05:01.999Z");

Deno.test("conflictName() puts the marker before the last extension", async (t) => {
  const rows: Array<[string, Side, number | undefined, string]> = [
    ["report.txt", "local", undefined, "report.conflict-20261125T140501-local.txt"],
    ["a/b/report.txt", "remote", undefined, "a/b/report.conflict-20261125T140501-remote.txt"],
    ["archive.tar.gz", "local", undefined, "archive.tar.conflict-20261125T140501-local.gz"],
    ["Makefile", "remote", undefined, "Makefile.conflict-20261125T140501-remote"],
    ["dir.d/Makefile", "local", undefined, "dir.d/Makefile.conflict-20261125T140501-local"],
    [".bashrc", "local", undefined, ".bashrc.conflict-20261125T140501-local"],
    [".config.json", "local", undefined, ".config.conflict-20261125T140501-local.json"],
    ["notes.", "remote", undefined, "notes..conflict-20261125T140501-remote"],
    ["é 日本語.txt", "local", undefined, "é 日本語.conflict-20261125T140501-local.txt"],
    ["report.txt", "local", 1, "report.conflict-20261125T140501-local.txt"],
    ["report.txt", "local", 2, "report.conflict-20261125T140501-local-2.txt"],
  ];
  for (const [path, side, counter, expected] of rows) {
    await t.step(`${path} ${side} ${counter ?? ""} -> ${expected}`, () => {
      const options = counter === undefined ? { now: NOW } : { now: NOW, counter };
      const name = conflictName(path, side, options);
      assert.equal(name, expected);
      assert.ok(isConflictName(name));
    });
  }
});

Deno.test("conflictName() stays within 255 bytes by cutting the stem", () => {
  const name = conflictName(`d/${"日".repeat(80)}.txt`, "remote", { now: NOW });
  const base = name.slice(2);
  assert.ok(new TextEncoder().encode(base).length <= 255);
  assert.ok(base.endsWith(".conflict-20261125T140501-remote.txt"));
  assert.ok(base.startsWith("日日"));
  assert.ok(isConflictName(name));
});

Deno.test("conflictName() uses the UTC time of now", () => {
  // 2026-01-01T00:30 in UTC+2 is still 2025 in UTC.
  const now = new Date("2026-01-01T00:30:00+02:00");
  assert.equal(conflictName("x.txt", "local", { now }), "x.conflict-20251231T223000-local.txt");
});

Deno.test("isConflictName() recognises only ftp-clone's conflict copies", async (t) => {
  const rows: Array<[string, boolean]> = [
    ["report.conflict-20261125T140501-local.txt", true],
    ["a/b/report.conflict-20261125T140501-remote.txt", true],
    ["Makefile.conflict-20261125T140501-remote", true],
    ["x.conflict-20261125T140501-local-3.txt", true],
    ["report.txt", false],
    ["report.conflict.txt", false],
    ["report.conflict-2026-local.txt", false],
    ["report.conflict-20261125T140501-other.txt", false],
    ["report.conflict-20261125T140501-local.tar.gz", false],
    ["a.conflict-20261125T140501-local.txt/b.txt", false],
  ];
  for (const [name, expected] of rows) {
    await t.step(`${name} -> ${expected}`, () => assert.equal(isConflictName(name), expected));
  }
});
