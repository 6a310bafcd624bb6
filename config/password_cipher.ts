/**
 * Password encryption: AES-256-GCM (Web Crypto) under a random 256-bit key kept in `secret.key`
 * beside the config file.
 *
 * - Key file: 64 lower-case hex digits and a newline, mode 0600, created once (atomically, by
 *   writing a temporary file and hard-linking it into place, which fails if the file exists), never
 *   overwritten.
 * - Stored value: `v1:<base64url(12-byte IV)>:<base64url(ciphertext + 16-byte tag)>`, unpadded.
 * - The section name (upper-cased, since section names are case-insensitive) is bound to the
 *   ciphertext as additional authenticated data: a Password line copied or moved to another
 *   section does not decrypt, so an edited ini file cannot make ftp-clone send one server's
 *   password to another section's server. Renaming a section means running
 *   `ftp-clone password SECTION` again.
 * @module
 */
import { dirname, join, resolve } from "node:path";

/** The key file's name, beside parametre.ini. */
export const SECRET_KEY_FILE = "secret.key";

/** The prefix of the current encoding. */
const VERSION = "v1";
/** AES-GCM IV length in bytes (96 bits, the size GCM is designed for). */
const IV_BYTES = 12;
/** AES-GCM tag length in bytes (128 bits). */
const TAG_BYTES = 16;
/** Key length in bytes (AES-256). */
const KEY_BYTES = 32;
const KEY_HEX_REGEXP = /^[0-9a-fA-F]{64}$/;
const BASE64URL_REGEXP = /^[A-Za-z0-9_-]+$/;

/** The key file and the imported AES-GCM key. */
export interface SecretKey {
  /** Absolute path of the key file. */
  path: string;
  /** The AES-256-GCM key (not extractable). */
  cryptoKey: CryptoKey;
}

/** Options for `encryptPassword` and `decryptPassword`. */
export interface CipherOptions {
  /** The section the Password belongs to (e.g. `FTP1`): bound to the ciphertext. */
  section: string;
}

/** Why a stored value could not be decrypted. */
export type PasswordDecryptReason = "plain-text" | "unknown-version" | "malformed" | "wrong-key";

/** A stored Password that cannot be decrypted; `reason` says why. */
export class PasswordDecryptError extends Error {
  /** Why. */
  readonly reason: PasswordDecryptReason;
  /** Creates the error. */
  constructor(reason: PasswordDecryptReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PasswordDecryptError";
    this.reason = reason;
  }
}

/** The key file exists but cannot be used (unreadable, or not 64 hex digits). */
export class SecretKeyError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SecretKeyError";
  }
}

/** The absolute path of `secret.key` beside the config file. */
export function secretKeyPath(configPath: string): string {
  return join(dirname(resolve(configPath)), SECRET_KEY_FILE);
}

/**
 * Reads `secret.key` beside the config file. When it is missing: returns undefined, or with
 * `create` writes a new random key (mode 0600) first; an existing key is never replaced.
 * @throws {SecretKeyError} when the file exists but cannot be read or is not 64 hex digits
 */
export async function loadSecretKey(
  configPath: string,
  options: { create: boolean },
): Promise<SecretKey | undefined> {
  const path = secretKeyPath(configPath);
  let text = await readKeyFile(path);
  if (text === undefined) {
    if (!options.create) return undefined;
    await createKeyFile(path);
    text = await readKeyFile(path);
    if (text === undefined) throw new SecretKeyError(`Cannot create key file "${path}"`);
  }
  const hex = text.trim();
  if (!KEY_HEX_REGEXP.test(hex)) {
    throw new SecretKeyError(
      `Cannot use key file "${path}": expected 64 hexadecimal digits (a 256-bit key)`,
    );
  }
  return { path, cryptoKey: await importKey(hexToBytes(hex)) };
}

/** Imports 32 raw bytes as a SecretKey (for tests and tools); `path` is only for messages. */
export async function secretKeyFromBytes(bytes: Uint8Array, path: string): Promise<SecretKey> {
  if (bytes.length !== KEY_BYTES) {
    throw new RangeError(`Cannot import key: expected ${KEY_BYTES} bytes, got ${bytes.length}`);
  }
  return { path, cryptoKey: await importKey(bytes) };
}

/** Encrypts a password to `v1:<iv>:<ciphertext>`, bound to its section name. */
export async function encryptPassword(
  plain: string,
  key: SecretKey,
  options: CipherOptions,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: aad(options.section), tagLength: TAG_BYTES * 8 },
    key.cryptoKey,
    new TextEncoder().encode(plain),
  );
  return `${VERSION}:${toBase64Url(iv)}:${toBase64Url(new Uint8Array(sealed))}`;
}

/**
 * Decrypts a `v1:` value written by `encryptPassword` for the same section.
 * @throws {PasswordDecryptError} with the reason: plain text, unknown version, malformed, or
 * wrong key / altered value / another section
 */
export async function decryptPassword(
  value: string,
  key: SecretKey,
  options: CipherOptions,
): Promise<string> {
  const parts = value.split(":");
  if (parts[0] !== VERSION) {
    if (parts.length > 1 && /^v\d+$/.test(parts[0] ?? "")) {
      throw new PasswordDecryptError(
        "unknown-version",
        `Cannot decrypt Password: unknown encoding "${parts[0]}" (this version reads "${VERSION}")`,
      );
    }
    throw new PasswordDecryptError("plain-text", "Password is not encrypted");
  }
  const iv = parts.length === 3 ? fromBase64Url(parts[1] ?? "") : undefined;
  const sealed = parts.length === 3 ? fromBase64Url(parts[2] ?? "") : undefined;
  if (iv?.length !== IV_BYTES || sealed === undefined || sealed.length < TAG_BYTES) {
    throw new PasswordDecryptError(
      "malformed",
      `Cannot decrypt Password: expected "${VERSION}:<iv>:<ciphertext>"`,
    );
  }
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: aad(options.section), tagLength: TAG_BYTES * 8 },
      key.cryptoKey,
      sealed,
    );
  } catch (cause) {
    throw new PasswordDecryptError(
      "wrong-key",
      `Cannot decrypt Password with key file "${key.path}": the key differs from the one it was written with, the value was altered, or it was written for another section`,
      { cause },
    );
  }
  return new TextDecoder().decode(plain);
}

function aad(section: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`ftp-clone Password [${section.toUpperCase()}]`);
}

function importKey(bytes: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", new Uint8Array(bytes), "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
}

async function readKeyFile(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    const why = e instanceof Error ? e.message : String(e);
    throw new SecretKeyError(`Cannot read key file "${path}": ${why}`, { cause: e });
  }
}

/** Writes a new key to a temporary file, then hard-links it into place: never half-written, never replacing. */
async function createKeyFile(path: string): Promise<void> {
  const key = crypto.getRandomValues(new Uint8Array(KEY_BYTES));
  const tmp = `${path}.${Deno.pid}.${toBase64Url(crypto.getRandomValues(new Uint8Array(6)))}.tmp`;
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
    try {
      await file.write(new TextEncoder().encode(bytesToHex(key) + "\n"));
      await file.sync();
    } finally {
      file.close();
    }
    try {
      await Deno.link(tmp, path);
    } catch (e) {
      // Someone else created it first: theirs wins, ours is dropped.
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new SecretKeyError(`Cannot create key file "${path}": ${why}`, { cause: e });
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!BASE64URL_REGEXP.test(text) || text.length % 4 === 1) return undefined;
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
