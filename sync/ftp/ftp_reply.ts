/**
 * FTP replies, read from the control connection's bytes (RFC 959 §4.2); a refusal becomes an
 * `FtpError` in `errors.ts` (`replyError`).
 *
 * A reply is one line `DDD text`, or several: `DDD-text`, any lines, then `DDD text` with the same
 * code. Lines end with CRLF (a lone LF is accepted). Anything else where a reply must start is not
 * FTP (an SSH or HTTP server on the port, a broken proxy): the connection is unusable, and the
 * error says what arrived.
 * @module
 */

/** One complete reply. */
export interface FtpReply {
  /** 100-599. */
  code: number;
  /** The whole text, lines joined with "\n", codes included: `213 20250601120000`. */
  message: string;
}

/**
 * Largest reply accepted (bytes, all its lines): 1 MiB. Ordinary replies are under 4 KiB (FEAT,
 * a multi-line 230); beyond this a server is sending something else, and holding it would only
 * grow memory until the reply deadline.
 */
export const MAX_REPLY_BYTES = 1024 * 1024;

/** A control connection that did not speak FTP (system code "EPROTO": not worth a retry). */
export function protocolError(message: string): Error {
  return Object.assign(new Error(message), { code: "EPROTO" });
}

/** How a line that starts a reply begins: a code 100-599, then a space, a dash or the end. */
const REPLY_START = /^([1-5]\d\d)(-?)/;

/** Quoted, cut to 80 characters, for messages. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

/**
 * Turns the bytes of a control connection into replies, in order. `push` each chunk as it
 * arrives; `onReply` runs for every complete reply. Throws a protocol error (code "EPROTO") on a
 * line that cannot start a reply or a reply beyond {@linkcode MAX_REPLY_BYTES}; the connection is
 * then unusable.
 */
export class ReplyParser {
  readonly #onReply: (reply: FtpReply) => void;
  readonly #decoder = new TextDecoder();
  /** The end of the last line, not yet terminated. */
  #partial = "";
  /** The multi-line reply being read: its code ("" when none) and lines so far. */
  #code = "";
  #lines: string[] = [];
  #bytes = 0;

  constructor(onReply: (reply: FtpReply) => void) {
    this.#onReply = onReply;
  }

  /** Reads one chunk (the view may be reused by the caller once this returns). */
  push(chunk: Uint8Array): void {
    // The partial line holds no line break: search only what is new.
    let from = this.#partial.length;
    const text = this.#partial + this.#decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", from);
      if (nl < 0) break;
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.#line(text.slice(start, end));
      start = from = nl + 1;
    }
    this.#partial = start === 0 ? text : text.slice(start);
    if (this.#bytes + this.#partial.length > MAX_REPLY_BYTES) {
      throw protocolError(
        `The server sent a reply longer than ${MAX_REPLY_BYTES} bytes (it starts with ` +
          `${quote(this.#lines[0] ?? this.#partial)})`,
      );
    }
  }

  #line(line: string): void {
    if (this.#code !== "") {
      this.#lines.push(line);
      this.#bytes += line.length + 1;
      // The last line repeats the code followed by a space (or nothing).
      if (line.startsWith(this.#code) && (line.length === 3 || line[3] === " ")) {
        const reply = { code: Number(this.#code), message: this.#lines.join("\n") };
        this.#code = "";
        this.#lines = [];
        this.#bytes = 0;
        this.#onReply(reply);
      }
      return;
    }
    const m = REPLY_START.exec(line);
    if (m === null || (m[2] === "" && line.length > 3 && line[3] !== " ")) {
      throw protocolError(`The server sent ${quote(line)} where an FTP reply must start`);
    }
    if (m[2] === "-") {
      this.#code = m[1]!;
      this.#lines = [line];
      this.#bytes = line.length + 1;
      return;
    }
    this.#onReply({ code: Number(m[1]), message: line });
  }
}

/** The text after the code of a one-line reply (`213 20250601120000` -> `20250601120000`). */
export function replyText(reply: FtpReply): string {
  return reply.message.slice(4);
}
