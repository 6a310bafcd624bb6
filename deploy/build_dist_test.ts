import assert from "node:assert/strict";
import { localModules, tarballName } from "./build_dist.ts";

Deno.test("tarballName() and localModules()", async (t) => {
  await t.step("the tarball's name carries the version and the platform", () => {
    assert.equal(tarballName("1.2.3"), "ftp-clone-1.2.3-linux-x64.tar.gz");
  });

  await t.step("only local modules, relative to the root, sorted", () => {
    const info = {
      modules: [
        { specifier: "file:///repo/mod.ts" },
        { specifier: "node:path" },
        { specifier: "file:///repo/cli/main.ts" },
        { specifier: "npm:/commander@15.1.0" },
        { specifier: "file:///repo/deno.json" },
      ],
    };
    assert.deepEqual(localModules(info, "/repo"), ["cli/main.ts", "deno.json", "mod.ts"]);
    assert.deepEqual(localModules({}, "/repo"), []);
  });

  await t.step("a module outside the repository is refused", () => {
    assert.throws(
      () => localModules({ modules: [{ specifier: "file:///elsewhere/x.ts" }] }, "/repo"),
      /Module "file:\/\/\/elsewhere\/x\.ts" is outside the repository "\/repo"/,
    );
  });
});
