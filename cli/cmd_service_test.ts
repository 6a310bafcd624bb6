import assert from "node:assert/strict";
import { join } from "node:path";
import { loadServiceConfig } from "./cmd_service.ts";
import { withoutSections } from "./load_config.ts";
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
    assert.match(
      start.skipped.at(-1)!,
      /^Section \[FTP2\] has configuration errors: it is left out/,
    );
    assert.ok(start.skipped.some((line) => line.startsWith(`${ini}:11: [FTP2] Type: `)));
    assert.deepEqual(start.leftOut, ["FTP2"]);

    const reload = await loadServiceConfig(ctx, { skipBadSections: false });
    assert.equal(reload.ok, false);

    await Deno.writeTextFile(ini, "[Service]\nServiceWait = soon\n\n[FTP1]\nServer = s\n");
    const broken = await loadServiceConfig(ctx, { skipBadSections: true });
    assert.equal(broken.ok, false, "an error outside [FTPn] cannot be skipped");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadServiceConfig(): a section left out is not a numbering gap", async () => {
  // Issue 14: with [FTP2] broken, the warning said the numbering skipped [FTP2] (it is in the
  // file). Only a section really missing is a gap.
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-service-config-" });
  try {
    const ini = join(dir, "parametre.ini");
    const section = (n: number, extra = "") =>
      `[FTP${n}]\nServer = s\nRemote_dir = /\nLocal_dir = ${dir}/${n}\n${extra}\n`;
    await Deno.writeTextFile(
      ini,
      `[Service]\nStateDirectory = ${dir}/state\n\n${section(1)}${section(2, "Port = 26z1\n")}` +
        section(3) + section(5),
    );
    const ctx = createContext({ config: ini }, { output: captureOutput().output, env: {} });
    const start = await loadServiceConfig(ctx, { skipBadSections: true });
    assert.ok(start.ok);
    assert.deepEqual(start.config.sections.map((s) => s.name), ["FTP1", "FTP3", "FTP5"]);
    assert.deepEqual(start.warnings.map((w) => w.replace(/^.*\] /, "")), [
      "Section numbering skips [FTP4]: unlike the original tool, ftp-clone synchronises this " +
      "section and every later one",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
