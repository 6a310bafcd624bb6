import assert from "node:assert/strict";
import { type FtpReply, MAX_REPLY_BYTES, ReplyParser } from "./ftp_reply.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Every reply of `text`, pushed in chunks of `size` bytes (0: at once). */
function parse(text: string, size = 0): FtpReply[] {
  const replies: FtpReply[] = [];
  const parser = new ReplyParser((r) => replies.push(r));
  const all = bytes(text);
  const step = size === 0 ? all.length || 1 : size;
  for (let at = 0; at < all.length; at += step) parser.push(all.subarray(at, at + step));
  return replies;
}

const ROWS: [string, string, FtpReply[]][] = [
  ["one line", "220 Welcome\r\n", [{ code: 220, message: "220 Welcome" }]],
  ["LF only", "200 Ok\n", [{ code: 200, message: "200 Ok" }]],
  ["a code alone", "200\r\n", [{ code: 200, message: "200" }]],
  ["two replies in one chunk", "350 Ready\r\n250 Done\r\n", [
    { code: 350, message: "350 Ready" },
    { code: 250, message: "250 Done" },
  ]],
  ["multi-line (RFC 959)", "211-Features:\r\n MLST type*;size*;\r\n UTF8\r\n211 End\r\n", [
    { code: 211, message: "211-Features:\n MLST type*;size*;\n UTF8\n211 End" },
  ]],
  [
    "multi-line with inner lines that look like replies",
    "230-Hello\r\n230-more\r\n220 not the end\r\n2301 not either\r\n230 Logged in\r\n",
    [{
      code: 230,
      message: "230-Hello\n230-more\n220 not the end\n2301 not either\n230 Logged in",
    }],
  ],
  ["a preliminary then the final", "150 Opening\r\n226 Done\r\n", [
    { code: 150, message: "150 Opening" },
    { code: 226, message: "226 Done" },
  ]],
  ["UTF-8 names", '257 "/dé 日本語" created\r\n', [
    { code: 257, message: '257 "/dé 日本語" created' },
  ]],
];

Deno.test("ReplyParser: replies however the bytes are cut", async (t) => {
  for (const [what, text, expected] of ROWS) {
    await t.step(what, () => {
      for (const size of [0, 1, 2, 3, 5, 7]) {
        assert.deepEqual(parse(text, size), expected, `chunks of ${size}`);
      }
    });
  }
});

Deno.test("ReplyParser: what is not an FTP reply is a protocol error (EPROTO)", async (t) => {
  const rows: [string, string, RegExp][] = [
    ["an SSH server", "SSH-2.0-OpenSSH_9.2\r\n", /"SSH-2\.0-OpenSSH_9\.2" where an FTP reply/],
    ["an HTTP server", "HTTP/1.1 400 Bad Request\r\n", /"HTTP\/1\.1/],
    ["a code out of range", "999 what\r\n", /"999 what"/],
    ["a code without a separator", "2201 x\r\n", /"2201 x"/],
    ["a garbage line", "hello there\r\n", /"hello there"/],
  ];
  for (const [what, text, message] of rows) {
    await t.step(what, () => {
      assert.throws(
        () => parse(text),
        (e: Error & { code?: string }) => e.code === "EPROTO" && message.test(e.message),
      );
    });
  }
});

Deno.test("ReplyParser: a reply beyond MAX_REPLY_BYTES is refused before it is whole", () => {
  const parser = new ReplyParser(() => assert.fail("no reply expected"));
  parser.push(bytes("220-start\r\n"));
  const line = bytes(`${"x".repeat(64 * 1024 - 2)}\r\n`);
  assert.throws(() => {
    for (let sent = 0; sent <= MAX_REPLY_BYTES; sent += line.length) parser.push(line);
  }, (e: Error & { code?: string }) => e.code === "EPROTO" && /longer than/.test(e.message));
  // One endless line without a line break too.
  const endless = new ReplyParser(() => {});
  assert.throws(() => {
    for (let sent = 0; sent <= MAX_REPLY_BYTES; sent += 65_536) {
      endless.push(bytes("y".repeat(65_536)));
    }
  }, /longer than/);
});
