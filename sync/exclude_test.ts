import assert from "node:assert/strict";
import {
  compileExclude,
  downloadTempName,
  isTemporaryName,
  TEMP_NAME_PREFIX,
  uploadTempName,
} from "./exclude.ts";

type Kind = "file" | "dir";

Deno.test("compileExclude() follows gitignore", async (t) => {
  const rows: Array<[string[], string, Kind, boolean]> = [
    // A name anywhere.
    [["*.tmp"], "a.tmp", "file", true],
    [["*.tmp"], "x/y/a.tmp", "file", true],
    [["*.tmp"], "a.tmp.txt", "file", false],
    [["*.tmp"], "a.tmp", "dir", true],
    [["node_modules"], "a/node_modules", "dir", true],
    [["node_modules"], "a/node_modules/x/y.js", "file", true],
    // `*` does not cross "/", `**` does.
    [["a/*.txt"], "a/b.txt", "file", true],
    [["a/*.txt"], "a/x/b.txt", "file", false],
    [["a/**/*.txt"], "a/x/y/b.txt", "file", true],
    [["a/**/*.txt"], "a/b.txt", "file", true],
    [["**/cache"], "cache", "dir", true],
    [["**/cache"], "x/y/cache", "dir", true],
    [["logs/**"], "logs/a/b.log", "file", true],
    [["logs/**"], "logs", "dir", false],
    [["x/a**b"], "x/a/y/b", "file", true],
    [["a**b"], "a/x/b", "file", false], // no "/": matched against the name only
    // `?` and classes.
    [["?.txt"], "a.txt", "file", true],
    [["?.txt"], "ab.txt", "file", false],
    [["?.txt"], "é.txt", "file", true],
    [["[abc].txt"], "b.txt", "file", true],
    [["[abc].txt"], "d.txt", "file", false],
    [["[!abc].txt"], "d.txt", "file", true],
    [["[a-c]x"], "bx", "file", true],
    [["a[/]b"], "a/b", "file", false],
    [["[unclosed"], "[unclosed", "file", true],
    // Anchoring: a "/" other than a trailing one.
    [["/build"], "build", "dir", true],
    [["/build"], "src/build", "dir", false],
    [["doc/frotz"], "doc/frotz", "file", true],
    [["doc/frotz"], "a/doc/frotz", "file", false],
    [["build"], "src/build", "dir", true],
    // Trailing "/": directories only, and their content.
    [["tmp/"], "tmp", "dir", true],
    [["tmp/"], "tmp", "file", false],
    [["tmp/"], "x/tmp/y.txt", "file", true],
    // Ancestors.
    [["secret"], "secret/a/b/c.txt", "file", true],
    [["/a/b"], "a/b/c", "file", true],
    // Negation: last match wins; an excluded directory's content cannot be re-included.
    [["*.log", "!keep.log"], "keep.log", "file", false],
    [["*.log", "!keep.log"], "drop.log", "file", true],
    [["!keep.log", "*.log"], "keep.log", "file", true],
    [["logs/", "!logs/keep.log"], "logs/keep.log", "file", true],
    // Escapes, comments, blanks, special characters.
    [["\\#notes"], "#notes", "file", true],
    [["#notes"], "#notes", "file", false],
    [["", "   "], "a", "file", false],
    [["\\!important"], "!important", "file", true],
    [["a\\*b"], "a*b", "file", true],
    [["a\\*b"], "axb", "file", false],
    [["(x)+.txt"], "(x)+.txt", "file", true],
    [["$^.txt"], "$^.txt", "file", true],
    [["日本語"], "a/日本語", "dir", true],
    [[], "anything", "file", false],
  ];
  for (const [patterns, path, kind, expected] of rows) {
    await t.step(`${JSON.stringify(patterns)} ${path} (${kind}) -> ${expected}`, () => {
      assert.equal(compileExclude(patterns)(path, kind), expected);
    });
  }
});

Deno.test("compileExclude() answers again from its cache", () => {
  const isExcluded = compileExclude(["/a"]);
  assert.equal(isExcluded("a/x", "file"), true);
  assert.equal(isExcluded("a/y", "file"), true);
  assert.equal(isExcluded("b/a", "file"), false);
});

Deno.test("temporary names share one prefix and stay under NAME_MAX", async (t) => {
  await t.step("upload", () => {
    const name = uploadTempName("report.txt", { token: "0123456789ab" });
    assert.equal(name, ".ftp-clone.up.0123456789ab.report.txt.part");
    assert.ok(isTemporaryName(name));
  });
  await t.step("download", () => {
    const name = downloadTempName("report.txt", { token: "0123456789ab" });
    assert.equal(name, ".ftp-clone.down.0123456789ab.report.txt.part");
    assert.ok(isTemporaryName(name));
  });
  await t.step("random token", () => {
    const a = uploadTempName("x");
    const b = uploadTempName("x");
    assert.notEqual(a, b);
    assert.match(a, /^\.ftp-clone\.up\.[0-9a-f]{12}\.x\.part$/);
  });
  await t.step("long names are cut without splitting a character", () => {
    const name = downloadTempName("日".repeat(200));
    assert.ok(new TextEncoder().encode(name).length <= 255);
    assert.ok(!name.includes("\ufffd"));
    assert.ok(name.startsWith(TEMP_NAME_PREFIX));
  });
  await t.step("the trash directory at the top of Local_dir is hidden too", () => {
    assert.ok(isTemporaryName(".ftp-clone-trash"));
    assert.equal(isTemporaryName(".ftp-clone-trash2"), false);
  });
  await t.step("ordinary names are not temporary", () => {
    for (
      const name of [
        ".ftp-clone",
        "ftp-clone.x",
        ".bashrc",
        "a.part",
        // A user's own files that merely start like ours (regression: they were deleted).
        ".ftp-clone.notes",
        ".ftp-clone.up.txt",
        ".ftp-clone.up.0123456789ab.x",
        ".ftp-clone.down.nothexnothex.x.part",
      ]
    ) {
      assert.equal(isTemporaryName(name), false, name);
    }
  });
});
