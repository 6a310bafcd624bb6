import assert from "node:assert/strict";
import { formatFtpTimestamp, parseFtpTimestamp } from "./ftp_time.ts";
import { nameRefusal, parseListing } from "./parse_list.ts";
import { parseUnixListLine } from "./parse_list_unix.ts";

// "now" of the sample listings in ftp-servers.md §4.2.
const NOW = Date.UTC(2026, 10, 25, 13, 7, 30);

const VSFTPD_LIST = [
  "-rw-r--r--    1 1001     1001            8 Nov 25 13:07 café 日本.txt",
  "lrwxrwxrwx    1 1001     1001            7 Mar 04  2024 link-to-new -> new.txt",
  "-rw-r--r--    1 1001     1001            9 Nov 25 13:07 new.txt",
  "-rw-r--r--    1 1001     1001           20 Nov 25  2024 old.txt",
  "drwxr-xr-x    2 1001     1001         4096 Nov 25 13:07 subdir",
  "-rw-r--r--    1 1001     1001            7 Nov 25 13:07 with space.txt",
].join("\r\n");

const PURE_LIST = [
  "drwxr-xr-x    3 1001       ftptest          4096 Nov 25 13:07 .",
  "drwxr-xr-x    3 1001       ftptest          4096 Nov 25 13:07 ..",
  "-rw-r--r--    1 1001       ftptest             8 Nov 25 13:07 café 日本.txt",
  "lrwxrwxrwx    1 1001       ftptest             7 Mar  4  2024 link-to-new -> new.txt",
  "-rw-r--r--    1 1001       ftptest             9 Nov 25 13:07 new.txt",
  "-rw-r--r--    1 1001       ftptest            20 Nov 25  2024 old.txt",
  "drwxr-xr-x    2 1001       ftptest          4096 Nov 25 13:07 subdir",
  "-rw-r--r--    1 1001       ftptest             7 Nov 25 13:07 with space.txt",
].join("\n");

const PURE_MLSD = [
  "type=cdir;sizd=4096;modify=20261125130747;UNIX.mode=0755;UNIX.uid=1001;UNIX.gid=1001;unique=fe00g22617b; .",
  "type=file;size=8;modify=20261125130747;UNIX.mode=0644;UNIX.uid=1001;UNIX.gid=1001;unique=fe00g226180; café 日本.txt",
  "type=dir;sizd=4096;modify=20261125130747;UNIX.mode=0755;UNIX.uid=1001;UNIX.gid=1001;unique=fe00g22617c; subdir",
  "type=pdir;sizd=4096;modify=20261125130747;UNIX.mode=0755;UNIX.uid=1001;UNIX.gid=1001;unique=fe00g22617b; ..",
  "type=file;size=9;modify=20261125130747;UNIX.mode=0644;UNIX.uid=1001;UNIX.gid=1001;unique=fe00g22617d; new.txt",
  "type=file;size=20;modify=20241125130747;UNIX.mode=0644;UNIX.uid=1001;UNIX.gid=1001;unique=fe00g22617e; old.txt",
  "type=OS.unix=slink:;size=7;modify=20240304050607;UNIX.mode=0777;UNIX.uid=1001;UNIX.gid=1001;unique=fe00g226183; link-to-new",
  "type=file;size=7;modify=20261125130747;UNIX.mode=0644;UNIX.uid=1001;UNIX.gid=1001;unique=fe00g22617f; with space.txt",
].join("\r\n");

const PRO_MLSD = [
  "modify=20261125130748;perm=flcdmpe;type=cdir;unique=FE00U226184;UNIX.group=1001;UNIX.mode=0755; .",
  "modify=20261125130748;perm=adfrw;size=8;type=file;unique=FE00U226189;UNIX.mode=0644; café 日本.txt",
  "modify=20261125130748;perm=flcdmpe;type=dir;unique=FE00U226185;UNIX.mode=0755; subdir",
  "modify=20261125130748;perm=flcdmpe;type=pdir;unique=FE00U226184;UNIX.mode=0755; ..",
  "modify=20261125130748;perm=adfrw;size=9;type=file;unique=FE00U226186;UNIX.mode=0644; new.txt",
  "modify=20241125130748;perm=adfrw;size=20;type=file;unique=FE00U226187;UNIX.mode=0644; old.txt",
  "modify=20240304050607;perm=adfrw;size=7;type=OS.unix=symlink;unique=FE00U226186;UNIX.mode=0777; link-to-new",
  "modify=20261125130748;perm=adfrw;size=7;type=file;unique=FE00U226188;UNIX.mode=0644; with space.txt",
].join("\r\n");

