/**
 * Where and how the contenders reach the FTP server in one profile.
 * @module
 */

/** The server as a client sees it (through the delay proxy in the latency profile). */
export interface Endpoint {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Explicit FTPS (AUTH TLS) with protected data connections. */
  readonly tls: boolean;
  /** SHA-256 of the server certificate, 64 hex digits. */
  readonly fingerprint: string;
}
