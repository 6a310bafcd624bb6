/**
 * TLS policy of a connection: certificate verification (on by default), `TlsVerify = no`, and
 * SHA-256 pinning (`TlsFingerprint`), plus the node:tls options that make FTPS work under Deno.
 *
 * Pinning: when a fingerprint is set, node:tls verification is turned off (a self-signed
 * certificate could never pass it) and the peer certificate's SHA-256 is compared right after the
 * handshake, before USER/PASS are sent. The certificate is accepted if and only if it matches,
 * whatever `tlsVerify` says.
 *
 * ## FTPS under Deno: what breaks and why (measured: basic-ftp 6.2.6, Deno 2.9.6, 2026-11-25)
 * vsftpd and proftpd (their defaults) refuse a TLS data connection that does not resume a TLS
 * session of the control connection (vsftpd `522 SSL connection failed: session reuse required`,
 * then it drops the control connection; proftpd `425 Unable to build data connection`, tls.log
 * "client did not reuse TLS session"). basic-ftp passes `session: <control's session>` to every
 * data connection's `tls.connect`; Node honours it, Deno does not:
 *
 * Root cause: Deno's node:tls resumes sessions only from its own client-side cache, keyed by
 * the TLS server name (`servername`, else `host`); the `session` option is not used to pick the
 * session (`getSession()` returns a value, but passing it back changes nothing). Everything
 * below follows from that:
 * 1. Several connections to one server in one process (a pool!): they share the cache entry, so
 *    a data connection resumes whichever connection's session was stored last and is refused.
 *    Two explicit-TLS connections to proftpd: the second one's data connections all failed.
 *    Fix: a server name unique per FTP connection (below); 3 connections: 12/12 OK.
 * 2. Implicit TLS with basic-ftp's `tls.connect(port, host, options)` (the TLS socket dials
 *    itself): its session never becomes resumable for data connections built with
 *    `tls.connect({ socket })`, even with a unique server name: every data connection refused.
 *    Fix: `DenoFtpClient.connectImplicitTLS` connects a TCP socket first and upgrades it (the
 *    path that AUTH TLS and the data connections take), 20/20 OK.
 * 3. TLS 1.3: tickets are single-use in Deno's client cache. The control connection leaves 2
 *    tickets (OpenSSL's default); each data connection takes one; a download or a listing gets a
 *    new one back, an upload does not (its new ticket never reaches the cache). After 2 uploads
 *    the cache is empty, the next data connection does a full handshake and is refused (and that
 *    handshake refills the cache with 2 tickets). proftpd, 10 uploads: U U fail U U fail...;
 *    lists and downloads only: never fails. TLS 1.2 resumption reuses one session as often as
 *    needed. Fix: `maxVersion: "TLSv1.2"` (below). Reading the upload socket to the
 *    end did not help.
 * 4. A `ca` option (or any own `secureContext`) apparently gives the connection a cache of its
 *    own: data connections never find the control connection's session, every one is refused.
 *    Fix: never pass `ca`; pin with the SHA-256 fingerprint after the handshake instead.
 * More Deno quirks, avoided by the transfers (`ftp_transfers.ts`): writing a zero-length chunk to
 * a TLS socket fails with EPERM (and the connection is closed), so a small upload is one chunk
 * and an empty one none; a TLS socket paused by backpressure misses the end of the stream (all
 * bytes arrive, then the transfer times out), so downloads write each chunk synchronously and
 * never pause the data socket.
 *
 * basic-ftp 6.2.6 vs 5.3.1: 6.2.6 passes `host` to implicit-TLS sessions and stores the tickets
 * of data connections (`tlsSessionStore`), which fixes Node >= 24.17, not Deno: under Deno both
 * versions fail the same way (6.2.6 native: implicit 0/20, proftpd explicit TLS 1.3 10/20), so
 * 6.2.6 stays. Re-check all this when upgrading basic-ftp or Deno; `_handleConnectResponse` is
 * private API.
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
