import assert from "node:assert/strict";
import { passivePort } from "./ftp_data.ts";

Deno.test("passivePort: EPSV and PASV replies", async (t) => {
  const rows: [string, number, string, number | undefined][] = [
    ["EPSV", 229, "229 Entering Extended Passive Mode (|||6446|)", 6446],
    ["EPSV with ! (IBM i)", 229, "229 Entering Extended Passive Mode (!!!6446!)", 6446],
    ["PASV", 227, "227 Entering Passive Mode (192,168,1,100,10,229)", 10 * 256 + 229],
    ["PASV, no parentheses", 227, "227 Entering Passive Mode 10,0,0,1,0,21", 21],
    ["EPSV port 0", 229, "229 (|||0|)", undefined],
    ["EPSV port beyond 65535", 229, "229 (|||70000|)", undefined],
    ["EPSV without a port", 229, "229 Entering Extended Passive Mode", undefined],
    ["PASV with a short address", 227, "227 (1,2,3,4,5)", undefined],
    ["a refusal", 500, "500 (|||6446|)", undefined],
  ];
  for (const [what, code, message, port] of rows) {
    await t.step(what, () => assert.equal(passivePort({ code, message }), port));
  }
});
