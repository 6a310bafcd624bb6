/**
 * What the FTP-layer integration tests share: connect options for a test server, pseudo-random
 * bytes, and transfers from and to memory.
 * @module
 */
import { createHash } from "node:crypto";
import type { ConnectOptions, RemoteFs } from "../../sync/ftp/mod.ts";
import type { TestServer, TlsMode } from "../support/ftp_servers.ts";

const TYPE_OF_MODE: Record<TlsMode, ConnectOptions["type"]> = {
  plain: "ftp",
  explicit: "ftpes",
  implicit: "ftps",
};

/** Connect options for a test server (pinned to its self-signed certificate). */
export function optionsFor(srv: TestServer, extra: Partial<ConnectOptions> = {}): ConnectOptions {
  return {
    host: srv.host,
    port: srv.port,
    type: TYPE_OF_MODE[srv.mode],
    user: srv.user,
    password: srv.password,
    tlsVerify: true,
    tlsFingerprint: srv.certFingerprint,
    timeoutMs: 15_000,
    ...extra,
  };
}

/** Deterministic pseudo-random bytes (xorshift32), fast enough for 50 MiB. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = seed || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, length);
}

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Download a remote file into memory (through a temporary file). */
export async function fetchBytes(remote: RemoteFs, path: string): Promise<Uint8Array> {
  const local = await Deno.makeTempFile({ prefix: "ftp-clone-fetch-" });
  try {
    await remote.downloadToFile(path, local);
    return await Deno.readFile(local);
  } finally {
    await Deno.remove(local);
  }
}

/** Upload bytes from memory (through a temporary file). */
export async function putBytes(remote: RemoteFs, path: string, data: Uint8Array): Promise<void> {
  const local = await Deno.makeTempFile({ prefix: "ftp-clone-put-" });
  try {
    await Deno.writeFile(local, data);
    await remote.uploadFromFile(local, path);
  } finally {
    await Deno.remove(local);
  }
}

/**
 * Runs `fn` once the first bytes of a download reached `localPath` (polled every ms), so that a
 * test can cut a transfer short in its middle.
 */
export function onFirstBytes(localPath: string, fn: () => void): () => void {
  const timer = setInterval(() => {
    let size = 0;
    try {
      size = Deno.statSync(localPath).size;
    } catch {
      return;
    }
    if (size > 0) {
      clearInterval(timer);
      fn();
    }
  }, 1);
  return () => clearInterval(timer);
}
