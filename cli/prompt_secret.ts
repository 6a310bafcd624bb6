/**
 * Reading a secret: on a terminal, a prompt and a no-echo line editor in raw mode (restored in a
 * `finally`, whatever happens); otherwise one line from stdin, so that a password can be piped in
 * and never appears in the shell history or in `ps`.
 * @module
 */

/** The input a secret is read from; `Deno.stdin` satisfies it. */
export interface SecretInput {
  isTerminal(): boolean;
  setRaw(mode: boolean): void;
  read(buffer: Uint8Array): Promise<number | null>;
}

/** What {@linkcode SecretLineEditor.feed} says after a chunk. */
export type EditState = "more" | "done" | "cancelled";

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BACKSPACE = 0x08;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const CTRL_U = 0x15;
const CTRL_W = 0x17;
const ESCAPE = 0x1b;
const DELETE = 0x7f;

/**
 * A line editor for raw-mode terminal input that shows nothing: Enter ends the line, Backspace
 * removes the last character (a whole code point, not a byte), Ctrl-U and Ctrl-W clear the line,
 * Ctrl-C cancels, Ctrl-D cancels on an empty line. Escape sequences (arrow keys) and other
 * control characters are ignored.
 */
export class SecretLineEditor {
  #chars: string[] = [];
  #decoder = new TextDecoder();
  /** 0: text; 1: after ESC; 2: inside an escape sequence, until its final byte. */
  #escape: 0 | 1 | 2 = 0;
  #state: EditState = "more";

  /** The line typed so far. */
  get value(): string {
    return this.#chars.join("");
  }

  /** Feeds raw bytes; stops at the first Enter, Ctrl-C or Ctrl-D and ignores what follows. */
  feed(bytes: Uint8Array): EditState {
    for (const byte of bytes) {
      if (this.#state !== "more") break;
      this.#feedByte(byte);
    }
    return this.#state;
  }

  #feedByte(byte: number): void {
    if (this.#escape === 1) {
      // CSI (`ESC [`) and SS3 (`ESC O`) sequences go on; anything else was Alt+key: dropped.
      this.#escape = byte === 0x5b || byte === 0x4f ? 2 : 0;
      return;
    }
    if (this.#escape === 2) {
      // Parameters are 0x20-0x3f; the final byte is 0x40-0x7e.
      if (byte >= 0x40 && byte <= 0x7e) this.#escape = 0;
      return;
    }
    switch (byte) {
      case CARRIAGE_RETURN:
      case LINE_FEED:
        this.#state = "done";
        return;
      case CTRL_C:
        this.#state = "cancelled";
        return;
      case CTRL_D:
        if (this.#chars.length === 0) this.#state = "cancelled";
        return;
      case BACKSPACE:
      case DELETE:
        this.#chars.pop();
        return;
      case CTRL_U:
      case CTRL_W:
        this.#chars = [];
        return;
      case ESCAPE:
        this.#escape = 1;
        return;
    }
    if (byte < 0x20) return;
    const text = this.#decoder.decode(Uint8Array.of(byte), { stream: true });
    for (const char of text) this.#chars.push(char);
  }
}

/** Options of {@linkcode promptSecret}. */
export interface PromptSecretOptions {
  /** Writes the prompt and the final newline (to stderr, so stdout stays clean). */
  write: (text: string) => void;
  /** @default {Deno.stdin} */
  input?: SecretInput;
}

/**
 * Reads a secret. On a terminal: writes `prompt`, reads without echo, and resolves the line, or
 * undefined when the user pressed Ctrl-C (or Ctrl-D on an empty line). Otherwise: reads one line
 * from the input without a prompt, and resolves it without its line ending, or undefined when
 * the input was empty.
 */
export async function promptSecret(
  prompt: string,
  options: PromptSecretOptions,
): Promise<string | undefined> {
  const input = options.input ?? Deno.stdin;
  if (!input.isTerminal()) return await readLine(input);
  const editor = new SecretLineEditor();
  const buffer = new Uint8Array(256);
  let state: EditState = "more";
  // Raw mode first, prompt second: a user (or a test) who types as soon as the prompt shows
  // must never meet the terminal's own echo.
  input.setRaw(true);
  try {
    options.write(prompt);
    while (state === "more") {
      const count = await input.read(buffer);
      if (count === null) {
        state = editor.value === "" ? "cancelled" : "done";
        break;
      }
      state = editor.feed(buffer.subarray(0, count));
    }
  } finally {
    input.setRaw(false);
    // Raw mode swallowed the Enter: move off the prompt line.
    options.write("\n");
  }
  return state === "done" ? editor.value : undefined;
}

/** One line from a non-terminal input, without its `\n` or `\r\n`; undefined on empty input. */
export async function readLine(input: Pick<SecretInput, "read">): Promise<string | undefined> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(4096);
  let total = 0;
  for (;;) {
    const count = await input.read(buffer);
    if (count === null) break;
    const chunk = buffer.slice(0, count);
    const newline = chunk.indexOf(LINE_FEED);
    if (newline !== -1) {
      chunks.push(chunk.subarray(0, newline));
      total += newline;
      return stripCr(concat(chunks, total));
    }
    chunks.push(chunk);
    total += count;
  }
  if (total === 0) return undefined;
  return stripCr(concat(chunks, total));
}

function concat(chunks: Uint8Array[], total: number): string {
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
