import assert from "node:assert/strict";
import {
  decryptPassword,
  encryptPassword,
  loadSecretKey,
  PasswordDecryptError,
  secretKeyFromBytes,
  secretKeyPath,
} from "./password_cipher.ts";

const KEY_A = await secretKeyFromBytes(new Uint8Array(32).fill(1), "/etc/ftp-clone/secret.key");
const KEY_B = await secretKeyFromBytes(new Uint8Array(32).fill(2), "/etc/ftp-clone/secret.key");
const FTP1 = { section: "FTP1" };

async function rejects(promise: Promise<unknown>, reason: string, message: string): Promise<void> {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof PasswordDecryptError);
    assert.equal(e.reason, reason);
    assert.equal(e.message, message);
    return true;
  });
}

Deno.test("encryptPassword() and decryptPassword() round-trip", async (t) => {
  for (const plain of ["secret", "", "pässwörd ; with = odd: chars", "x".repeat(1000)]) {
    await t.step(JSON.stringify(plain.slice(0, 20)), async () => {
      const value = await encryptPassword(plain, KEY_A, FTP1);
      assert.match(value, /^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
      if (plain !== "") assert.ok(!value.includes(plain));
      assert.equal(await decryptPassword(value, KEY_A, FTP1), plain);
    });
  }
});

Deno.test("encryptPassword() uses a fresh IV each time", async () => {
  const a = await encryptPassword("same", KEY_A, FTP1);
  const b = await encryptPassword("same", KEY_A, FTP1);
  assert.notEqual(a, b);
});

Deno.test("decryptPassword() matches section names case-insensitively", async () => {
  const value = await encryptPassword("pw", KEY_A, { section: "ftp1" });
  assert.equal(await decryptPassword(value, KEY_A, FTP1), "pw");
});

const WRONG =
  'Cannot decrypt Password with key file "/etc/ftp-clone/secret.key": the key differs from the one it was written with, the value was altered, or it was written for another section';

Deno.test("decryptPassword() refuses a wrong key", async () => {
  const value = await encryptPassword("pw", KEY_A, FTP1);
  await rejects(decryptPassword(value, KEY_B, FTP1), "wrong-key", WRONG);
});

Deno.test("decryptPassword() refuses a value moved to another section", async () => {
  const value = await encryptPassword("pw", KEY_A, FTP1);
  await rejects(decryptPassword(value, KEY_A, { section: "FTP2" }), "wrong-key", WRONG);
});

Deno.test("decryptPassword() refuses a tampered ciphertext", async (t) => {
  const value = await encryptPassword("password", KEY_A, FTP1);
  const [v, iv, sealed] = value.split(":") as [string, string, string];
  function flip(s: string, i: number): string {
    return s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
  }
  const cases: [string, string][] = [
    ["ciphertext byte", `${v}:${iv}:${flip(sealed, 0)}`],
    ["tag byte", `${v}:${iv}:${flip(sealed, sealed.length - 2)}`],
    ["iv byte", `${v}:${flip(iv, 3)}:${sealed}`],
  ];
  for (const [name, tampered] of cases) {
    await t.step(name, () => rejects(decryptPassword(tampered, KEY_A, FTP1), "wrong-key", WRONG));
  }
  await t.step("truncated", () =>
    rejects(
      decryptPassword(`${v}:${iv}:${sealed.slice(0, 10)}`, KEY_A, FTP1),
      "malformed",
      'Cannot decrypt Password: expected "v1:<iv>:<ciphertext>"',
    ));
});

Deno.test("decryptPassword() names what it cannot read", async (t) => {
  const malformed = 'Cannot decrypt Password: expected "v1:<iv>:<ciphertext>"';
  const cases: [string, string, string][] = [
    ["hunter2", "plain-text", "Password is not encrypted"],
    ["ftp://x", "plain-text", "Password is not encrypted"],
    [
      "v2:abc:def",
      "unknown-version",
      'Cannot decrypt Password: unknown encoding "v2" (this version reads "v1")',
    ],
    ["v1:", "malformed", malformed],
    ["v1:a:b:c", "malformed", malformed],
    ["v1:!!!!:????", "malformed", malformed],
  ];
  for (const [value, reason, message] of cases) {
    await t.step(value, () => rejects(decryptPassword(value, KEY_A, FTP1), reason, message));
  }
});

Deno.test("loadSecretKey() creates secret.key once, mode 0600, and never replaces it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = `${dir}/parametre.ini`;
    assert.equal(secretKeyPath(config), `${dir}/secret.key`);
    assert.equal(await loadSecretKey(config, { create: false }), undefined);
    const created = await loadSecretKey(config, { create: true });
    assert.ok(created);
    assert.equal(created.path, `${dir}/secret.key`);
    const text = await Deno.readTextFile(`${dir}/secret.key`);
    assert.match(text, /^[0-9a-f]{64}\n$/);
    assert.equal((await Deno.stat(`${dir}/secret.key`)).mode! & 0o777, 0o600);
    const value = await encryptPassword("pw", created, FTP1);
    const again = await loadSecretKey(config, { create: true });
    assert.ok(again);
    assert.equal(await Deno.readTextFile(`${dir}/secret.key`), text);
    assert.equal(await decryptPassword(value, again, FTP1), "pw");
    // Only the key file is left behind: no temporary files.
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["secret.key"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadSecretKey() gives every concurrent creator the same key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const keys = await Promise.all(
      Array.from({ length: 8 }, () => loadSecretKey(`${dir}/parametre.ini`, { create: true })),
    );
    const value = await encryptPassword("pw", keys[0]!, FTP1);
    for (const key of keys) assert.equal(await decryptPassword(value, key!, FTP1), "pw");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["secret.key"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadSecretKey() refuses a malformed key file and leaves it alone", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/secret.key`, "not a key\n");
    await assert.rejects(loadSecretKey(`${dir}/parametre.ini`, { create: true }), {
      name: "SecretKeyError",
      message:
        `Cannot use key file "${dir}/secret.key": expected 64 hexadecimal digits (a 256-bit key)`,
    });
    assert.equal(await Deno.readTextFile(`${dir}/secret.key`), "not a key\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
