import assert from "node:assert/strict";
import { passivePort } from "./native_transfer.ts";

Deno.test("passivePort reads EPSV and PASV replies", () => {
  assert.equal(passivePort("EPSV", "229 Entering Extended Passive Mode (|||21017|)"), 21017);
  assert.equal(passivePort("PASV", "227 Entering Passive Mode (127,0,0,1,82,27)."), 82 * 256 + 27);
  assert.equal(passivePort("PASV", "227 Entering Passive Mode 127,0,0,1,0,0"), undefined);
  assert.equal(passivePort("EPSV", "229 (|||70000|)"), undefined);
  assert.equal(passivePort("PASV", "227 nothing"), undefined);
});
