import assert from "node:assert/strict";
import { FTPError } from "basic-ftp";
import { FtpError, toFtpError } from "./errors.ts";

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
