import assert from "node:assert/strict";
import { promptSecret, readLine, type SecretInput, SecretLineEditor } from "./prompt_secret.ts";

const encoder = new TextEncoder();

/** A fake stdin that returns one chunk per read, then EOF, and records raw-mode changes. */
class FakeInput implements SecretInput {
  readonly rawModes: boolean[] = [];
  #chunks: Uint8Array[];
  #terminal: boolean;
  #failAfter: number | undefined;

  constructor(chunks: (string | number[])[], options: { terminal: boolean; failAfter?: number }) {
    this.#chunks = chunks.map((c) =>
      typeof c === "string" ? encoder.encode(c) : Uint8Array.from(c)
    );
    this.#terminal = options.terminal;
    this.#failAfter = options.failAfter;
  }

  isTerminal(): boolean {
    return this.#terminal;
  }

  setRaw(mode: boolean): void {
    this.rawModes.push(mode);
  }

  read(buffer: Uint8Array): Promise<number | null> {
    if (this.#failAfter !== undefined && this.#failAfter-- === 0) {
      return Promise.reject(new Error("read failed"));
    }
    const chunk = this.#chunks.shift();
    if (chunk === undefined) return Promise.resolve(null);
    const n = Math.min(buffer.length, chunk.length);
    buffer.set(chunk.subarray(0, n));
    if (n < chunk.length) this.#chunks.unshift(chunk.subarray(n));
    return Promise.resolve(n);
  }
}

Deno.test("SecretLineEditor edits a line typed in raw mode", async (t) => {
  const rows: { name: string; input: (string | number[])[]; state: string; value: string }[] = [
    { name: "Enter (CR) ends the line", input: ["s3cret\r"], state: "done", value: "s3cret" },
    { name: "LF ends the line too", input: ["s3cret\n"], state: "done", value: "s3cret" },
    { name: "what follows Enter is ignored", input: ["ab\rcd"], state: "done", value: "ab" },
    {
      name: "Backspace (DEL) removes one character",
      input: ["abc", [0x7f], "d\r"],
      state: "done",
      value: "abd",
    },
    {
      name: "Ctrl-H removes one character",
      input: ["abc", [0x08, 0x08], "\r"],
      state: "done",
      value: "a",
    },
    {
      name: "Backspace on an empty line does nothing",
      input: [[0x7f], "a\r"],
      state: "done",
      value: "a",
    },
    {
      name: "Backspace removes a whole multi-byte character",
      input: ["aé日", [0x7f], "\r"],
      state: "done",
      value: "aé",
    },
    {
      name: "Backspace removes a whole astral character",
      input: ["a😀", [0x7f], "b\r"],
      state: "done",
      value: "ab",
    },
    {
      name: "a character split across reads is kept whole",
      input: [[0x61, 0xc3], [0xa9, 0x0d]],
      state: "done",
      value: "aé",
    },
    {
      name: "Ctrl-U clears the line",
      input: ["wrong", [0x15], "right\r"],
      state: "done",
      value: "right",
    },
    { name: "Ctrl-C cancels", input: ["abc", [0x03]], state: "cancelled", value: "abc" },
    { name: "Ctrl-D on an empty line cancels", input: [[0x04]], state: "cancelled", value: "" },
    {
      name: "Ctrl-D after text is ignored",
      input: ["ab", [0x04], "c\r"],
      state: "done",
      value: "abc",
    },
    {
      name: "arrow keys are ignored",
      input: ["a", [0x1b, 0x5b, 0x44], "b", [0x1b, 0x4f, 0x41], "\r"],
      state: "done",
      value: "ab",
    },
    {
      name: "longer CSI sequences are ignored",
      input: ["a", [0x1b, 0x5b, 0x33, 0x7e], "b\r"],
      state: "done",
      value: "ab",
    },
    {
      name: "other control characters are ignored",
      input: ["a\tb", [0x01], "\r"],
      state: "done",
      value: "ab",
    },
    {
      name: "spaces and punctuation are kept",
      input: [" p@ss w;rd \r"],
      state: "done",
      value: " p@ss w;rd ",
    },
    { name: "without Enter the line goes on", input: ["abc"], state: "more", value: "abc" },
  ];
  for (const row of rows) {
    await t.step(row.name, () => {
      const editor = new SecretLineEditor();
      let state = "more";
      for (const chunk of row.input) {
        state = editor.feed(
          typeof chunk === "string" ? encoder.encode(chunk) : Uint8Array.from(chunk),
        );
      }
      assert.equal(state, row.state);
      assert.equal(editor.value, row.value);
    });
  }
});

Deno.test("promptSecret() on a terminal prompts, reads without echo and restores the mode", async () => {
  const input = new FakeInput(["pa", "ss", [0x7f], "S\r"], { terminal: true });
  let written = "";
  const value = await promptSecret("Password for [FTP1]: ", { input, write: (s) => written += s });
  assert.equal(value, "pasS");
  assert.deepEqual(input.rawModes, [true, false]);
  // Only the prompt and the final newline: no character of the password is echoed.
  assert.equal(written, "Password for [FTP1]: \n");
});

Deno.test("promptSecret() on a terminal resolves undefined on Ctrl-C and restores the mode", async () => {
  const input = new FakeInput(["abc", [0x03]], { terminal: true });
  const value = await promptSecret("Password: ", { input, write: () => {} });
  assert.equal(value, undefined);
  assert.deepEqual(input.rawModes, [true, false]);
});

Deno.test("promptSecret() restores the terminal mode when reading throws", async () => {
  const input = new FakeInput(["abc"], { terminal: true, failAfter: 1 });
  await assert.rejects(promptSecret("Password: ", { input, write: () => {} }), /read failed/);
  assert.deepEqual(input.rawModes, [true, false]);
});

Deno.test("promptSecret() on a terminal takes the text typed before EOF", async () => {
  const input = new FakeInput(["abc"], { terminal: true });
  assert.equal(await promptSecret("Password: ", { input, write: () => {} }), "abc");
});

Deno.test("promptSecret() off a terminal reads one line from stdin without a prompt", async (t) => {
  const rows: { name: string; input: string[]; expected: string | undefined }[] = [
    { name: "a line with LF", input: ["s3cret\n"], expected: "s3cret" },
    { name: "a line with CRLF", input: ["s3cret\r\n"], expected: "s3cret" },
    { name: "only the first line", input: ["one\ntwo\n"], expected: "one" },
    { name: "no final newline", input: ["s3cret"], expected: "s3cret" },
    { name: "split over reads", input: ["s3", "cr", "et\n"], expected: "s3cret" },
    { name: "spaces are kept", input: ["  a b  \n"], expected: "  a b  " },
    { name: "an empty line", input: ["\n"], expected: "" },
    { name: "empty input", input: [], expected: undefined },
  ];
  for (const row of rows) {
    await t.step(row.name, async () => {
      const input = new FakeInput(row.input, { terminal: false });
      let written = "";
      const value = await promptSecret("Password: ", { input, write: (s) => written += s });
      assert.equal(value, row.expected);
      assert.equal(written, "");
      assert.deepEqual(input.rawModes, []);
    });
  }
});

Deno.test("readLine() keeps a multi-byte character split across reads", async () => {
  const bytes = encoder.encode("pé日\n");
  const input = new FakeInput([Array.from(bytes.subarray(0, 2)), Array.from(bytes.subarray(2))], {
    terminal: false,
  });
  assert.equal(await readLine(input), "pé日");
});
