import assert from "node:assert/strict";
import type { PeerCertificate } from "node:tls";
import { FtpError } from "./errors.ts";
import {
  certificateFingerprint,
  checkCertificate,
  normalizeFingerprint,
  tlsConnectOptions,
  verificationFailureMessage,
} from "./tls_options.ts";

const HEX = "78459b04e225f86b7efe47c9b9383ca9cc5187d944d5eaf7a4a7daf7e240a712";
const COLONS = HEX.toUpperCase().match(/../g)!.join(":");

Deno.test("normalizeFingerprint accepts hex with or without colons, any case", async (t) => {
  const cases: [string, string | undefined][] = [
    [HEX, HEX],
    [COLONS, HEX],
    [` ${HEX.toUpperCase()} `, HEX],
    [HEX.slice(1), undefined],
    [HEX.replace(/^./, "g"), undefined],
    ["", undefined],
  ];
  for (const [text, expected] of cases) {
    await t.step(
      text.slice(0, 12) || "(empty)",
      () => assert.equal(normalizeFingerprint(text), expected),
    );
  }
});

Deno.test("tlsConnectOptions: verification, TLS 1.2 cap, a server name per connection", () => {
  const a = tlsConnectOptions("ftp.example.com", { verify: true });
  const b = tlsConnectOptions("ftp.example.com", { verify: true });
  assert.equal(a.rejectUnauthorized, true);
  assert.equal(a.maxVersion, "TLSv1.2");
  assert.equal(a.host, "ftp.example.com");
  assert.equal("ca" in a, false);
  assert.notEqual(a.servername, b.servername);
  assert.equal(tlsConnectOptions("h", { verify: false }).rejectUnauthorized, false);
  // A pin replaces chain verification (checked after the handshake instead).
  assert.equal(
    tlsConnectOptions("h", { verify: true, fingerprint: HEX }).rejectUnauthorized,
    false,
  );
});

Deno.test("checkCertificate accepts exactly the pinned certificate", () => {
  const cert = { fingerprint256: COLONS } as PeerCertificate;
  assert.equal(certificateFingerprint(cert), HEX);
  checkCertificate(cert, { server: "h:21", policy: { verify: false, fingerprint: HEX } });
  checkCertificate(cert, { server: "h:21", policy: { verify: true } });
  const wrong = HEX.replace(/^./, "0");
  assert.throws(
    () => checkCertificate(cert, { server: "h:21", policy: { verify: false, fingerprint: wrong } }),
    (e: unknown) =>
      e instanceof FtpError && e.code === "CERT_FINGERPRINT_MISMATCH" && !e.transient &&
      e.message.includes(HEX),
  );
  assert.throws(
    () =>
      checkCertificate(undefined, { server: "h:21", policy: { verify: true, fingerprint: HEX } }),
    FtpError,
  );
});

Deno.test("verificationFailureMessage shows the fingerprint to pin", () => {
  assert.equal(
    verificationFailureMessage("h:21", "self-signed certificate", HEX),
    `TLS certificate of h:21 failed verification (self-signed certificate); its SHA-256 ` +
      `fingerprint is "${HEX}": if you trust it, set TlsFingerprint = ${HEX}`,
  );
});
