import assert from "node:assert/strict";
import { parseHashReply, parseXHashReply } from "./hash_reply.ts";

const SHA1 = "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d";

Deno.test("hash replies", async (t) => {
  const rows: [string, string | undefined][] = [
    [`213-Computing SHA-1 digest\n213 SHA-1 0-5 ${SHA1} old.txt`, SHA1],
    [`213 SHA-1 0-5 ${SHA1.toUpperCase()} a b.txt`, SHA1],
    [`213 SHA-256 0-5 ${SHA1} old.txt`, undefined],
    [`213 SHA-1 2-5 ${SHA1} old.txt`, undefined],
    [`213 SHA-1 0-5 ${SHA1.slice(2)} old.txt`, undefined],
  ];
  for (const [reply, expected] of rows) {
    await t.step(`HASH: ${reply.split("\n").at(-1)}`, () => {
      assert.equal(parseHashReply(reply, "SHA-1"), expected);
    });
  }
  await t.step("X-commands: upper-case hex, a name after it, CRC32 padded", () => {
    assert.equal(
      parseXHashReply("250-Computing MD5 digest\n250 5D41402ABC4B2A76B9719D911017C592", "MD5"),
      "5d41402abc4b2a76b9719d911017c592",
    );
    assert.equal(parseXHashReply(`213 ${SHA1} /a.txt`, "SHA-1"), SHA1);
    assert.equal(parseXHashReply("250 3610A686", "CRC32"), "3610a686");
    assert.equal(parseXHashReply("250 610A686", "CRC32"), "0610a686");
    assert.equal(parseXHashReply("250 not-hex", "MD5"), undefined);
  });
});
