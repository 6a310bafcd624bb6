/**
 * Every user-visible write of the CLI goes through here: `ok: ...` lines and plain lines to stdout,
 * `error: ...` and `warning: ...` lines to stderr, JSON documents, commander's help and errors, and
 * the log lines that `logging.ts` formats. Writes are synchronous so that lines from the logger and
 * from commands never interleave mid-line.
 * @module
 */

/** Where the CLI writes; the default writes to the process's stdout and stderr. */
export interface Output {
  /** `ok: <message>` on stdout. */
  ok(message: string): void;
  /** `error: <message>` on stderr. */
  error(message: string): void;
  /** `warning: <message>` on stderr. */
  warning(message: string): void;
  /** One plain line on stdout (a newline is added). */
  line(text: string): void;
  /** One plain line on stderr (a newline is added). */
  errLine(text: string): void;
  /** A JSON document on stdout, two-space indented, on its own lines. */
  json(value: unknown): void;
  /** Raw text on stdout, written as given (commander's help and version). */
  writeOut(text: string): void;
  /** Raw text on stderr, written as given (commander's errors, prompts, log lines). */
  writeErr(text: string): void;
}

/** C0 and C1 control characters other than tab and line feed, and DEL. */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL_REGEXP = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text with its control characters written as `\xNN`: a server's reply, a file name or a value
 * from the ini may carry terminal escape sequences, and nothing we print may reach a terminal or
 * the journal raw.
 */
export function escapeControls(text: string): string {
  return text.replace(
    CONTROL_REGEXP,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/**
 * Builds an {@linkcode Output} over two raw writers; every other method is derived from them.
 * Everything written is passed through {@linkcode escapeControls}.
 */
export function createOutput(
  rawOut: (text: string) => void,
  rawErr: (text: string) => void,
): Output {
  const writeOut = (text: string): void => rawOut(escapeControls(text));
  const writeErr = (text: string): void => rawErr(escapeControls(text));
  return {
    ok: (message) => writeOut(`ok: ${message}\n`),
    error: (message) => writeErr(`error: ${message}\n`),
    warning: (message) => writeErr(`warning: ${message}\n`),
    line: (text) => writeOut(`${text}\n`),
    errLine: (text) => writeErr(`${text}\n`),
    json: (value) => writeOut(`${JSON.stringify(value, null, 2)}\n`),
    writeOut,
    writeErr,
  };
}

const encoder = new TextEncoder();

/**
 * Writes all of `text`; writeSync may write less than asked on a pipe. A reader that went away
 * (`ftp-clone --help | head -1`) is not an error worth a stack trace: the rest is dropped.
 */
function writeAllSync(target: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) {
      const written = target.writeSync(bytes);
      bytes = bytes.subarray(written);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

/** The process's real stdout and stderr. */
export function processOutput(): Output {
  return createOutput(
    (text) => writeAllSync(Deno.stdout, text),
    (text) => writeAllSync(Deno.stderr, text),
  );
}

/** What {@linkcode captureOutput} recorded. */
export interface CapturedOutput {
  output: Output;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
}

/** An {@linkcode Output} that records what it is given instead of printing it (for tests). */
export function captureOutput(): CapturedOutput {
  let out = "";
  let err = "";
  return {
    output: createOutput((text) => out += text, (text) => err += text),
    stdout: () => out,
    stderr: () => err,
  };
}
