import assert from "node:assert/strict";
import type { SectionConfig, ServiceConfig } from "./types.ts";
import { editDistance, findKey, KEYS, suggestKey } from "./schema.ts";

// Record<keyof ...> makes this list fail to compile when types.ts gains or loses a field.
const SERVICE_FIELDS: Record<keyof ServiceConfig, true> = {
  serviceWaitMinutes: true,
  concurrentSynchronisations: true,
  binDirectory: true,
  stateDirectory: true,
  logLevel: true,
  watch: true,
  metricsFile: true,
};
const SECTION_FIELDS: Record<keyof SectionConfig, true> = {
  name: true,
  line: true,
  server: true,
  type: true,
  port: true,
  user: true,
  password: true,
  passwordError: true,
  concurrentConnections: true,
  remoteDir: true,
  localDir: true,
  linuxChown: true,
  linuxChmod: true,
  identifier: true,
  tlsVerify: true,
  tlsFingerprint: true,
  direction: true,
  exclude: true,
  maxDeletePercent: true,
  keepDeletedDays: true,
  serverTime: true,
  verifyEveryMs: true,
};

Deno.test("KEYS maps every config field exactly once", () => {
  const service = KEYS.filter((k) => k.kind === "service").map((k) => k.field).sort();
  assert.deepEqual(service, Object.keys(SERVICE_FIELDS).sort());
  const notFromIni = ["name", "line", "passwordError"];
  const ftp = KEYS.filter((k) => k.kind === "ftp").map((k) => k.field).sort();
  assert.deepEqual(ftp, Object.keys(SECTION_FIELDS).filter((f) => !notFromIni.includes(f)).sort());
});

Deno.test("KEYS spells every INI key as the original tool and the issue do", () => {
  assert.deepEqual(KEYS.map((k) => `${k.kind}:${k.name}`), [
    "service:ServiceWait",
    "service:ConcurrentSynchronisations",
    "service:BinDirectory",
    "service:StateDirectory",
    "service:LogLevel",
    "service:Watch",
    "service:MetricsFile",
    "ftp:Server",
    "ftp:Type",
    "ftp:Port",
    "ftp:User",
    "ftp:Password",
    "ftp:ConcurrentConnections",
    "ftp:Remote_dir",
    "ftp:Local_dir",
    "ftp:Linux_chown",
    "ftp:Linux_chmod",
    "ftp:Identifier",
    "ftp:TlsVerify",
    "ftp:TlsFingerprint",
    "ftp:Direction",
    "ftp:Exclude",
    "ftp:MaxDelete",
    "ftp:KeepDeleted",
    "ftp:ServerTime",
    "ftp:VerifyEvery",
  ]);
});

Deno.test("KEYS holds the documented defaults", async (t) => {
  const expected: [string, unknown, boolean][] = [
    ["ServiceWait", 8, false],
    ["ConcurrentSynchronisations", 4, false],
    ["BinDirectory", "/bin", false],
    ["StateDirectory", undefined, false], // computed: STATE_DIRECTORY or /var/lib/ftp-clone
    ["LogLevel", "info", false],
    ["Watch", true, false],
    ["MetricsFile", undefined, false],
    ["Server", undefined, true],
    ["Type", "ftp", false],
    ["Port", undefined, false], // computed: 21, or 990 for ftps
    ["User", "anonymous", false],
    ["Password", "", false],
    ["ConcurrentConnections", 8, false],
    ["Remote_dir", undefined, true],
    ["Local_dir", undefined, true],
    ["Linux_chown", undefined, false],
    ["Linux_chmod", [], false],
    ["Identifier", undefined, false],
    ["TlsVerify", true, false],
    ["TlsFingerprint", undefined, false],
    ["Direction", "both", false],
    ["Exclude", [], false],
    ["MaxDelete", 50, false],
    ["KeepDeleted", 30, false],
    ["ServerTime", { mode: "auto" }, false],
    ["VerifyEvery", 86_400_000, false],
  ];
  for (const [name, value, required] of expected) {
    await t.step(name, () => {
      const spec = KEYS.find((k) => k.name === name);
      assert.ok(spec);
      assert.deepEqual(spec.default, value);
      assert.equal(spec.required, required);
    });
  }
});

Deno.test("findKey() matches case-insensitively within a section kind", () => {
  assert.equal(findKey("remote_DIR", "ftp")?.field, "remoteDir");
  assert.equal(findKey("LogLevel", "ftp"), undefined);
  assert.equal(findKey("loglevel", "service")?.name, "LogLevel");
});

Deno.test("suggestKey() names the nearest known key", async (t) => {
  const cases: [string, "service" | "ftp", string | undefined][] = [
    ["RemoteDir", "ftp", "Remote_dir"],
    ["remote_dri", "ftp", "Remote_dir"],
    ["Local_directory", "ftp", "Local_dir"],
    ["Pasword", "ftp", "Password"],
    ["Host", "ftp", "Server"],
    ["Username", "ftp", "User"],
    ["Servicewiat", "service", "ServiceWait"],
    ["Loglevle", "service", "LogLevel"],
    ["Colour", "ftp", undefined],
    ["Something_entirely_different", "service", undefined],
  ];
  for (const [name, kind, expected] of cases) {
    await t.step(name, () => assert.equal(suggestKey(name, kind), expected));
  }
});

Deno.test("editDistance() counts single-character edits", () => {
  assert.equal(editDistance("", ""), 0);
  assert.equal(editDistance("abc", ""), 3);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("remotedir", "remote_dir"), 1);
});
