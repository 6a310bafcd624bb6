import assert from "node:assert/strict";
import { checkRelativePath, checkRemoteName, safeJoin } from "./names.ts";

Deno.test("checkRemoteName() refuses names that could escape or inject", async (t) => {
  const rows: Array<[string, RegExp | undefined]> = [
    ["a.txt", undefined],
    ["a b é 日本語.txt", undefined],
    ["-leading-dash", undefined],
    [".bashrc", undefined],
    ["back\\slash", undefined],
    ["x".repeat(255), undefined],
    ["é".repeat(127), undefined], // 254 bytes
    ["", /empty/],
    [".", /relative directory/],
    ["..", /relative directory/],
    ["a/b", /contains "\/"/],
    ["/abs", /contains "\/"/],
    ["../../etc/x", /contains "\/"/],
    ["a\nb", /control character/],
    ["a\rb", /control character/],
    ["a\tb", /control character/],
    ["a\u007fb", /control character/],
    ["a\0b", /NUL/],
    ["caf\ufffd", /not valid UTF-8/],
    ["x".repeat(256), /longer than 255 bytes/],
    ["é".repeat(128), /longer than 255 bytes/],
    // Three bytes per unit: 85 units are exactly 255 bytes, 86 are 258.
    ["€".repeat(85), undefined],
    ["€".repeat(86), /longer than 255 bytes/],
    // A surrogate pair: 4 bytes for 2 units; 64 of them are 256 bytes in 128 units.
    ["😀".repeat(64), /longer than 255 bytes/],
  ];
  for (const [name, expected] of rows) {
    await t.step(JSON.stringify(name).slice(0, 40), () => {
      const reason = checkRemoteName(name);
      if (expected === undefined) assert.equal(reason, undefined);
      else assert.match(reason ?? "", expected);
    });
  }
});

Deno.test("checkRelativePath() keeps paths inside the root", async (t) => {
  const rows: Array<[string, boolean]> = [
    ["a/b.txt", true],
    ["a", true],
    ["a/b/c/d", true],
    ["../../etc/x", false],
    ["a/../../x", false],
    ["a/./b", false],
    ["/abs", false],
    ["..", false],
    ["", false],
    ["a//b", false],
    ["a/", false],
    ["a/b\n", false],
    ["a/\0", false],
  ];
  for (const [path, ok] of rows) {
    await t.step(`${JSON.stringify(path)} -> ${ok}`, () => {
      assert.equal(checkRelativePath(path) === undefined, ok);
    });
  }
});

Deno.test("safeJoin() joins inside the root or throws", async (t) => {
  await t.step("joins", () => {
    assert.equal(safeJoin("/srv/data", "a/b.txt"), "/srv/data/a/b.txt");
    assert.equal(safeJoin("/", "a/b.txt"), "/a/b.txt");
    assert.equal(safeJoin("/srv/data/", "x"), "/srv/data/x");
  });
  for (const path of ["../../etc/x", "/abs", "..", "a/\n/b"]) {
    await t.step(`throws for ${JSON.stringify(path)}`, () => {
      assert.throws(() => safeJoin("/srv/data", path), TypeError);
    });
  }
});
