import assert from "node:assert/strict";
import type { ConfigIssue } from "./types.ts";
import { parseIni } from "./ini_document.ts";
import { readSection } from "./read_section.ts";

function issues(): { file: string; errors: ConfigIssue[]; warnings: ConfigIssue[] } {
  return { file: "/p.ini", errors: [], warnings: [] };
}

Deno.test("readSection() gives every static default for an absent section", () => {
  const found = issues();
  const read = readSection(undefined, "service", found);
  assert.deepEqual(read, {
    values: {
      serviceWaitMinutes: 8,
      concurrentSynchronisations: 4,
      binDirectory: "/bin",
      logLevel: "info",
      watch: true,
    },
    lines: {},
    complete: true,
  });
  assert.deepEqual(found, issues());
});

Deno.test("readSection() never shares a default list between sections", () => {
  const a = readSection(undefined, "ftp", issues());
  const b = readSection(undefined, "ftp", issues());
  assert.deepEqual(a.values.exclude, []);
  assert.notEqual(a.values.exclude, b.values.exclude);
  assert.notEqual(a.values.linuxChmod, b.values.linuxChmod);
});

Deno.test("readSection() treats an empty value as absent and records key lines", () => {
  const section = parseIni("[FTP1]\nServer = a\nUser =\nRemote_dir = /\nLocal_dir = /x\n")
    .sections[0];
  const found = issues();
  const read = readSection(section, "ftp", found);
  assert.equal(read.complete, true);
  assert.equal(read.values.user, "anonymous");
  assert.deepEqual(read.lines, { server: 2, user: 3, remoteDir: 4, localDir: 5 });
  assert.deepEqual(found, issues());
});

Deno.test("readSection() marks a section with any error incomplete", () => {
  const section = parseIni("[FTP1]\nServer = a\nRemote_dir = /\nLocal_dir = /x\nPort = 0\n")
    .sections[0];
  const found = issues();
  assert.equal(readSection(section, "ftp", found).complete, false);
  assert.equal(found.errors.length, 1);
});
