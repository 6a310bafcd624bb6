import assert from "node:assert/strict";
import { configureSync, type LogRecord, resetSync } from "@logtape/logtape";
import { parseFeatures } from "./features.ts";
import { ServerProfiles } from "./server_profile.ts";

function captureLogs(): string[] {
  const lines: string[] = [];
  configureSync({
    reset: true,
    sinks: {
      mem: (r: LogRecord) =>
        lines.push(`${r.level} ${r.message.map((p, i) => i % 2 ? String(p) : p).join("")}`),
    },
    loggers: [
      { category: ["ftp-clone"], sinks: ["mem"], lowestLevel: "info" },
      { category: ["logtape", "meta"], sinks: ["mem"], lowestLevel: "warning" },
    ],
  });
  return lines;
}

Deno.test("a profile logs each fact once, when learned, and again when it changes", () => {
  const lines = captureLogs();
  try {
    const profiles = new ServerProfiles();
    const key = { host: "h", port: 21, user: "u" };
    const profile = profiles.get(key);
    assert.equal(profiles.get(key), profile, "one profile per server and user");
    assert.notEqual(profiles.get({ ...key, user: "v" }), profile);
    const feat = parseFeatures("211-Features:\n EPSV\n MDTM\n SIZE\n211 End");
    profile.setFeatures(feat);
    profile.setFeatures(feat);
    profile.learn("listOptions", false, "550 No such file");
    profile.learn("listOptions", false);
    profile.learn("epsv", false, "500 EPSV not understood");
    profile.learn("renames", false, "550 Rename not permitted.");
    profile.learn("renames", false);
    assert.deepEqual(lines, [
      "info Server u@h:21 offers: SIZE, MDTM, EPSV; not: MLSD, MFMT, REST STREAM, hashes",
      "info Server u@h:21 takes no options after LIST (it reads `LIST -a <dir>` as a path): " +
      "listing with LIST <dir> (550 No such file)",
      "info Server u@h:21 refuses EPSV: data connections use PASV (500 EPSV not understood)",
      "warning Server u@h:21 refuses to rename an upload onto a free name: uploads go straight " +
      "to their final name, so a reader may see a partial file while one is sent, and an " +
      "interrupted upload leaves a partial file under the final name until the next pass sends " +
      "it again (550 Rename not permitted.)",
    ]);
    assert.equal(profile.capabilities().renames, false);
    assert.equal(profile.capabilities().mlsd, false);
    assert.equal(profile.capabilities().size, true);
  } finally {
    resetSync();
  }
});

Deno.test("a profile starts over when the server's greeting changes", () => {
  const lines = captureLogs();
  try {
    const profile = new ServerProfiles().get({ host: "h", port: 21, user: "u" });
    profile.greeted("220 (vsFTPd 3.0.3)");
    profile.setFeatures(parseFeatures("211-Features:\n MDTM\n211 End"));
    profile.learn("mdtmWrite", true);
    profile.greeted("220 (vsFTPd 3.0.3)");
    assert.equal(profile.quirk("mdtmWrite"), true, "the same server");
    profile.greeted("220 ProFTPD Server\n220 more");
    assert.equal(profile.features, undefined);
    assert.equal(profile.quirk("mdtmWrite"), undefined);
    assert.match(lines.at(-1) ?? "", /greets differently \("220 ProFTPD Server"\)/);
  } finally {
    resetSync();
  }
});

Deno.test("without FEAT, SIZE and MDTM are tried until a 500 says no", () => {
  const profile = new ServerProfiles().get({ host: "h", port: 21, user: "u" });
  profile.setFeatures(parseFeatures("500 FEAT not understood"));
  assert.equal(profile.capabilities().size, false, "FEAT answered (single line): nothing listed");
  const bare = new ServerProfiles().get({ host: "h", port: 22, user: "u" });
  assert.equal(bare.capabilities().size, true, "nothing known yet");
  bare.learn("size", false);
  assert.equal(bare.capabilities().size, false);
});

Deno.test("a new process logs at info only what changed since the last run (state directory)", async () => {
  const dir = await Deno.makeTempDir();
  const lines = captureLogs();
  try {
    const key = { host: "h", port: 21, user: "u" };
    const feat = parseFeatures("211-Features:\n EPSV\n MDTM\n SIZE\n211 End");
    const first = new ServerProfiles({ stateDir: dir }).get(key);
    first.setFeatures(feat);
    first.learn("listOptions", true);
    assert.equal(lines.length, 2);
    // The next run learns the same: nothing at info; then a change: logged.
    const second = new ServerProfiles({ stateDir: dir }).get(key);
    second.setFeatures(feat);
    second.learn("listOptions", true);
    assert.equal(lines.length, 2);
    second.learn("epsv", false, "500 EPSV not understood");
    assert.equal(lines.length, 3);
    const third = new ServerProfiles({ stateDir: dir }).get(key);
    third.setFeatures(parseFeatures("211-Features:\n EPSV\n MDTM\n SIZE\n MFMT\n211 End"));
    assert.match(lines.at(-1) ?? "", /offers: MFMT, SIZE, MDTM, EPSV/);
    // `check` (quiet): nothing at info.
    const quiet = new ServerProfiles({ quiet: true }).get(key);
    quiet.setFeatures(feat);
    quiet.learn("renames", false);
    assert.equal(lines.length, 4);
  } finally {
    resetSync();
    await Deno.remove(dir, { recursive: true });
  }
});
