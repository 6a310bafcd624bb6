/**
 * TLS policy of a connection: certificate verification (on by default), `TlsVerify = no`, and
 * SHA-256 pinning (`TlsFingerprint`), plus the node:tls options that make FTPS work under Deno.
 *
 * Pinning: when a fingerprint is set, node:tls verification is turned off (a self-signed
 * certificate could never pass it) and the peer certificate's SHA-256 is compared right after the
 * handshake, before USER/PASS are sent. The certificate is accepted if and only if it matches,
 * whatever `tlsVerify` says.
 *
 * ## FTPS under Deno: what breaks and why (Deno 2.9.6; re-measured with the own engine 2026-12-06)
 * vsftpd and proftpd (their defaults) refuse a TLS data connection that does not resume a TLS
 * session of the control connection (vsftpd `522 SSL connection failed: session reuse required`,
 * then it drops the control connection; proftpd `425 Unable to build data connection`, tls.log
 * "client did not reuse TLS session"). Under Deno's node:tls a data connection resumes only with
 * all of these (each one left out fails, measured on vsftpd and proftpd, explicit and implicit):
 * 1. `session: <the control socket's getSession()>` in the data connection's options
 *    (`ftp_login.ts`): without it, every data connection was refused (522).
 * 2. A server name unique per FTP connection (below): the session is also looked up by server
 *    name in a process-wide cache; with one name for all, the data connections of 3 concurrent
 *    proftpd connections were refused from the first round.
 * 3. TLS 1.2 at most (below): TLS 1.3 tickets are single-use in Deno's client cache and an
 *    upload's new ticket never reaches it: after two uploads the next data connection does a full
 *    handshake and is refused (proftpd: upload, upload, then the download refused).
 * 4. Implicit TLS by upgrading an already-connected TCP socket (`ftp_login.ts`): a TLS socket that
 *    dials itself (`tls.connect(port, host, options)`) never leaves a session the data connections
 *    can resume.
 * 5. Never `ca` (or any own `secureContext`): it gives the connection a session cache of its own;
 *    the pin is checked on the certificate after the handshake instead.
 * Native TLS (`Deno.startTls`) cannot take part: it has no session cache shared between
 * connections and gives no access to the peer certificate (measured by the lead, see
 * docs/ftp-engine.md). More Deno quirks, avoided by the engine: writing a zero-length chunk to a
 * TLS socket fails with EPERM (the engine never writes one); a TLS socket paused by backpressure
 * misses the end of its stream (data sockets are never paused); a TLS data socket whose `data`
 * and `end` listeners come after `secureConnect` loses the end of the stream now and then (9 of
 * 40 1 MB downloads from vsftpd hung), so `ftp_data.ts` reads one from the moment it exists.
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
 * The node:tls options for one FTP connection: its control connection and (with the control
 * connection's session) every one of its data connections.
 *
 * - `servername` is unique per FTP connection (`c<n>.<pid>.ftp-clone.invalid`): under Deno the TLS
 *   session used to resume a data connection is also looked up by server name in a process-wide
 *   cache, so with two connections to one server, data connections would resume the other
 *   connection's session and be refused (see the module doc). The name is also sent as SNI;
 *   `checkServerIdentity` checks the certificate against the real host.
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
