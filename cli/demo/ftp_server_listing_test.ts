import assert from "node:assert/strict";
import {
  formatFtpTime,
  formatListLine,
  formatMlsxLine,
  type ListedEntry,
  MLST_FACTS,
  parseFtpTime,
  selectMlstFacts,
} from "./ftp_server_listing.ts";

const NOW = Date.UTC(2026, 10, 25, 13, 8, 0);
const file: ListedEntry = {
  name: "café 日本.txt",
  kind: "file",
  size: 8,
  mtimeMs: Date.UTC(2026, 10, 25, 13, 7, 47, 999),
  mode: 0o644,
};

Deno.test("formatFtpTime truncates to whole seconds in UTC", () => {
  assert.equal(formatFtpTime(file.mtimeMs), "20261125130747");
  assert.equal(formatFtpTime(0), "19700101000000");
});

Deno.test("parseFtpTime reads MFMT times", async (t) => {
  const cases: [string, number | undefined][] = [
    ["20200102030405", Date.UTC(2020, 0, 2, 3, 4, 5)],
    ["20200102030405.678", Date.UTC(2020, 0, 2, 3, 4, 5)],
    ["21060207062815", Date.UTC(2106, 1, 7, 6, 28, 15)],
    ["2020010203040", undefined],
    ["19691231235959", undefined],
    ["20200230000000", undefined],
    ["20201301000000", undefined],
    ["20200101240000", undefined],
    ["2020010203040x", undefined],
    ["", undefined],
  ];
  for (const [text, expected] of cases) {
    await t.step(text || "(empty)", () => assert.equal(parseFtpTime(text), expected));
  }
});

Deno.test("formatListLine writes ls -l lines", async (t) => {
  const cases: [ListedEntry, string][] = [
    [file, "-rw-r--r--    1 ftp      ftp             8 Nov 25 13:07 café 日本.txt"],
    [
      { ...file, name: "old", mtimeMs: Date.UTC(2024, 2, 4, 5, 6, 7) },
      "-rw-r--r--    1 ftp      ftp             8 Mar  4  2024 old",
    ],
    [
      { ...file, name: "future", mtimeMs: NOW + 86_400_000 },
      "-rw-r--r--    1 ftp      ftp             8 Nov 26  2026 future",
    ],
    [
      { ...file, name: "d", kind: "dir", size: 0, mode: 0o750 },
      "drwxr-x---    1 ftp      ftp             0 Nov 25 13:07 d",
    ],
    [
      { ...file, name: "l", kind: "symlink", size: 3, target: "/a b" },
      "lrwxrwxrwx    1 ftp      ftp             3 Nov 25 13:07 l -> /a b",
    ],
  ];
  for (const [entry, expected] of cases) {
    await t.step(entry.name, () => assert.equal(formatListLine(entry, NOW), expected));
  }
});

Deno.test("formatMlsxLine writes the selected facts", () => {
  const all = new Set<string>(MLST_FACTS);
  assert.equal(
    formatMlsxLine(file, all),
    "type=file;size=8;modify=20261125130747;UNIX.mode=0644; café 日本.txt",
  );
  assert.equal(
    formatMlsxLine({ ...file, name: ".", kind: "dir", mode: 0o755 }, all),
    "type=cdir;modify=20261125130747;UNIX.mode=0755; .",
  );
  assert.equal(
    formatMlsxLine({ ...file, kind: "symlink" }, new Set(["type"])),
    "type=OS.unix=symlink; café 日本.txt",
  );
  assert.equal(formatMlsxLine(file, new Set()), " café 日本.txt");
});

Deno.test("selectMlstFacts keeps the known facts asked for", () => {
  assert.deepEqual(selectMlstFacts("type;size;modify;unique;UNIX.mode;"), {
    facts: new Set(["type", "size", "modify", "unix.mode"]),
    reply: "MLST OPTS type;size;modify;UNIX.mode;",
  });
  assert.deepEqual(selectMlstFacts(""), { facts: new Set(), reply: "MLST OPTS " });
});
