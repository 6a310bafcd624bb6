/**
 * `connectRemoteFs`: open one FTP connection: TCP, TLS (implicit, or AUTH TLS), certificate pin,
 * then USER/PASS, FEAT and the session settings.
 * @module
 */
import { DenoFtpClient } from "./deno_ftp_client.ts";
import { FtpError, toFtpError } from "./errors.ts";
import { FtpRemoteFs } from "./ftp_remote_fs.ts";
import type { RemoteCapabilities } from "./remote_fs.ts";
import {
  certificateFingerprint,
  checkCertificate,
  tlsConnectOptions,
  type TlsPolicy,
  verificationFailureMessage,
} from "./tls_options.ts";

/** How to reach and log in to a server. */
export interface ConnectOptions {
  host: string;
  port: number;
  /** "ftp" plain, "ftps" implicit TLS, "ftpes" explicit TLS (AUTH TLS). */
  type: "ftp" | "ftps" | "ftpes";
  user: string;
  password: string;
  /** Verify the certificate with the default CA store (ignored when a fingerprint is set). */
  tlsVerify: boolean;
  /** SHA-256 of the certificate, 64 lower-case hex digits (see `normalizeFingerprint`). */
  tlsFingerprint?: string | undefined;
  /**
   * Socket inactivity timeout in ms (0 = none). It also scales the total deadlines (see
   * `deno_ftp_client.ts`): every reply, the greeting included, must be complete within 4 x this;
   * a transfer must average 4 KiB/s after a grace of 4 x this. @default {30000}
   */
  timeoutMs?: number | undefined;
  /** The clock, for LIST year inference. @default {Date.now} */
  now?: (() => number) | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Open, secure and log in one connection. Rejects with an `FtpError`. */
export async function connectRemoteFs(options: ConnectOptions): Promise<FtpRemoteFs> {
  const { host, port, type } = options;
  const server = `${host}:${port}`;
  const client = new DenoFtpClient(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, {
    nativeControl: type === "ftp",
  });
  const policy: TlsPolicy = { verify: options.tlsVerify, fingerprint: options.tlsFingerprint };
  const tlsOptions = tlsConnectOptions(host, policy);
  let step = `connect to ${server}`;
  try {
    if (type === "ftps") {
      step = `connect to ${server} with implicit TLS`;
      await client.connectImplicitTLS(host, port, tlsOptions);
    } else {
      await client.connect(host, port);
      if (type === "ftpes") {
        step = `start TLS (AUTH TLS) on ${server}`;
        await client.useTLS(tlsOptions);
      }
    }
    if (type !== "ftp") {
      step = `check the TLS certificate of ${server}`;
      checkCertificate(client.tlsSocket?.getPeerCertificate(), { server, policy });
    }
    step = `log in to ${server} as "${options.user}"`;
    await client.login(options.user, options.password);
    step = `read the features (FEAT) of ${server}`;
    const features = await client.features();
    const capabilities: RemoteCapabilities = {
      mlsd: features.has("MLST") || features.has("MLSD"),
      mfmt: features.has("MFMT"),
      mdtmWrite: false,
      restStream: features.has("REST"),
      utf8: features.has("UTF8"),
      hashes: [],
      renames: true,
    };
    step = `set up the session on ${server}`;
    await client.send("TYPE I");
    // pure-ftpd answers 504 although FEAT lists UTF8; names are UTF-8 bytes anyway.
    if (capabilities.utf8) await client.sendIgnoringError("OPTS UTF8 ON");
    if (capabilities.mlsd) await client.sendIgnoringError("OPTS MLST type;size;modify;");
    if (type !== "ftp") {
      await client.sendIgnoringError("PBSZ 0");
      await client.send("PROT P");
    }
    const home = await client.pwd();
    return new FtpRemoteFs(client, {
      capabilities,
      home,
      server,
      now: options.now ?? Date.now,
      tls: type !== "ftp",
    });
  } catch (err) {
    client.close();
    throw await connectError(err, step, options);
  }
}

/** Turn a connect-time failure into an FtpError; certificate failures show the fingerprint. */
async function connectError(err: unknown, step: string, options: ConnectOptions) {
  const secrets = [options.password];
  if (err instanceof FtpError) return err;
  const e = toFtpError(err, step, { secrets, action: step });
  if (options.type !== "ftp" && !e.transient && /cert|self[- ]signed/i.test(e.message)) {
    const server = `${options.host}:${options.port}`;
    const observed = await probeFingerprint(options).catch(() => undefined);
    const reason = (err instanceof Error ? err.message : String(err)).replace(/\.$/, "");
    return new FtpError(verificationFailureMessage(server, reason, observed), {
      ...(e.code !== undefined ? { code: e.code } : {}),
      command: "TLS handshake",
      transient: false,
      cause: err,
    });
  }
  return e;
}

/** Read the server certificate's fingerprint without verifying it (for error messages only). */
async function probeFingerprint(options: ConnectOptions): Promise<string | undefined> {
  const client = new DenoFtpClient(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const tlsOptions = tlsConnectOptions(options.host, { verify: false });
  try {
    if (options.type === "ftps") {
      await client.connectImplicitTLS(options.host, options.port, tlsOptions);
    } else {
      await client.connect(options.host, options.port);
      await client.useTLS(tlsOptions);
    }
    return certificateFingerprint(client.tlsSocket?.getPeerCertificate()) || undefined;
  } finally {
    client.close();
  }
}
