import assert from "node:assert/strict";
import { IniEditError, parseIni, UnknownSectionError } from "./ini_document.ts";

const FIXTURES = new URL("../tests/fixtures/ini/", import.meta.url);
const FIXTURE_NAMES = [
  "original.ini",
  "bom.ini",
  "comments.ini",
  "no_final_newline.ini",
  "mixed_endings.ini",
  "crlf_bom_no_final.ini",
  "syntax_errors.ini",
];

function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(name, FIXTURES));
}

/** The lines of `text` (endings kept) that differ from `before`, for "only one line changed". */
function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split(/(?<=\n)/);
  const b = after.split(/(?<=\n)/);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  return { removed: a.slice(start, endA), added: b.slice(start, endB) };
}

Deno.test("parseIni() round-trips every fixture byte for byte", async (t) => {
  for (const name of FIXTURE_NAMES) {
    await t.step(name, () => {
      const bytes = Deno.readFileSync(new URL(name, FIXTURES));
      const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
      const out = new TextEncoder().encode(parseIni(text).toString());
      assert.deepEqual(out, bytes);
    });
  }
});

Deno.test("parseIni() round-trips edge cases byte for byte", async (t) => {
  const cases = ["", "\n", "\r\n", "\uFEFF", "\uFEFF\r\n", "[A]", "[A]\r", "a\rb\n", "\n\n\r\n "];
  for (const text of cases) {
    await t.step(JSON.stringify(text), () => assert.equal(parseIni(text).toString(), text));
  }
});

Deno.test("parseIni() reads the original tool's example file", () => {
  const doc = parseIni(fixture("original.ini"));
  assert.deepEqual(doc.issues, []);
  assert.deepEqual(doc.sections.map((s) => [s.name, s.line]), [
    ["Service", 1],
    ["FTP1", 6],
    ["FTP2", 19],
  ]);
  const ftp1 = doc.sections[1]!;
  assert.deepEqual(ftp1.entries.find((e) => e.key === "Linux_chmod"), {
    key: "Linux_chmod",
    value: "u=rwX,g=rX,o=",
    line: 16,
  });
  assert.deepEqual(ftp1.entries.find((e) => e.key === "Password"), {
    key: "Password",
    value: "",
    line: 11,
  });
});

Deno.test("parseIni() trims values and strips inline comments only after whitespace", async (t) => {
  const cases: [string, string][] = [
    ["Server = a.example ; main", "a.example"],
    ["Server = a;b", "a;b"],
    ["Server=a.example;main", "a.example;main"],
    ["Server =\ta.example\t; main", "a.example"],
    ["Server = ; only a comment", ""],
    ["Server =", ""],
    ["Server=;x", ";x"],
    ["Server =   spaced value   ", "spaced value"],
    ["Server = a # not a comment", "a # not a comment"],
    ["Server = a=b", "a=b"],
  ];
  for (const [line, value] of cases) {
    await t.step(line, () => {
      const doc = parseIni(`[S]\n${line}\n`);
      assert.deepEqual(doc.issues, []);
      assert.equal(doc.sections[0]?.entries[0]?.value, value);
      assert.equal(doc.sections[0]?.entries[0]?.key, "Server");
    });
  }
});

Deno.test("parseIni() treats ; and # at the start of a line as comments", () => {
  const doc = parseIni("; a\n# b\n[S] ; c\n  ; d\n\t# e\nk = v\n");
  assert.deepEqual(doc.issues, []);
  assert.deepEqual(doc.sections, [{
    name: "S",
    line: 3,
    entries: [{ key: "k", value: "v", line: 6 }],
  }]);
});

Deno.test("parseIni() collects every syntax problem with its line", () => {
  const doc = parseIni(fixture("syntax_errors.ini"));
  assert.deepEqual(doc.issues, [
    {
      line: 1,
      key: "Orphan",
      message: "Cannot use a key outside any section: put it under [Service] or [FTP<n>]",
    },
    {
      line: 3,
      section: "Service",
      message: 'Cannot parse line: expected "[Section]", "key = value" or a comment',
    },
    { line: 4, section: "Service", message: 'Cannot parse line: empty key name before "="' },
    { line: 5, message: "Cannot parse section header: empty section name" },
    { line: 6, message: 'Cannot parse section header: unexpected text after "]"' },
    { line: 7, message: 'Cannot parse section header: missing "]"' },
  ]);
});

Deno.test("parseIni() refuses a carriage return without a line feed", () => {
  const text = "[FTP1]\rServer = a\r\n[FTP2]\nk = v\r";
  const doc = parseIni(text);
  assert.equal(doc.toString(), text);
  const message =
    "Cannot parse line: it contains a carriage return without a line feed; save the file with LF or CRLF line endings";
  assert.deepEqual(doc.issues, [{ line: 1, message }, { line: 3, message }]);
});

