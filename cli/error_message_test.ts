import assert from "node:assert/strict";
import { access } from "node:fs/promises";
import { errorMessage } from "./error_message.ts";

Deno.test("errorMessage() shortens system errors and keeps others", async (t) => {
  await t.step("Deno NotFound", async () => {
    const error = await Deno.readTextFile("/nonexistent/x.ini").catch((e) => e);
    assert.equal(errorMessage(error), "no such file or directory");
  });
  await t.step("node:fs ENOENT", async () => {
    const error = await access("/nonexistent/x").catch((e) => e);
    assert.equal(errorMessage(error), "no such file or directory");
  });
  await t.step("an ordinary error", () => {
    assert.equal(
      errorMessage(new Error('Cannot find section "[FTP9]"')),
      'Cannot find section "[FTP9]"',
    );
  });
  await t.step("a multi-line message becomes one line", () => {
    assert.equal(errorMessage(new Error("a\n  b")), "a b");
  });
  await t.step("a thrown string", () => assert.equal(errorMessage("boom"), "boom"));
});
