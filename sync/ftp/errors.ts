/**
 * FTP errors carry the server's code and the command that failed, and are classified once,
 * here at the boundary, as transient (retry later: 4xx, reset, refused, timeout) or permanent
 * (5xx, a refused certificate).
 * @module
 */

/** Options of {@linkcode FtpError}. */
export interface FtpErrorOptions {
  /** The FTP reply code (e.g. 550), or a system error code (e.g. "ECONNRESET"). */
  code?: number | string;
  /** The FTP command or operation that failed, e.g. `STOR /a/b.txt`. Never holds a password. */
  command?: string;
  /** Whether trying again later (on a fresh connection) may succeed. */
  transient: boolean;
  cause?: unknown;
}

/** An FTP operation failed. */
export class FtpError extends Error {
  readonly code: number | string | undefined;
  readonly command: string | undefined;
  readonly transient: boolean;

  constructor(message: string, options: FtpErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FtpError";
    this.code = options.code;
    this.command = options.command;
    this.transient = options.transient;
  }
}

/** System error codes of a dropped, refused or timed-out connection: worth a retry later. */
const TRANSIENT_SYSTEM_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ENOTCONN",
]);

/** Messages of basic-ftp (and node:tls) errors that mean the connection was lost. */
const TRANSIENT_MESSAGES = [
  /Timeout/i,
  /Server sent FIN packet unexpectedly/,
  /Server closed connection unexpectedly/,
  /Client is closed/,
  /User closed client/,
  /None of the available transfer strategies work/,
  /socket disconnected before secure TLS connection/i,
  /Can't open data connection/,
  // basic-ftp: the local file was modified during an upload; the next pass sends it again.
  /changed while it was being uploaded/,
];

/** A certificate that failed verification: retrying cannot help. */
const CERTIFICATE_ERROR = /cert|self[- ]signed|UNABLE_TO_VERIFY|ERR_TLS_|unknownissuer|hostname/i;

/** Options of {@linkcode toFtpError}. */
export interface ToFtpErrorOptions {
  /** Strings that must never appear in a message (e.g. the password); replaced by `***`. */
  secrets?: readonly string[];
  /** What was attempted, for the message ("log in to h:21 as \"bob\""); default: the command. */
  action?: string;
}

/**
 * Classify anything thrown by basic-ftp or node:net/node:tls as an `FtpError`:
 * FTP replies 4xx are transient and 5xx permanent; dropped, refused and timed-out connections are
 * transient; certificate failures and everything unknown are permanent. An `FtpError` is returned
 * as it is.
 */
export function toFtpError(
  err: unknown,
  command: string,
  options: ToFtpErrorOptions = {},
): FtpError {
  if (err instanceof FtpError) return err;
  const scrub = (text: string) => {
    let out = text;
    for (const secret of options.secrets ?? []) {
      if (secret !== "") out = out.split(secret).join("***");
    }
    return out;
  };
  const error = err instanceof Error ? err : new Error(String(err));
  const rawCode = (error as { code?: unknown }).code;
  const detail = scrub(error.message.replace(/\s+/g, " ").trim().replace(/\.$/, ""));
  const what = options.action !== undefined
    ? `Cannot ${scrub(options.action)}`
    : `FTP command "${scrub(command)}" failed`;
  // basic-ftp's FTPError: the server answered with a numeric reply code.
  if (error.name === "FTPError" && typeof rawCode === "number") {
    return new FtpError(`${what}: server replied "${detail}"`, {
      code: rawCode,
      command: scrub(command),
      transient: rawCode >= 400 && rawCode < 500,
      cause: err,
    });
  }
  const code = typeof rawCode === "string" ? rawCode : undefined;
  let transient = false;
  if (CERTIFICATE_ERROR.test(`${code ?? ""} ${error.message}`)) transient = false;
  else if (code !== undefined && TRANSIENT_SYSTEM_CODES.has(code)) transient = true;
  else if (TRANSIENT_MESSAGES.some((re) => re.test(error.message))) transient = true;
  const codeText = code !== undefined && !detail.includes(code) ? ` (${code})` : "";
  return new FtpError(`${what}: ${detail}${codeText}`, {
    ...(code !== undefined ? { code } : {}),
    command: scrub(command),
    transient,
    cause: err,
  });
}