type Row = [name: string, kind: string, size: number, mtime: string | undefined, prec: number];

function summary(text: string, format: "mlsd" | "list"): Row[] {
  return parseListing(text, format, { nowMs: NOW })
    .map((e): Row => [
      e.name,
      e.kind,
      e.size,
      e.mtimeMs === undefined ? undefined : new Date(e.mtimeMs).toISOString(),
      e.mtimePrecisionMs,
    ])
    .sort((a, b) => a[0] < b[0] ? -1 : 1);
}

const LIST_EXPECTED: Row[] = [
  ["café 日本.txt", "file", 8, "2026-11-25T13:07:00.000Z", 60_000],
  ["link-to-new", "symlink", 7, "2024-03-04T00:00:00.000Z", 86_400_000],
  ["new.txt", "file", 9, "2026-11-25T13:07:00.000Z", 60_000],
  ["old.txt", "file", 20, "2024-11-25T00:00:00.000Z", 86_400_000],
  ["subdir", "dir", 0, "2026-11-25T13:07:00.000Z", 60_000],
  ["with space.txt", "file", 7, "2026-11-25T13:07:00.000Z", 60_000],
];

Deno.test("parseListing reads the sample listings of every server", async (t) => {
  const mlsdExpected = (sec: string): Row[] => [
    ["café 日本.txt", "file", 8, `2026-11-25T13:07:${sec}.000Z`, 1000],
    ["link-to-new", "symlink", 7, "2024-03-04T05:06:07.000Z", 1000],
    ["new.txt", "file", 9, `2026-11-25T13:07:${sec}.000Z`, 1000],
    ["old.txt", "file", 20, `2024-11-25T13:07:${sec}.000Z`, 1000],
    ["subdir", "dir", 0, `2026-11-25T13:07:${sec}.000Z`, 1000],
    ["with space.txt", "file", 7, `2026-11-25T13:07:${sec}.000Z`, 1000],
  ];
  const cases: [string, string, "mlsd" | "list", Row[]][] = [
    ["vsftpd LIST", VSFTPD_LIST, "list", LIST_EXPECTED],
    ["pure-ftpd LIST", PURE_LIST, "list", LIST_EXPECTED],
    ["pure-ftpd MLSD", PURE_MLSD, "mlsd", mlsdExpected("47")],
    ["proftpd MLSD", PRO_MLSD, "mlsd", mlsdExpected("48")],
  ];
  for (const [name, text, format, expected] of cases) {
    await t.step(name, () => assert.deepEqual(summary(text, format), expected));
  }
});

Deno.test("parseListing keeps the raw time text", () => {
  const [e] = parseListing(PURE_MLSD.split("\r\n")[1]!, "mlsd", { nowMs: NOW });
  assert.equal(e?.rawTime, "20261125130747");
  const [l] = parseListing(VSFTPD_LIST.split("\r\n")[3]!, "list", { nowMs: NOW });
  assert.equal(l?.rawTime, "Nov 25 2024");
});

Deno.test("LIST year inference: latest year not more than a day ahead of now", async (t) => {
  const cases: [string, number, string | undefined][] = [
    ["-rw-r--r-- 1 u g 1 Nov 25 13:07 a", NOW, "2026-11-25T13:07:00.000Z"],
    // Tomorrow (within a day): this year.
    ["-rw-r--r-- 1 u g 1 Nov 26 13:00 a", NOW, "2026-11-26T13:00:00.000Z"],
    // More than a day ahead: last year.
    ["-rw-r--r-- 1 u g 1 Nov 27 13:08 a", NOW, "2025-11-27T13:08:00.000Z"],
    // Across new year: in January, a December date is last year's.
    ["-rw-r--r-- 1 u g 1 Dec 31 23:59 a", Date.UTC(2027, 0, 1, 0, 5), "2026-12-31T23:59:00.000Z"],
    // Early January listed on Dec 31: within a day, so next year.
    [
      "-rw-r--r-- 1 u g 1 Jan  1 00:10 a",
      Date.UTC(2026, 11, 31, 23, 0),
      "2027-01-01T00:10:00.000Z",
    ],
    // Feb 29 in a non-leap year goes back to the last leap year.
    ["-rw-r--r-- 1 u g 1 Feb 29 10:00 a", Date.UTC(2027, 5, 1), "2024-02-29T10:00:00.000Z"],
    ["-rw-r--r-- 1 u g 1 Feb 30  2024 a", NOW, undefined],
  ];
  for (const [line, now, expected] of cases) {
    await t.step(line, () => {
      const e = parseUnixListLine(line, now);
      assert.ok(e !== undefined && e !== "skip");
      assert.equal(
        e.mtimeMs === undefined ? undefined : new Date(e.mtimeMs).toISOString(),
        expected,
      );
    });
  }
});

