import assert from "node:assert/strict";
import { captureOutput } from "./output.ts";

Deno.test("Output sends ok and plain lines to stdout, errors and warnings to stderr", () => {
  const captured = captureOutput();
  const out = captured.output;
  out.ok("Password saved for [FTP1].");
  out.line("plain");
  out.json({ sections: [] });
  out.error('Unknown section "FTP9"');
  out.warning("gap in numbering");
  out.errLine("/x/parametre.ini:3: [FTP1] Port: not a number");
  assert.equal(
    captured.stdout(),
    'ok: Password saved for [FTP1].\nplain\n{\n  "sections": []\n}\n',
  );
  assert.equal(
    captured.stderr(),
    'error: Unknown section "FTP9"\nwarning: gap in numbering\n' +
      "/x/parametre.ini:3: [FTP1] Port: not a number\n",
  );
});
