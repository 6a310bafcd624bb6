/**
 * A self-signed test certificate (CN and SAN 127.0.0.1, SAN DNS:localhost), made once per process.
 * @module
 */
import { X509Certificate } from "node:crypto";

/** Paths and facts of the test certificate. */
export interface TestCertificate {
  /** Directory holding the files (root-owned; removed when the process unloads). */
  readonly dir: string;
  /** PEM certificate file. */
  readonly certPath: string;
  /** PEM private key file (mode 600). */
  readonly keyPath: string;
  /** Certificate followed by key in one file (mode 600). */
  readonly combinedPath: string;
  /** PEM text of the certificate. */
  readonly pem: string;
  /** SHA-256 of the DER certificate: 64 lower-case hex digits, no colons. */
  readonly fingerprint: string;
}

let cached: Promise<TestCertificate> | undefined;

/** SHA-256 fingerprint of a PEM certificate as 64 lower-case hex digits without colons. */
export function certFingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replaceAll(":", "").toLowerCase();
}

function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Remove cert dirs of processes that died without unloading (SIGKILL, crash). */
async function sweepStale(parent: string): Promise<void> {
  for await (const e of Deno.readDir(parent)) {
    if (!e.isDirectory || !e.name.startsWith("ftp-clone-cert-")) continue;
    const owner = await Deno.readTextFile(`${parent}/${e.name}/owner.pid`).catch(() => "");
    if (/^\d+$/.test(owner) && !processAlive(Number(owner))) {
      await Deno.remove(`${parent}/${e.name}`, { recursive: true }).catch(() => {});
    }
  }
}

async function make(): Promise<TestCertificate> {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-cert-" });
  await Deno.writeTextFile(`${dir}/owner.pid`, String(Deno.pid));
  await sweepStale(dir.slice(0, dir.lastIndexOf("/"))).catch(() => {});
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Best effort: a leftover temp dir is harmless.
    }
  });
  await Deno.chmod(dir, 0o755);
  const certPath = `${dir}/cert.pem`;
  const keyPath = `${dir}/key.pem`;
  const combinedPath = `${dir}/combined.pem`;
  const out = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "3650",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      keyPath,
      "-out",
      certPath,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `Cannot create the test certificate with "openssl req" in "${dir}": ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
  const pem = await Deno.readTextFile(certPath);
  const key = await Deno.readTextFile(keyPath);
  await Deno.writeTextFile(combinedPath, pem + key, { mode: 0o600 });
  await Deno.chmod(keyPath, 0o600);
  return { dir, certPath, keyPath, combinedPath, pem, fingerprint: certFingerprint(pem) };
}

/** The process-wide test certificate, created on first use (openssl, ~0.1-0.3 s). */
export function testCertificate(): Promise<TestCertificate> {
  if (!cached) {
    cached = make();
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}
