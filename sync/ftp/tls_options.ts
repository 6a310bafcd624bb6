/**
 * TLS policy of a connection: certificate verification (on by default), `TlsVerify = no`, and
 * SHA-256 pinning (`TlsFingerprint`), plus the node:tls options that make FTPS work under Deno.
 *
 * Pinning: when a fingerprint is set, node:tls verification is turned off (a self-signed
 * certificate could never pass it) and the peer certificate's SHA-256 is compared right after the
 * handshake, before USER/PASS are sent. The certificate is accepted if and only if it matches,
 * whatever `tlsVerify` says.
 * @module
 */
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from "node:tls";
import { FtpError } from "./errors.ts";

/** How a connection's certificate is checked. */
export interface TlsPolicy {
  /** Verify the certificate chain and host name with the default CA store. */
  verify: boolean;
  /** Normalised SHA-256 fingerprint (64 lower-case hex digits) the certificate must match. */
  fingerprint?: string | undefined;
}

/**
 * Normalise a user-written SHA-256 fingerprint (hex, colons optional, any case) to 64 lower-case
 * hex digits; undefined when it is not one.
 */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text.trim().replace(/[:\s]/g, "").toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

let sessionCounter = 0;

/**
 * The node:tls options for one FTP connection: its control connection and (basic-ftp copies
 * them) every one of its data connections.
 *
 * - `servername` is unique per FTP connection (`c<n>.<pid>.ftp-clone.invalid`): under Deno the TLS
 *   session used to resume a data connection is looked up by server name in a process-wide cache
 *   (the `session` option is not used), so with two connections to one server, data connections
 *   would resume the other connection's session and be refused (see `deno_ftp_client.ts`). The
 *   name is also sent as SNI; `checkServerIdentity` checks the certificate against the real host.
 * - `maxVersion: "TLSv1.2"`: TLS 1.3 resumption of data connections fails now and then.
 * - never `ca`: a custom CA breaks resumption on data connections under Deno.
 */
export function tlsConnectOptions(host: string, policy: TlsPolicy): ConnectionOptions {
  sessionCounter++;
  return {
    host,
    servername: `c${sessionCounter}.${Deno.pid}.ftp-clone.invalid`,
    checkServerIdentity: (_servername, cert) => checkServerIdentity(host, cert),
    rejectUnauthorized: policy.verify && policy.fingerprint === undefined,
    maxVersion: "TLSv1.2",
  };
}

/** The peer certificate's SHA-256 fingerprint as 64 lower-case hex digits ("" when absent). */
export function certificateFingerprint(cert: PeerCertificate | undefined): string {
  const text = cert?.fingerprint256 ?? "";
  return text.replace(/:/g, "").toLowerCase();
}

/** Options of {@linkcode checkCertificate}. */
export interface CheckCertificateOptions {
  /** `host:port` for the message. */
  server: string;
  policy: TlsPolicy;
}

/**
 * Enforce the pin on an established handshake's certificate. Throws a permanent `FtpError`
 * (code "CERT_FINGERPRINT_MISMATCH") when a pin is set and does not match; does nothing otherwise
 * (without a pin, node:tls has already verified the chain when `verify` is on).
 */
export function checkCertificate(
  cert: PeerCertificate | undefined,
  options: CheckCertificateOptions,
): void {
  const expected = options.policy.fingerprint;
  if (expected === undefined) return;
  const observed = certificateFingerprint(cert);
  if (observed !== expected) {
    throw new FtpError(
      `TLS certificate of ${options.server} does not match TlsFingerprint "${expected}": ` +
        `the server presented "${observed || "no certificate"}"`,
      { code: "CERT_FINGERPRINT_MISMATCH", command: "TLS handshake", transient: false },
    );
  }
}

/**
 * The message of a refused certificate, with the observed fingerprint so that the user can pin
 * it (`TlsFingerprint`) instead of turning verification off.
 */
export function verificationFailureMessage(
  server: string,
  reason: string,
  observedFingerprint: string | undefined,
): string {
  const pin = observedFingerprint
    ? `; its SHA-256 fingerprint is "${observedFingerprint}": if you trust it, set ` +
      `TlsFingerprint = ${observedFingerprint}`
    : "";
  return `TLS certificate of ${server} failed verification (${reason})${pin}`;
}
