import assert from "node:assert/strict";
import { parsePassiveReply, rewritePassiveReply } from "./passive_reply.ts";

Deno.test("parsePassiveReply and rewritePassiveReply", async (t) => {
  const rows: Array<
    { line: string; target: ReturnType<typeof parsePassiveReply>; rewritten?: string }
  > = [
    {
      line: "227 Entering Passive Mode (127,0,0,1,117,50).",
      target: { code: "227", host: "127.0.0.1", port: 117 * 256 + 50 },
      rewritten: "227 Entering Passive Mode (127,0,0,1,156,64).",
    },
    {
      line: "227 Entering Passive Mode 10,1,2,3,4,5",
      target: { code: "227", host: "10.1.2.3", port: 4 * 256 + 5 },
      rewritten: "227 Entering Passive Mode 127,0,0,1,156,64",
    },
    {
      line: "229 Entering Extended Passive Mode (|||30012|)",
      target: { code: "229", host: undefined, port: 30012 },
      rewritten: "229 Entering Extended Passive Mode (|||40000|)",
    },
    {
      line: "229 Extended Passive (!!!2101!)",
      target: { code: "229", host: undefined, port: 2101 },
      rewritten: "229 Extended Passive (!!!40000!)",
    },
    { line: "226 Transfer complete.", target: undefined },
    { line: "227 Entering Passive Mode (999,0,0,1,1,1).", target: undefined },
    { line: "150 Here comes (|||5|)", target: undefined },
  ];
  for (const row of rows) {
    await t.step(row.line, () => {
      assert.deepEqual(parsePassiveReply(row.line), row.target);
      if (row.rewritten !== undefined) {
        assert.equal(rewritePassiveReply(row.line, 40000), row.rewritten);
      }
    });
  }
});
