import assert from "node:assert/strict";
import { notRootError } from "./require_root.ts";

Deno.test("notRootError() is undefined for root and a clear error otherwise", async (t) => {
  await t.step("root", () => assert.equal(notRootError("install", { uid: 0 }), undefined));
  await t.step("a user", () => {
    assert.equal(
      notRootError("start", { uid: 1000 }),
      '"ftp-clone start" must run as root (it runs systemctl and writes the systemd unit); ' +
        'it was run as user id 1000: try "sudo ftp-clone start"',
    );
  });
  await t.step("no uid (Windows)", () => {
    assert.match(notRootError("stop", { uid: null }) ?? "", /run as an unknown user/);
  });
});
