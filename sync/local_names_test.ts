import assert from "node:assert/strict";
import { localNamesOf, PLAIN_NAMES, probeLocalNames } from "./local_names.ts";
import { mountExfat } from "../tests/support/local_fs_mounts.ts";
import { ignoreUnlessServer } from "../tests/support/ftp_server_availability.ts";

Deno.test("localNamesOf().fold maps names that one file system takes as one file alike", () => {
  const exfat = localNamesOf(true, "none");
  assert.equal(exfat.fold("Photo.JPG"), exfat.fold("photo.jpg"));
  assert.notEqual(exfat.fold("e\u0301"), exfat.fold("\u00e9"));
  // One code point each: "ß" is not "SS" on a file system.
  assert.notEqual(exfat.fold("straße"), exfat.fold("STRASSE"));
  const apfs = localNamesOf(false, "insensitive");
  assert.equal(apfs.fold("e\u0301"), apfs.fold("\u00e9"));
  assert.notEqual(apfs.fold("A"), apfs.fold("a"));
  assert.notEqual(PLAIN_NAMES.fold("A"), PLAIN_NAMES.fold("a"));
});

Deno.test("probeLocalNames() on the test machine's own file system (case-sensitive, no normalisation)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const names = probeLocalNames(dir, { write: true });
    assert.equal(names.caseInsensitive, false);
    assert.equal(names.normalization, "none");
    // The probe leaves nothing behind.
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("probeLocalNames() in a dry run writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(probeLocalNames(dir, { write: false }), PLAIN_NAMES);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "probeLocalNames() on exFAT (FUSE, loop device): case-insensitive",
  ignore: ignoreUnlessServer("exfat"),
  fn: async () => {
    await using fs = await mountExfat();
    const names = probeLocalNames(fs.path, { write: true });
    assert.equal(names.caseInsensitive, true);
    assert.equal(names.fold("A.txt"), names.fold("a.txt"));
    assert.deepEqual([...Deno.readDirSync(fs.path)], []);
  },
});
