/**
 * Local halves of a content comparison: a file's hash as a server computes it, and whether two
 * local files hold the same bytes. Both read in 1 MiB chunks (a file's size never sets memory).
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import type { HashAlgorithm } from "./ftp/mod.ts";

const CHUNK_BYTES = 1024 * 1024;

/**
 * node:crypto's name of each server hash that may prove two files equal. CRC32 is left out on
 * purpose: two different files of one size share a CRC32 once in four billion, and a false
 * "equal" would later let one version overwrite the other; such a file is downloaded instead.
 */
const NODE_NAMES: Partial<Record<HashAlgorithm, string>> = {
  "SHA-256": "sha256",
  "SHA-1": "sha1",
  "MD5": "md5",
};

/** The first of a server's hashes (best first) that proves equality, or undefined. */
export function usableHash(offered: readonly HashAlgorithm[]): HashAlgorithm | undefined {
  return offered.find((algorithm) => NODE_NAMES[algorithm] !== undefined);
}

/** Calls `fn` with each chunk of a file, in order. */
async function eachChunk(path: string, fn: (chunk: Uint8Array) => void): Promise<void> {
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(CHUNK_BYTES);
  for (;;) {
    const n = await file.read(buffer);
    if (n === null) return;
    fn(buffer.subarray(0, n));
  }
}

/** A local file's hash (lower-case hex) with an algorithm `usableHash` returned. */
export async function hashLocalFile(path: string, algorithm: HashAlgorithm): Promise<string> {
  const name = NODE_NAMES[algorithm];
  if (name === undefined) throw new Error(`No local ${algorithm} to compare with the server's`);
  const hash = createHash(name);
  await eachChunk(path, (chunk) => hash.update(chunk));
  return hash.digest("hex");
}

/** Reads up to `buffer.length` bytes at the file's position; fewer only at its end. */
async function readFull(file: Deno.FsFile, buffer: Uint8Array): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const n = await file.read(buffer.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return filled;
}

/** Whether two local files hold exactly the same bytes. */
export async function sameBytes(a: string, b: string): Promise<boolean> {
  using fileA = await Deno.open(a, { read: true });
  using fileB = await Deno.open(b, { read: true });
  const bufferA = new Uint8Array(CHUNK_BYTES);
  const bufferB = new Uint8Array(CHUNK_BYTES);
  for (;;) {
    const [n, m] = await Promise.all([readFull(fileA, bufferA), readFull(fileB, bufferB)]);
    if (n !== m) return false;
    if (n === 0) return true;
    if (!Buffer.from(bufferA.buffer, 0, n).equals(Buffer.from(bufferB.buffer, 0, n))) return false;
  }
}