Deno.test("parseListing refuses unsafe names and reports them", () => {
  const refused: [string, string][] = [];
  const text = [
    "garbage-without-space",
    "type=file;size=1;modify=20260101000000; ../x",
    "type=file;size=1;modify=20260101000000; a/b",
    "type=file;size=1;modify=20260101000000; nul\0name",
    "type=file;size=1;modify=20260101000000; tab\tname",
    "type=file;size=1;modify=20260101000000; ok.txt",
    "type=file;size=1;modify=20260101000000;  lead space.txt",
  ].join("\r\n");
  const entries = parseListing(text, "mlsd", {
    nowMs: NOW,
    onRefused: (name, reason) => refused.push([name, reason]),
  });
  assert.deepEqual(entries.map((e) => e.name), ["ok.txt", " lead space.txt"]);
  assert.deepEqual(refused, [
    ["garbage-without-space", "unparsable listing line"],
    ["../x", 'contains "/"'],
    ["a/b", 'contains "/"'],
    ["nul\0name", "contains a NUL character"],
    ["tab\tname", "contains a control character"],
  ]);
});

Deno.test("a name holding a line break is refused, never returned truncated", async (t) => {
  await t.step("LIST lines end with CRLF, the name's LF stays inside (vsftpd, proftpd)", () => {
    const refused: string[] = [];
    const text = "drwxr-xr-x    2 1001     1001         4096 Nov 25 13:07 a\nb\r\n" +
      "-rw-r--r--    1 1001     1001            1 Nov 25 13:07 plain.txt\r\n";
    const entries = parseListing(text, "list", {
      nowMs: NOW,
      onRefused: (name, reason) => refused.push(`${JSON.stringify(name)}: ${reason}`),
    });
    assert.deepEqual(entries.map((e) => e.name), ["plain.txt"]);
    assert.deepEqual(refused, ['"a\\nb": contains a line break']);
  });
  await t.step("MLSD broke the name into two lines (proftpd writes its LF as CRLF)", () => {
    const refused: string[] = [];
    const text = "modify=20261206021444;type=file;size=1; plain.txt\r\n" +
      "modify=20261206021444;perm=flcdmpe;type=dir;unique=FE00U20C172; a\r\nb\r\n" +
      "modify=20261206021444;type=file;size=1; z.txt\r\n";
    const entries = parseListing(text, "mlsd", {
      nowMs: NOW,
      onRefused: (name, reason) => refused.push(`${JSON.stringify(name)}: ${reason}`),
    });
    assert.deepEqual(entries.map((e) => e.name), ["plain.txt", "z.txt"]);
    assert.deepEqual(refused, ['"a\\nb": contains a line break (the listing broke it)']);
  });
});

