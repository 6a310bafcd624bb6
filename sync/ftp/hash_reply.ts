/**
 * The replies of the hash commands, read into lower-case hex:
 * - `HASH` (draft-bryan-ftpext-hash-02): `213 SHA-256 0-49 169cd2...dd a b.txt` (algorithm,
 *   byte range, hash, name); proftpd's mod_digest sends `213-Computing SHA-1 digest` first;
 * - `XSHA256`, `XSHA1`, `XMD5`, `XCRC`: `250 2CF24DBA...` (proftpd's mod_digest), `213 <hex>` or
 *   `250 <hex> <name>` elsewhere.
 * @module
 */
import type { HashAlgorithm } from "./remote_fs.ts";

/** Hex digits of each algorithm's value. */
export const HEX_LENGTH: Record<HashAlgorithm, number> = {
  "SHA-256": 64,
  "SHA-1": 40,
  "MD5": 32,
  "CRC32": 8,
};

/** The final line of a (possibly multi-line) reply. */
function finalLine(reply: string): string {
  const lines = reply.split(/\r?\n/).filter((l) => l.trim() !== "");
  return lines[lines.length - 1] ?? "";
}

/** A hex value of the algorithm's length (CRC32: up to 8 digits, zero-padded), or undefined. */
function hexOf(token: string | undefined, algorithm: HashAlgorithm): string | undefined {
  if (token === undefined || !/^[0-9a-fA-F]+$/.test(token)) return undefined;
  const want = HEX_LENGTH[algorithm];
  if (algorithm === "CRC32" && token.length <= want) return token.toLowerCase().padStart(want, "0");
  return token.length === want ? token.toLowerCase() : undefined;
}

/**
 * The hash in a `HASH` reply, or undefined when the reply is not one for `algorithm` over the
 * whole file (a range other than `0-<size>` would be a partial hash).
 */
export function parseHashReply(reply: string, algorithm: HashAlgorithm): string | undefined {
  const m = /^2\d\d\s+(\S+)\s+(\d+)-(\d+)\s+(\S+)/.exec(finalLine(reply));
  if (m === null || m[1]!.toUpperCase() !== algorithm || m[2] !== "0") return undefined;
  return hexOf(m[4], algorithm);
}

/** The hash in an X-command reply (`250 <hex>`, `213 <hex>`, `250 <hex> <name>`), or undefined. */
export function parseXHashReply(reply: string, algorithm: HashAlgorithm): string | undefined {
  const m = /^2\d\d\s+(\S+)/.exec(finalLine(reply));
  return hexOf(m?.[1], algorithm);
}
