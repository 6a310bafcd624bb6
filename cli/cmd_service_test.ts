import assert from "node:assert/strict";
import { join } from "node:path";
import { loadServiceConfig, withoutSections } from "./cmd_service.ts";
import { createContext } from "./context.ts";
import { captureOutput } from "./output.ts";

Deno.test("withoutSections() blanks the named sections and keeps line numbers", () => {
  const text =
    "[Service]\nWatch = no\n\n[FTP1]\nServer = a\n\n[ftp2]\r\nServer = b\r\n[FTP3]\nX = 1\n";
  assert.equal(
    withoutSections(text, new Set(["FTP2", "FTP1"])),
    "[Service]\nWatch = no\n\n\n\n\n\r\n\r\n[FTP3]\nX = 1\n",
  );
});

Deno.test("loadServiceConfig() leaves bad sections out at start, refuses them on reload", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-service-config-" });
  try {
    const ini = join(dir, "parametre.ini");
    await Deno.writeTextFile(
      ini,
      `[Service]\nStateDirectory = ${dir}/state\n\n[FTP1]\nServer = s\nRemote_dir = /\n` +
        `Local_dir = ${dir}/a\n\n[FTP2]\nServer = s\nType = sftp\n`,
    );
    const ctx = createContext({ config: ini }, { output: captureOutput().output, env: {} });
    const start = await loadServiceConfig(ctx, { skipBadSections: true });
    assert.ok(start.ok);
    assert.deepEqual(start.config.sections.map((s) => s.name), ["FTP1"]);
    assert.equal(start.skipped.at(-1), "Section [FTP2] has configuration errors: it is left out");
    assert.ok(start.skipped.some((line) => line.startsWith(`${ini}:11: [FTP2] Type: `)));

    const reload = await loadServiceConfig(ctx, { skipBadSections: false });
    assert.equal(reload.ok, false);

    await Deno.writeTextFile(ini, "[Service]\nServiceWait = soon\n\n[FTP1]\nServer = s\n");
    const broken = await loadServiceConfig(ctx, { skipBadSections: true });
    assert.equal(broken.ok, false, "an error outside [FTPn] cannot be skipped");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
