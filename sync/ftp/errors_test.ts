import assert from "node:assert/strict";
import { FTPError } from "basic-ftp";
import { FtpError, meaningOfReply, replyOf, toFtpError } from "./errors.ts";

function systemError(message: string, code?: string): Error {
  const err = new Error(message);
  if (code !== undefined) Object.assign(err, { code });
  return err;
}

Deno.test("toFtpError classifies transient and permanent failures", async (t) => {
  const cases: [string, unknown, number | string | undefined, boolean][] = [
    ["550 permanent", new FTPError({ code: 550, message: "550 Failed to open file." }), 550, false],
    ["530 login", new FTPError({ code: 530, message: "530 Login incorrect." }), 530, false],
    ["421 transient", new FTPError({ code: 421, message: "421 Too many users" }), 421, true],
    ["425 transient", new FTPError({ code: 425, message: "425 Unable to build" }), 425, true],
    ["451 transient", new FTPError({ code: 451, message: "451 Local error" }), 451, true],
    ["ECONNRESET", systemError("read ECONNRESET (data socket)", "ECONNRESET"), "ECONNRESET", true],
    ["EPIPE", systemError("write EPIPE (data socket)", "EPIPE"), "EPIPE", true],
    [
      "ECONNREFUSED",
      systemError("connect ECONNREFUSED 127.0.0.1:2199", "ECONNREFUSED"),
      "ECONNREFUSED",
      true,
    ],
    ["ETIMEDOUT", systemError("connect ETIMEDOUT", "ETIMEDOUT"), "ETIMEDOUT", true],
    ["control timeout", systemError("Timeout (control socket)"), undefined, true],
    [
      "FIN",
      systemError("Server sent FIN packet unexpectedly, closing connection."),
      undefined,
      true,
    ],
    [
      "closed",
      systemError("Client is closed because Server sent FIN packet", "ECONNRESET"),
      "ECONNRESET",
      true,
    ],
    [
      "self-signed",
      systemError("self-signed certificate", "DEPTH_ZERO_SELF_SIGNED_CERT"),
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      false,
    ],
    ["rustls", systemError("invalid peer certificate: UnknownIssuer"), undefined, false],
    ["unknown", systemError("something odd"), undefined, false],
    [
      "local file changed",
      systemError('Local file "/a" changed while it was being uploaded to "/b": expected 5'),
      undefined,
      true,
    ],
    ["string", "a string", undefined, false],
  ];
  for (const [name, err, code, transient] of cases) {
    await t.step(name, () => {
      const e = toFtpError(err, "RETR /a b.txt");
      assert.ok(e instanceof FtpError);
      assert.equal(e.code, code);
      assert.equal(e.transient, transient);
      assert.equal(e.command, "RETR /a b.txt");
      assert.match(e.message, /^FTP command "RETR \/a b\.txt" failed: /);
      assert.doesNotMatch(e.message, /\.$/);
    });
  }
});

Deno.test("toFtpError keeps an FtpError and scrubs secrets", () => {
  const original = new FtpError("x", { transient: true });
  assert.equal(toFtpError(original, "NOOP"), original);
  const e = toFtpError(new Error("PASS hunter2 refused"), "login as bob", { secrets: ["hunter2"] });
  assert.doesNotMatch(e.message, /hunter2/);
  assert.match(e.message, /PASS \*\*\* refused/);
});

Deno.test("toFtpError names the attempted action when given", () => {
  const e = toFtpError(new FTPError({ code: 530, message: "530 Login incorrect." }), "login", {
    action: 'log in to 127.0.0.1:21 as "bob"',
  });
  assert.equal(
    e.message,
    'Cannot log in to 127.0.0.1:21 as "bob": server replied "530 Login incorrect"',
  );
});

Deno.test("meaningOfReply: one meaning per reply, 550 told apart by its text", () => {
  const rows: [number | string | undefined, string, string, boolean, string][] = [
    [550, "550 /a.txt: No such file or directory", "RETR /a.txt", false, "notFound"],
    [550, "550 Failed to open file.", "RETR /a.txt", false, "notFound"],
    [550, "550 /a.txt: Permission denied", "RETR /a.txt", false, "refused"],
    [450, "450 /a.txt: No such file or directory", "SIZE /a.txt", true, "notFound"],
    [550, "550 /d: File exists", "MKD /d", false, "exists"],
    [553, "553 Could not create file.", "STOR /a", false, "refused"],
    [552, "552 Quota exceeded", "STOR /a", false, "refused"],
    [500, "500 Unknown command.", "MFMT 2025 /a", false, "unsupported"],
    [501, "501 Bad parameter", "MDTM 20250101000000 /a", false, "unsupported"],
    [502, "502 Command not implemented.", "HASH /a", false, "unsupported"],
    [504, "504 Not supported", "OPTS UTF8 ON", false, "unsupported"],
    [
      421,
      "421 There are too many connections from your internet address.",
      "connect",
      true,
      "tooManyConnections",
    ],
    [421, "421 Timeout.", "RETR /a", true, "transient"],
    [
      530,
      "530 Sorry, the maximum number of clients (2) for this user are already connected.",
      "PASS ***",
      false,
      "tooManyConnections",
    ],
    [530, "530 Login incorrect.", "PASS ***", false, "refused"],
    [451, "451 Local error", "STOR /a", true, "transient"],
    [425, "425 Can't open data connection", "RETR /a", true, "transient"],
    [534, "534 Policy", "AUTH TLS", false, "permanent"],
    ["ECONNRESET", "reset", "RETR /a", true, "transient"],
    ["EFBIG", "too many bytes", "RETR /a", true, "tooLarge"],
    ["ABORT_ERR", "aborted", "RETR /a", false, "aborted"],
    [undefined, "certificate has expired", "TLS", false, "permanent"],
  ];
  for (const [code, message, command, transient, meaning] of rows) {
    assert.equal(meaningOfReply(code, message, command, transient), meaning, `${code} ${message}`);
  }
});

Deno.test("FtpError: answered is a refusal on a usable connection", () => {
  const answered = (code: number | string) =>
    new FtpError("x", { code, command: "APPE /a", transient: false }).answered;
  assert.equal(answered(451), true);
  assert.equal(answered(550), true);
  assert.equal(answered(504), true);
  assert.equal(answered(421), false);
  assert.equal(answered(425), false);
  assert.equal(answered(426), false);
  assert.equal(answered("ECONNRESET"), false);
});

Deno.test("replyOf: the server's reply of an error, else its message", () => {
  const e = toFtpError(
    new FTPError({ code: 550, message: "550 Rename not permitted." }),
    "RNFR /a",
  );
  assert.equal(replyOf(e), "550 Rename not permitted");
  assert.equal(replyOf(new Error("boom")), "boom");
});