Deno.test("DOS/IIS listings", async (t) => {
  type DosRow = [line: string, name: string, kind: string, size: number, iso: string];
  const rows: DosRow[] = [
    ["12-05-26  10:15PM       <DIR>          name", "name", "dir", 0, "2026-12-05T22:15:00.000Z"],
    [
      "01-02-26  12:05AM                 1234 a b.txt",
      "a b.txt",
      "file",
      1234,
      "2026-01-02T00:05:00.000Z",
    ],
    [
      "01-02-26  12:05PM                    0 noon.txt",
      "noon.txt",
      "file",
      0,
      "2026-01-02T12:05:00.000Z",
    ],
    [
      "07-04-2026  22:15       <DIR>          dir with spaces",
      "dir with spaces",
      "dir",
      0,
      "2026-07-04T22:15:00.000Z",
    ],
    [
      "07-04-99  09:01AM                   17 old.txt",
      "old.txt",
      "file",
      17,
      "1999-07-04T09:01:00.000Z",
    ],
    [
      "11-25-2026  01:07 PM                9 spaced ampm.txt",
      "spaced ampm.txt",
      "file",
      9,
      "2026-11-25T13:07:00.000Z",
    ],
  ];
  for (const [line, name, kind, size, iso] of rows) {
    await t.step(line, () => {
      const [e] = parseListing(line + "\r\n", "list", { nowMs: NOW });
      assert.ok(e !== undefined);
      assert.deepEqual(
        [e.name, e.kind, e.size, new Date(e.mtimeMs!).toISOString(), e.mtimePrecisionMs],
        [name, kind, size, iso, 60_000],
      );
    });
  }
  await t.step("a month beyond 12 or an hour beyond 12 with AM/PM is refused", () => {
    const refused: string[] = [];
    parseListing("13-05-26  10:15PM   1 a\r\n12-05-26  13:15PM   1 b\r\n", "list", {
      nowMs: NOW,
      onRefused: (name) => refused.push(name),
    });
    assert.equal(refused.length, 2);
  });
  await t.step("the server's LIST offset is taken out", () => {
    const [e] = parseListing("12-05-26  10:15PM       <DIR>          name\r\n", "list", {
      nowMs: NOW,
      offsetMinutes: 330,
    });
    assert.equal(new Date(e!.mtimeMs!).toISOString(), "2026-12-05T16:45:00.000Z");
  });
});

Deno.test("offsets: each source's offset is taken out, LIST years inferred in the server's frame", () => {
  // 2026-12-31 23:30 UTC is 2027-01-01 05:00 in Kolkata: a file listed "Jan 01 04:59" is from
  // 2027, not from 2026.
  const now = Date.UTC(2026, 11, 31, 23, 30);
  const [list] = parseListing(
    "-rw-r--r--    1 1001     1001            9 Jan 01 04:59 new.txt\r\n",
    "list",
    { nowMs: now, offsetMinutes: 330 },
  );
  assert.equal(new Date(list!.mtimeMs!).toISOString(), "2026-12-31T23:29:00.000Z");
  const [mlsd] = parseListing("type=file;size=1;modify=20260101120000; a\r\n", "mlsd", {
    nowMs: now,
    offsetMinutes: -300,
  });
  assert.equal(new Date(mlsd!.mtimeMs!).toISOString(), "2026-01-01T17:00:00.000Z");
  assert.equal(mlsd!.rawTime, "20260101120000");
});

Deno.test("MLSD's unique fact is kept", () => {
  const [e] = parseListing(PRO_MLSD, "mlsd", { nowMs: NOW });
  assert.equal(e?.unique, "FE00U226189");
});

Deno.test("nameRefusal", async (t) => {
  const cases: [string, string | undefined][] = [
    [".", "skip"],
    ["..", "skip"],
    ["", "empty name"],
    ["a/b", 'contains "/"'],
    ["...", undefined],
    ["é 日本語", undefined],
  ];
  for (const [name, expected] of cases) {
    await t.step(JSON.stringify(name), () => assert.equal(nameRefusal(name), expected));
  }
});

Deno.test("FTP timestamps round-trip at whole seconds", async (t) => {
  const cases: [string, number | undefined][] = [
    ["20261125130747", Date.UTC(2026, 10, 25, 13, 7, 47)],
    ["20261125130747.987", Date.UTC(2026, 10, 25, 13, 7, 47)],
    ["2026112513074", undefined],
    ["20261325130747", undefined],
  ];
  for (const [text, expected] of cases) {
    await t.step(text, () => assert.equal(parseFtpTimestamp(text), expected));
  }
  assert.equal(formatFtpTimestamp(Date.UTC(2020, 0, 2, 3, 4, 5, 999)), "20200102030405");
});

Deno.test("parseListing refuses files whose size cannot be transferred, with a reason", async (t) => {
  for (const size of ["-5", "1180591620717411303424", "NaN", "1.5", ""]) {
    await t.step(`size=${size}`, () => {
      const refused: string[] = [];
      const entries = parseListing(
        `type=file;size=${size};modify=20260101120000; x\r\ntype=file;size=5;modify=20260101120000; ok\r\n`,
        "mlsd",
        {
          nowMs: Date.UTC(2026, 10, 25),
          onRefused: (name, reason) => refused.push(`${name}: ${reason}`),
        },
      );
      assert.deepEqual(entries.map((e) => e.name), ["ok"]);
      assert.deepEqual(refused, ["x: its listed size is not a usable number of bytes"]);
    });
  }
});
