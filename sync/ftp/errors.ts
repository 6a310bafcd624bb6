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
