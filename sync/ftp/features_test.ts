import assert from "node:assert/strict";
import { noFeatures, parseFeatures } from "./features.ts";

const feat = (...lines: string[]) =>
  ["211-Features:", ...lines.map((l) => ` ${l}`), "211 End"].join("\n");

Deno.test("parseFeatures reads what each server offers", async (t) => {
  await t.step("vsftpd: no MLSD, no MFMT, no hashes", () => {
    const f = parseFeatures(feat("EPSV", "MDTM", "PASV", "REST STREAM", "SIZE", "TVFS"));
    assert.deepEqual(
      [f.mlst, f.mfmt, f.size, f.mdtm, f.rest, f.utf8, f.epsv, f.hashes.size],
      [false, false, true, true, true, false, true, 0],
    );
    assert.equal(f.summary, "SIZE, MDTM, REST STREAM, EPSV; not: MLSD, MFMT, hashes");
  });
  await t.step("pure-ftpd: MLST facts, MFMT, UTF8", () => {
    const f = parseFeatures(
      feat(
        "UTF8",
        "EPRT",
        "MDTM",
        "SIZE",
        "MFMT",
        "REST STREAM",
        "MLST type*;size*;sizd*;modify*;UNIX.mode*;unique*;",
        "MLSD",
        "EPSV",
      ),
    );
    assert.deepEqual([f.mlst, f.mfmt, f.utf8], [true, true, true]);
    assert.deepEqual(f.mlstFacts, ["type", "size", "sizd", "modify", "unix.mode", "unique"]);
  });
  await t.step("proftpd mod_digest: HASH preferred (a path with spaces), best first", () => {
    const f = parseFeatures(
      feat(
        "HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512;",
        "MDTM",
        "XCRC",
        "XMD5",
        "XSHA",
        "XSHA1",
        "XSHA256",
        "XSHA512",
      ),
    );
    assert.deepEqual([...f.hashes.keys()], ["SHA-256", "SHA-1", "MD5", "CRC32"]);
    assert.deepEqual(f.hashes.get("SHA-256"), { kind: "HASH" });
    assert.equal(f.hashSelected, "SHA-1");
  });
  await t.step("X-commands where HASH lacks the algorithm", () => {
    const f = parseFeatures(feat("HASH SHA-1*", "XSHA256", "XCRC"));
    assert.deepEqual([...f.hashes.entries()], [
      ["SHA-256", { kind: "X", verb: "XSHA256" }],
      ["SHA-1", { kind: "HASH" }],
      ["CRC32", { kind: "X", verb: "XCRC" }],
    ]);
  });
  await t.step("HASH only (the draft): best first, the selected one marked", () => {
    const f = parseFeatures(feat("HASH SHA-256*;SHA-1;MD5", "SIZE"));
    assert.deepEqual([...f.hashes.entries()], [
      ["SHA-256", { kind: "HASH" }],
      ["SHA-1", { kind: "HASH" }],
      ["MD5", { kind: "HASH" }],
    ]);
    assert.equal(f.hashSelected, "SHA-256");
    assert.equal(f.mdtm, false, "FEAT answered without MDTM: not offered");
  });
  await t.step("no FEAT: SIZE, MDTM and REST are unknown (tried)", () => {
    const f = noFeatures();
    assert.deepEqual([f.answered, f.size, f.mdtm, f.rest, f.mlst], [
      false,
      undefined,
      undefined,
      undefined,
      false,
    ]);
  });
});