Deno.test("withValue() changes only the bytes of the value", async (t) => {
  const cases: [string, string, string, string][] = [
    // [file, key, value, expected file]
    ["[S]\nServer = a\n", "server", "b", "[S]\nServer = b\n"],
    ["[S]\r\n\tSERVER\t=\ta ; keep\r\n", "Server", "bb", "[S]\r\n\tSERVER\t=\tbb ; keep\r\n"],
    ["[S]\nPassword =\n", "Password", "v1:x", "[S]\nPassword = v1:x\n"],
    ["[S]\nPassword=\n", "Password", "v1:x", "[S]\nPassword=v1:x\n"],
    ["[S]\nPassword = \n", "Password", "v1:x", "[S]\nPassword = v1:x\n"],
    ["[S]\nPassword = ; later\n", "Password", "v1:x", "[S]\nPassword = v1:x ; later\n"],
    ["[S]\nPassword = old   ; c\n", "Password", "v1:x", "[S]\nPassword = v1:x   ; c\n"],
    ["[S]\nPassword = old", "Password", "v1:x", "[S]\nPassword = v1:x"],
    ["[S]\nPassword = old\n", "Password", "", "[S]\nPassword = \n"],
  ];
  for (const [before, key, value, after] of cases) {
    await t.step(JSON.stringify(before), () => {
      assert.equal(parseIni(before).withValue("S", key, value), after);
    });
  }
});

Deno.test("withValue() inserts one line after the section's last key line", async (t) => {
  const cases: [string, string][] = [
    ["[A]\nk = 1\n\n; note\n[B]\n", "[A]\nk = 1\nPassword = v1:x\n\n; note\n[B]\n"],
    ["[A]\r\nk = 1\r\n\r\n", "[A]\r\nk = 1\r\nPassword = v1:x\r\n\r\n"],
    ["[A]\nk = 1", "[A]\nk = 1\nPassword = v1:x"],
    ["[A]\r\nk = 1", "[A]\r\nk = 1\r\nPassword = v1:x"],
    ["[A]", "[A]\nPassword = v1:x"],
    ["[A]\n; only a comment\n", "[A]\nPassword = v1:x\n; only a comment\n"],
    ["[A]\n  k=1\n", "[A]\n  k=1\n  Password=v1:x\n"],
    ["\uFEFF[A]\nk = 1\n[B]\nk = 2\n", "\uFEFF[A]\nk = 1\nPassword = v1:x\n[B]\nk = 2\n"],
    ["[A]\nk = 1\r\n[B]\n", "[A]\nk = 1\r\nPassword = v1:x\r\n[B]\n"],
  ];
  for (const [before, after] of cases) {
    await t.step(JSON.stringify(before), () => {
      assert.equal(parseIni(before).withValue("a", "Password", "v1:x"), after);
    });
  }
});

Deno.test("withValue() on the original file changes exactly one line", async (t) => {
  const text = fixture("original.ini");
  const doc = parseIni(text);
  await t.step("existing key", () => {
    const out = doc.withValue("FTP2", "Password", "v1:abc:def");
    assert.deepEqual(changedLines(text, out), {
      removed: ["Password =\r\n"],
      added: ["Password = v1:abc:def\r\n"],
    });
    assert.equal(
      out.indexOf("v1:abc:def"),
      text.indexOf("Password =\r\nRemote_dir = /backup") + 11,
    );
  });
  await t.step("missing key", () => {
    const out = doc.withValue("FTP2", "TlsVerify", "no");
    assert.equal(out, text + "TlsVerify = no\r\n");
  });
  await t.step("missing key in the middle", () => {
    const out = doc.withValue("Service", "LogLevel", "debug");
    assert.deepEqual(changedLines(text, out), { removed: [], added: ["LogLevel = debug\r\n"] });
    assert.ok(
      out.startsWith(
        "[Service]\r\nServiceWait = 8\r\nConcurrentSynchronisations = 4\r\nBinDirectory = /bin\r\nLogLevel = debug\r\n\r\n[FTP1]",
      ),
    );
  });
});

Deno.test("withValues() sets several keys at once", () => {
  const out = parseIni("[FTP1]\nServer = a\n").withValues("FTP1", {
    Server: "b",
    Identifier: "c",
    Password: "d",
  });
  assert.equal(out, "[FTP1]\nServer = b\nIdentifier = c\nPassword = d\n");
});

Deno.test("withValue() refuses what it cannot write faithfully", async (t) => {
  await t.step("unknown section", () => {
    assert.throws(
      () => parseIni("[FTP1]\n").withValue("FTP9", "Password", "x"),
      (e) => e instanceof UnknownSectionError && e.message === 'Cannot find section "[FTP9]"',
    );
  });
  await t.step("duplicated section", () => {
    assert.throws(
      () => parseIni("[FTP1]\n[FTP1]\n").withValue("FTP1", "Password", "x"),
      (e) =>
        e instanceof IniEditError &&
        e.message === 'Cannot edit section "[FTP1]": it is defined more than once (lines 1, 2)',
    );
  });
  const bad: [string, string, string][] = [
    ["line break", "a\nb", 'Cannot set "Password": the value contains a line break'],
    [
      "inline comment",
      "a ;b",
      'Cannot set "Password": the value would not read back as written (leading or trailing spaces, or " ;")',
    ],
    [
      "leading space",
      " a",
      'Cannot set "Password": the value would not read back as written (leading or trailing spaces, or " ;")',
    ],
  ];
  for (const [name, value, message] of bad) {
    await t.step(name, () => {
      assert.throws(() => parseIni("[S]\nPassword = x\n").withValue("S", "Password", value), {
        name: "IniEditError",
        message,
      });
    });
  }
});
