import assert from "node:assert/strict";
import type { Config, SectionConfig } from "../config/mod.ts";
import { captureOutput } from "./output.ts";
import { selectSections } from "./select_sections.ts";

function config(names: string[]): Config {
  return {
    path: "/etc/ftp-clone/parametre.ini",
    // Only the fields selectSections reads matter here.
    service: {} as Config["service"],
    sections: names.map((name) => ({ name }) as SectionConfig),
    warnings: [],
  };
}

Deno.test("selectSections() picks named sections in file order, case-insensitively", async (t) => {
  const c = config(["FTP1", "FTP2", "FTP3"]);
  await t.step("none named: all", () => {
    assert.deepEqual(selectSections(c, [], captureOutput())?.map((s) => s.name), [
      "FTP1",
      "FTP2",
      "FTP3",
    ]);
  });
  await t.step("named, any case, brackets allowed, file order", () => {
    const picked = selectSections(c, ["ftp3", "[FTP1]", "FTP3"], captureOutput());
    assert.deepEqual(picked?.map((s) => s.name), ["FTP1", "FTP3"]);
  });
  await t.step("an unknown name is an error naming the known ones", () => {
    const captured = captureOutput();
    assert.equal(selectSections(c, ["FTP1", "FTP9"], captured), undefined);
    assert.equal(captured.stdout(), "");
    assert.equal(
      captured.stderr(),
      'error: Unknown section "FTP9" in "/etc/ftp-clone/parametre.ini"; the sections are [FTP1], [FTP2], [FTP3]\n',
    );
  });
});
