import assert from "node:assert/strict";
import { loadConfig, parseIni } from "../../config/mod.ts";
import {
  DEMO_SECTION,
  makeDemoFolders,
  randomHex,
  renderDemoIni,
  writeDemoIni,
} from "./demo_setup.ts";

Deno.test("makeDemoFolders and writeDemoIni make a configuration the real loader accepts", async () => {
  const parent = await Deno.makeTempDir({ prefix: "demo_setup_test_" });
  try {
    const layout = await makeDemoFolders(parent);
    assert.ok(layout.dir.startsWith(`${parent}/ftp-clone-demo-`));
    for (const dir of [layout.localDir, layout.remoteDir, layout.stateDir]) {
      assert.ok((await Deno.stat(dir)).isDirectory, dir);
    }
    const identifier = randomHex(20);
    const text = await writeDemoIni(layout, {
      port: 2121,
      user: "demo",
      plainPassword: "p@ss word",
      identifier,
      waitMinutes: 0.05,
    });
    assert.ok(!text.includes("p@ss word"), "the password is not in plain text");
    assert.match(text, /^Password = v1:/m);
    assert.ok((await Deno.stat(`${layout.dir}/secret.key`)).isFile);

    const load = await loadConfig(layout.iniPath, { env: {} });
    assert.ok(load.ok, JSON.stringify(load));
    const { service, sections } = load.config;
    assert.equal(service.serviceWaitMinutes, 0.05);
    assert.equal(service.watch, true);
    assert.equal(service.stateDirectory, layout.stateDir);
    assert.equal(sections.length, 1);
    const section = sections[0]!;
    assert.equal(section.name, DEMO_SECTION);
    assert.equal(section.server, "127.0.0.1");
    assert.equal(section.port, 2121);
    assert.equal(section.type, "ftp");
    assert.equal(section.user, "demo");
    assert.equal(section.password, "p@ss word");
    assert.equal(section.passwordError, undefined);
    assert.equal(section.remoteDir, "/");
    assert.equal(section.localDir, layout.localDir);
    assert.equal(section.identifier, identifier);
    assert.deepEqual(load.config.warnings, []);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("renderDemoIni writes one [Service] and one [FTP1] section", () => {
  const layout = {
    dir: "/t",
    localDir: "/t/local",
    remoteDir: "/t/remote",
    stateDir: "/t/state",
    iniPath: "/t/parametre.ini",
  };
  const text = renderDemoIni(layout, {
    port: 1,
    user: "u",
    password: "v1:x:y",
    identifier: "a".repeat(40),
    waitMinutes: 0.5,
  });
  assert.deepEqual(parseIni(text).sections.map((s) => s.name), ["Service", "FTP1"]);
  assert.match(text, /^; A pass every 30 s/m);
});

Deno.test("randomHex gives the asked number of random bytes in hex", () => {
  assert.match(randomHex(20), /^[0-9a-f]{40}$/);
  assert.notEqual(randomHex(16), randomHex(16));
});
