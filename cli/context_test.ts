import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createContext, defaultConfigPath, resolveUnitDir } from "./context.ts";
import { captureOutput } from "./output.ts";

const output = captureOutput().output;
const FROM_SOURCE = fileURLToPath(new URL("../parametre.ini", import.meta.url));

Deno.test("defaultConfigPath() is beside the executable, or beside mod.ts from source", async (t) => {
  await t.step("a compiled binary", () => {
    assert.equal(
      defaultConfigPath({ execPath: "/opt/ftp-clone/ftp-clone" }),
      "/opt/ftp-clone/parametre.ini",
    );
  });
  await t.step("the deno binary itself", () => {
    assert.equal(defaultConfigPath({ execPath: "/usr/local/bin/deno" }), FROM_SOURCE);
  });
  await t.step("this process (deno test)", () => {
    assert.equal(defaultConfigPath(), FROM_SOURCE);
  });
});

Deno.test("createContext() resolves the config path: flag > env > default", async (t) => {
  const rows: { name: string; flag?: string; env?: string; expected: string }[] = [
    { name: "flag wins", flag: "a.ini", env: "/env/b.ini", expected: "/work/dir/a.ini" },
    { name: "absolute flag", flag: "/etc/x.ini", env: "/env/b.ini", expected: "/etc/x.ini" },
    { name: "env next", env: "/env/b.ini", expected: "/env/b.ini" },
    { name: "relative env against cwd", env: "b.ini", expected: "/work/dir/b.ini" },
    { name: "an empty env var is unset", env: "", expected: "/opt/ftp-clone/parametre.ini" },
    { name: "default", expected: "/opt/ftp-clone/parametre.ini" },
  ];
  for (const row of rows) {
    await t.step(row.name, () => {
      const ctx = createContext(row.flag === undefined ? {} : { config: row.flag }, {
        output,
        env: { FTP_CLONE_CONFIG: row.env },
        cwd: "/work/dir",
        execPath: "/opt/ftp-clone/ftp-clone",
      });
      assert.equal(ctx.configPath, row.expected);
    });
  }
});

Deno.test("createContext() resolves the state dir override: flag > env > none", async (t) => {
  const rows: { name: string; flag?: string; env?: string; expected: string | undefined }[] = [
    { name: "flag wins", flag: "state", env: "/env/state", expected: "/work/dir/state" },
    { name: "env next", env: "/env/state", expected: "/env/state" },
    { name: "none: StateDirectory applies", expected: undefined },
  ];
  for (const row of rows) {
    await t.step(row.name, () => {
      const ctx = createContext(row.flag === undefined ? {} : { stateDir: row.flag }, {
        output,
        env: { FTP_CLONE_STATE_DIR: row.env },
        cwd: "/work/dir",
      });
      assert.equal(ctx.stateDirOverride, row.expected);
    });
  }
});

Deno.test("createContext() reads JOURNAL_STREAM and the log level flag", () => {
  const journal = createContext({ logLevel: "debug" }, {
    output,
    env: { JOURNAL_STREAM: "8:1234" },
  });
  assert.equal(journal.journal, true);
  assert.equal(journal.logLevelFlag, "debug");
  const terminal = createContext({}, { output, env: {} });
  assert.equal(terminal.journal, false);
  assert.equal(terminal.logLevelFlag, undefined);
});

Deno.test("resolveUnitDir() is flag > env FTP_CLONE_UNIT_DIR > /etc/systemd/system", () => {
  const ctx = createContext({}, { output, env: { FTP_CLONE_UNIT_DIR: "/env/units" }, cwd: "/w" });
  assert.equal(resolveUnitDir("units", ctx), "/w/units");
  assert.equal(resolveUnitDir(undefined, ctx), "/env/units");
  assert.equal(
    resolveUnitDir(undefined, createContext({}, { output, env: {} })),
    "/etc/systemd/system",
  );
});
