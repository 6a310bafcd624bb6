/**
 * FTP errors carry a meaning for the engine (`notFound`, `refused`, `unsupported`...), decided
 * once, here at the boundary, from the server's reply code, its text and the command; the code
 * and the command stay on the error for messages and for `sync/ftp/` itself. Nothing outside
 * `sync/ftp/` looks at a reply code.
 * @module
 */

/**
 * What a failure means to the engine:
 * - `notFound`: the named file or directory does not exist (now);
 * - `exists`: the target name is taken (MKD of an existing directory, a rename onto a file);
 * - `refused`: the server will not do it for this user or name (permission, policy, quota);
 * - `unsupported`: the server does not implement the command or this form of it;
 * - `tooManyConnections`: the server's per-user or per-address limit is reached;
 * - `tooLarge`: more bytes arrived than the listing announced (the file changed);
 * - `aborted`: the caller's AbortSignal stopped it;
 * - `transient`: worth trying again later on a fresh connection (dropped, timed out, 4xx);
 * - `permanent`: anything else that trying again will not fix (a refused certificate...).
 */
export type FtpMeaning =
  | "notFound"
  | "exists"
  | "refused"
  | "unsupported"
  | "tooManyConnections"
  | "tooLarge"
  | "aborted"
  | "transient"
  | "permanent";

/** Options of {@linkcode FtpError}. */
export interface FtpErrorOptions {
  /** The FTP reply code (e.g. 550), or a system error code (e.g. "ECONNRESET"). */
  code?: number | string;
  /** The FTP command or operation that failed, e.g. `STOR /a/b.txt`. Never holds a password. */
  command?: string;
  /** Whether trying again later (on a fresh connection) may succeed. */
  transient: boolean;
  /** What it means; derived from `code`, the message and `command` when not given. */
  meaning?: FtpMeaning;
  cause?: unknown;
}

/** An FTP operation failed. */
export class FtpError extends Error {
  readonly code: number | string | undefined;
  readonly command: string | undefined;
  readonly transient: boolean;
  readonly meaning: FtpMeaning;
  /**
   * The server answered the command with a refusal while the connection stayed usable (a reply
   * other than 421, 425 and 426): e.g. a refused resumed transfer, as opposed to a lost link.
   */
  readonly answered: boolean;

  constructor(message: string, options: FtpErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FtpError";
    this.code = options.code;
    this.command = options.command;
    this.transient = options.transient;
    this.meaning = options.meaning ??
      meaningOfReply(options.code, message, options.command, options.transient);
    const code = options.code;
    this.answered = typeof code === "number" && code >= 400 && code < 600 &&
      code !== 421 && code !== 425 && code !== 426;
  }
}

/** What an error means, or undefined when it is not an FTP layer error (a local failure). */
export function meaningOf(error: unknown): FtpMeaning | undefined {
  if (error instanceof FtpError) return error.meaning;
  const meaning = (error as { meaning?: unknown } | null)?.meaning;
  return typeof meaning === "string" ? meaning as FtpMeaning : undefined;
}

/**
 * The server's reply in an error, for a log line's detail: `550 Rename not permitted.` rather than
 * the whole `FTP command "..." failed: server replied "..."`; the message when there is none.
 */
export function replyOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /server replied "(.*)"$/s.exec(message)?.[1] ?? message;
}

/** Reply texts that name a permission or policy refusal rather than a missing file. */
const REFUSAL_TEXT = /permission|denied|not allowed|forbidden|refused|read-only|not permitted/i;
/** Reply texts of a connection limit (vsftpd, pure-ftpd 421; proftpd's 530 MaxClientsPerUser). */
const LIMIT_TEXT = /too many|maximum number|already connected|connection limit|max.*clients/i;

/**
 * The meaning of a failure from its code (reply or system), its text and the command's verb.
 * 550 covers both "no such file" and "permission denied" in RFC 959: the text tells them apart,
 * and "no such file" is the default (the engine confirms a disappearance before acting on it).
 */
export function meaningOfReply(
  code: number | string | undefined,
  message: string,
  command: string | undefined,
  transient: boolean,
): FtpMeaning {
  const verb = (command ?? "").split(" ")[0]?.toUpperCase() ?? "";
  if (typeof code === "number") {
    if (code === 421) {
      return LIMIT_TEXT.test(message) || verb === "" || verb === "USER" || verb === "PASS"
        ? "tooManyConnections"
        : "transient";
    }
    if (code === 530) return LIMIT_TEXT.test(message) ? "tooManyConnections" : "refused";
    if (code === 500 || code === 501 || code === 502 || code === 504) return "unsupported";
    if (code === 450 || code === 550) {
      if (/exists/i.test(message) && (verb === "MKD" || verb === "RNTO")) return "exists";
      return REFUSAL_TEXT.test(message) ? "refused" : "notFound";
    }
    if (code === 553) return /exists/i.test(message) ? "exists" : "refused";
    if (code === 532 || code === 552) return "refused";
    if (code >= 400 && code < 500) return "transient";
    return "permanent";
  }
  if (code === "EFBIG") return "tooLarge";
  if (code === "ABORT_ERR") return "aborted";
  return transient ? "transient" : "permanent";
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
