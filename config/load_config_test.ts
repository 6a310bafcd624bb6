import assert from "node:assert/strict";
import {
  configFromText,
  type ConfigFromTextOptions,
  formatIssue,
  loadConfig,
  readSectionPassword,
} from "./load_config.ts";
import { encryptPassword, loadSecretKey, secretKeyFromBytes } from "./password_cipher.ts";
import type { Config } from "./types.ts";

const FILE = "/etc/ftp-clone/parametre.ini";
const FTP1 = "[FTP1]\nServer = a.example\nRemote_dir = /www\nLocal_dir = /srv/a\n";

async function load(text: string, options: Partial<ConfigFromTextOptions> = {}): Promise<Config> {
  const result = await configFromText(text, { path: FILE, ...options });
  if (!result.ok) assert.fail(result.errors.map(formatIssue).join("\n"));
  return result.config;
}

/** The formatted errors (or, with `warnings`, the formatted warnings) of `text`. */
async function problems(text: string, kind: "errors" | "warnings" = "errors"): Promise<string[]> {
  const result = await configFromText(text, { path: FILE });
  if (kind === "warnings") {
    return (result.ok ? result.config.warnings : result.warnings).map(formatIssue);
  }
  return result.ok ? [] : result.errors.map(formatIssue);
}

Deno.test("configFromText() applies every default", async () => {
  const config = await load(FTP1);
  assert.deepEqual(config, {
    path: FILE,
    service: {
      serviceWaitMinutes: 8,
      concurrentSynchronisations: 4,
      binDirectory: "/bin",
      stateDirectory: "/var/lib/ftp-clone",
      logLevel: "info",
      watch: true,
    },
    sections: [{
      name: "FTP1",
      line: 1,
      server: "a.example",
      type: "ftp",
      port: 21,
      user: "anonymous",
      password: "",
      concurrentConnections: 8,
      remoteDir: "/www",
      localDir: "/srv/a",
      linuxChmod: [],
      tlsVerify: true,
      direction: "both",
      exclude: [],
      maxDeletePercent: 50,
      keepDeletedDays: 30,
      serverTime: { mode: "auto" },
      verifyEveryMs: 86_400_000,
    }],
    warnings: [],
  });
});

Deno.test("configFromText() reads every key", async () => {
  const text = [
    "[service]",
    "servicewait = 0.1",
    "ConcurrentSynchronisations = 2",
    "BinDirectory = /usr/bin/",
    "StateDirectory = /srv/state",
    "LogLevel = DEBUG",
    "Watch = false",
    "[ftp1]",
    "Server = 127.0.0.1",
    "Type = ftpes",
    "Port = 2121",
    "User = u",
    "Password =",
    "ConcurrentConnections = 3",
    "Remote_dir = www/",
    "Local_dir = /srv/a/",
    "Linux_chown = www-data:www-data",
    "Linux_chmod = u=rwX,g=rX,o=",
    "Identifier = " + "0123456789".repeat(4),
    "TlsVerify = no",
    "TlsFingerprint = " + "AB:".repeat(31) + "AB",
    "Direction = download",
    "Exclude = *.tmp, cache/ ,",
    "MaxDelete = 10",
    "KeepDeleted = 0",
  ].join("\n");
  const config = await load(text);
  assert.deepEqual(config.service, {
    serviceWaitMinutes: 0.1,
    concurrentSynchronisations: 2,
    binDirectory: "/usr/bin",
    stateDirectory: "/srv/state",
    logLevel: "debug",
    watch: false,
  });
  assert.deepEqual(config.sections[0], {
    name: "ftp1",
    line: 8,
    server: "127.0.0.1",
    type: "ftpes",
    port: 2121,
    user: "u",
    password: "",
    concurrentConnections: 3,
    remoteDir: "/www",
    localDir: "/srv/a",
    linuxChown: "www-data:www-data",
    linuxChmod: ["u=rwX,g=rX,o="],
    identifier: "0123456789".repeat(4),
    tlsVerify: false,
    tlsFingerprint: "ab".repeat(32),
    direction: "download",
    exclude: ["*.tmp", "cache/"],
    maxDeletePercent: 10,
    keepDeletedDays: 0,
    serverTime: { mode: "auto" },
    verifyEveryMs: 86_400_000,
  });
});

Deno.test("configFromText() defaults Port by Type", async (t) => {
  const cases: [string, number][] = [["ftp", 21], ["ftpes", 21], ["ftps", 990]];
  for (const [type, port] of cases) {
    await t.step(type, async () => {
      const config = await load(`${FTP1}Type = ${type}\n`);
      assert.equal(config.sections[0]?.port, port);
    });
  }
});

Deno.test("configFromText() picks the state directory", async (t) => {
  const cases: [string, Partial<ConfigFromTextOptions>, string, string][] = [
    ["default", {}, "", "/var/lib/ftp-clone"],
    ["systemd", { env: { STATE_DIRECTORY: "/var/lib/ftp-clone2" } }, "", "/var/lib/ftp-clone2"],
    ["systemd, several", { env: { STATE_DIRECTORY: "/var/lib/a:/var/lib/b" } }, "", "/var/lib/a"],
    ["file beats systemd", { env: { STATE_DIRECTORY: "/var/lib/a" } }, "/srv/st", "/srv/st"],
    ["override beats file", { stateDirOverride: "/tmp/x/" }, "/srv/st", "/tmp/x"],
  ];
  for (const [name, options, inFile, expected] of cases) {
    await t.step(name, async () => {
      const service = inFile === "" ? "" : `[Service]\nStateDirectory = ${inFile}\n`;
      const config = await load(service + FTP1, options);
      assert.equal(config.service.stateDirectory, expected);
    });
  }
  await t.step("relative override", async () => {
    const result = await configFromText(FTP1, { path: FILE, stateDirOverride: "state" });
    assert.deepEqual(result.ok ? [] : result.errors.map(formatIssue), [
      '/etc/ftp-clone/parametre.ini: Cannot use state directory "state" from --state-dir or FTP_CLONE_STATE_DIR: expected an absolute path',
    ]);
  });
});

Deno.test("configFromText() reads the original tool's example file", async () => {
  const text = await Deno.readTextFile(
    new URL("../tests/fixtures/ini/original.ini", import.meta.url),
  );
  const config = await load(text);
  assert.deepEqual(config.warnings, []);
  assert.deepEqual(
    config.sections.map((
      s,
    ) => [s.name, s.line, s.server, s.type, s.port, s.user, s.remoteDir, s.localDir]),
    [
      ["FTP1", 6, "ftp.example.com", "ftp", 21, "user1", "/www", "/home/user1/www"],
      ["FTP2", 19, "ftps.example.org", "ftps", 990, "backup", "/backup", "/srv/backup"],
    ],
  );
  assert.equal(config.sections[0]?.linuxChown, "user1:user1");
  assert.deepEqual(config.sections[0]?.linuxChmod, ["u=rwX,g=rX,o="]);
  assert.equal(config.sections[0]?.identifier, undefined);
});

Deno.test("configFromText() reports every error with file, line, section and key", async (t) => {
  const P = FILE;
  const cases: [string, string, string[]][] = [
    ["missing required keys", "[FTP1]\nType = ftp\n", [
      `${P}:1: [FTP1] Server: Required key is missing`,
      `${P}:1: [FTP1] Remote_dir: Required key is missing`,
      `${P}:1: [FTP1] Local_dir: Required key is missing`,
    ]],
    ["empty required key", FTP1.replace("a.example", ""), [
      `${P}:2: [FTP1] Server: Required key is empty`,
    ]],
    ["bad Type", `${FTP1}Type = sftp\n`, [
      `${P}:5: [FTP1] Type: Invalid value "sftp": expected ftp, ftps (implicit TLS) or ftpes (explicit TLS)`,
    ]],
    ["bad Port", `${FTP1}Port = 70000\n`, [
      `${P}:5: [FTP1] Port: Invalid value "70000": expected a whole number from 1 to 65535`,
    ]],
    ["non-numeric Port", `${FTP1}Port = ftp\n`, [
      `${P}:5: [FTP1] Port: Invalid value "ftp": expected a whole number from 1 to 65535`,
    ]],
    ["ServiceWait 0", `[Service]\nServiceWait = 0\n${FTP1}`, [
      `${P}:2: [Service] ServiceWait: Invalid value "0": expected a number of minutes greater than 0 and at most 35791`,
    ]],
    ["ConcurrentSynchronisations", `[Service]\nConcurrentSynchronisations = x\n${FTP1}`, [
      `${P}:2: [Service] ConcurrentSynchronisations: Invalid value "x": expected a whole number of at least 1`,
    ]],
    ["relative BinDirectory", `[Service]\nBinDirectory = bin\n${FTP1}`, [
      `${P}:2: [Service] BinDirectory: Invalid value "bin": expected an absolute path (starting with "/")`,
    ]],
    ["relative StateDirectory", `[Service]\nStateDirectory = st\n${FTP1}`, [
      `${P}:2: [Service] StateDirectory: Invalid value "st": expected an absolute path (starting with "/")`,
    ]],
    ["bad LogLevel", `[Service]\nLogLevel = verbose\n${FTP1}`, [
      `${P}:2: [Service] LogLevel: Invalid value "verbose": expected error, warning, info or debug`,
    ]],
    ["bad Watch", `[Service]\nWatch = sometimes\n${FTP1}`, [
      `${P}:2: [Service] Watch: Invalid value "sometimes": expected yes or no (true/false and 1/0 are accepted too)`,
    ]],
    ["URL as Server", FTP1.replace("a.example", "ftp://a.example"), [
      `${P}:2: [FTP1] Server: Invalid value "ftp://a.example": expected a host name or IP address, not a URL`,
    ]],
    ["ConcurrentConnections 0", `${FTP1}ConcurrentConnections = 0\n`, [
      `${P}:5: [FTP1] ConcurrentConnections: Invalid value "0": expected a whole number of at least 1`,
    ]],
    ["Remote_dir with ..", FTP1.replace("/www", "/www/../etc"), [
      `${P}:3: [FTP1] Remote_dir: Invalid value "/www/../etc": ".." is not allowed in a path`,
    ]],
    ["relative Local_dir", FTP1.replace("/srv/a", "srv/a"), [
      `${P}:4: [FTP1] Local_dir: Invalid value "srv/a": expected an absolute path (starting with "/")`,
    ]],
    ["root Local_dir", FTP1.replace("/srv/a", "/"), [
      `${P}:4: [FTP1] Local_dir: Invalid value "/": the root directory cannot be synchronised`,
    ]],
    ["bad Linux_chown", `${FTP1}Linux_chown = a:b:c\n`, [
      `${P}:5: [FTP1] Linux_chown: Invalid value "a:b:c": expected user or user:group`,
    ]],
    ["bad Linux_chmod", `${FTP1}Linux_chmod = u=rwX,g=rZ\n`, [
      `${P}:5: [FTP1] Linux_chmod: Invalid value "u=rwX,g=rZ": "g=rZ" is not a chmod(1) mode (expected octal such as 640 or symbolic such as u=rwX,g=rX,o=)`,
    ]],
    ["bad Identifier", `${FTP1}Identifier = 1234\n`, [
      `${P}:5: [FTP1] Identifier: Invalid value "1234": expected 40 hexadecimal digits (written by ftp-clone, not for editing)`,
    ]],
    ["bad TlsVerify", `${FTP1}TlsVerify = maybe\n`, [
      `${P}:5: [FTP1] TlsVerify: Invalid value "maybe": expected yes or no (true/false and 1/0 are accepted too)`,
    ]],
    ["bad TlsFingerprint", `${FTP1}TlsFingerprint = ab:cd\n`, [
      `${P}:5: [FTP1] TlsFingerprint: Invalid value "ab:cd": expected 64 hexadecimal digits (colons allowed): the SHA-256 of the server certificate`,
    ]],
    ["bad Direction", `${FTP1}Direction = sideways\n`, [
      `${P}:5: [FTP1] Direction: Invalid value "sideways": expected both, upload or download`,
    ]],
    ["MaxDelete over 100", `${FTP1}MaxDelete = 150\n`, [
      `${P}:5: [FTP1] MaxDelete: Invalid value "150": expected a percentage from 0 to 100`,
    ]],
    ["negative KeepDeleted", `${FTP1}KeepDeleted = -1\n`, [
      `${P}:5: [FTP1] KeepDeleted: Invalid value "-1": expected a number of days of at least 0`,
    ]],
    ["duplicated key", `${FTP1}Server = b.example\n`, [
      `${P}:5: [FTP1] Server: Duplicate key: already set at line 2`,
    ]],
    ["duplicated section", `${FTP1}[ftp1]\nServer = b\n`, [
      `${P}:5: [ftp1] Duplicate section: [FTP1] is already defined at line 1`,
    ]],
    ["unknown section", `${FTP1}[Notes]\n`, [
      `${P}:5: [Notes] Unknown section: expected [Service] or [FTP<n>]`,
    ]],
    ["mistyped FTP section", `${FTP1}[FPT2]\n[FTP 3]\n[FTP04]\n[FTP0]\n`, [
      `${P}:5: [FPT2] Unknown section: expected [Service] or [FTP<n>]: did you mean [FTP2]?`,
      `${P}:6: [FTP 3] Unknown section: expected [Service] or [FTP<n>]: did you mean [FTP3]?`,
      `${P}:7: [FTP04] Unknown section: expected [Service] or [FTP<n>]: did you mean [FTP4]?`,
      `${P}:8: [FTP0] Unknown section: expected [Service] or [FTP<n>]`,
    ]],
    ["mistyped Service section", `[Services]\n${FTP1}`, [
      `${P}:1: [Services] Unknown section: expected [Service] or [FTP<n>]: did you mean [Service]?`,
    ]],
    ["same Local_dir", `${FTP1}[FTP2]\nServer = b\nRemote_dir = /\nLocal_dir = /srv/a/\n`, [
      `${P}:8: [FTP2] Local_dir: Invalid value "/srv/a": [FTP1] (line 4) already synchronises this directory`,
    ]],
    [
      "Local_dir inside another",
      `${FTP1}[FTP2]\nServer = b\nRemote_dir = /\nLocal_dir = /srv/a/b\n`,
      [
        `${P}:8: [FTP2] Local_dir: Invalid value "/srv/a/b": it is inside the Local_dir of [FTP1] (line 4), "/srv/a"`,
      ],
    ],
    ["Local_dir around another", `${FTP1}[FTP2]\nServer = b\nRemote_dir = /\nLocal_dir = /srv\n`, [
      `${P}:8: [FTP2] Local_dir: Invalid value "/srv": it contains the Local_dir of [FTP1] (line 4), "/srv/a"`,
    ]],
    [
      "similar names are not nested",
      `${FTP1}[FTP2]\nServer = b\nRemote_dir = /\nLocal_dir = /srv/ab\n`,
      [],
    ],
    ["Local_dir holding the state", FTP1.replace("/srv/a", "/var/lib"), [
      `${P}:4: [FTP1] Local_dir: Invalid value "/var/lib": it contains the state directory "/var/lib/ftp-clone"`,
    ]],
    ["Local_dir inside the state", FTP1.replace("/srv/a", "/var/lib/ftp-clone/x"), [
      `${P}:4: [FTP1] Local_dir: Invalid value "/var/lib/ftp-clone/x": it is inside the state directory "/var/lib/ftp-clone"`,
    ]],
    ["syntax errors", `Server = x\n${FTP1}just words\n= v\n[]\n[FTP2\n`, [
      `${P}:1: Server: Cannot use a key outside any section: put it under [Service] or [FTP<n>]`,
      `${P}:6: [FTP1] Cannot parse line: expected "[Section]", "key = value" or a comment`,
      `${P}:7: [FTP1] Cannot parse line: empty key name before "="`,
      `${P}:8: Cannot parse section header: empty section name`,
      `${P}:9: Cannot parse section header: missing "]"`,
    ]],
    // Issue 14: the "=" inside the comment made this an unknown key, and the default was used.
    ["a colon and a comment holding '='", "[Service]\nServiceWait: 0.5 ; minutes (0.5 = 30 s)\n", [
      `${P}:2: [Service] Cannot parse line: expected "[Section]", "key = value" or a comment: did you mean "ServiceWait = 0.5"?`,
    ]],
    ["a colon without a comment", "[Service]\nServiceWait: 0.5\n", [
      `${P}:2: [Service] Cannot parse line: expected "[Section]", "key = value" or a comment: did you mean "ServiceWait = 0.5"?`,
    ]],
    ["a known key with a space", `${FTP1}Max Delete = 10\n`, [
      `${P}:5: [FTP1] MaxDelete: Cannot read "Max Delete = 10": did you mean "MaxDelete = 10"?`,
    ]],
    ["a known key with a colon before '='", "[Service]\nServiceWait: 2 = 3\n", [
      `${P}:2: [Service] ServiceWait: Cannot read "ServiceWait: 2 = 3": did you mean "ServiceWait = 2"?`,
    ]],
  ];
  for (const [name, text, expected] of cases) {
    await t.step(name, async () => assert.deepEqual(await problems(text), expected));
  }
});

Deno.test("configFromText() checks Local_dir overlaps even when [Service] has an error", async () => {
  const text =
    `[Service]\nWatch = x\n${FTP1}[FTP2]\nServer = b\nRemote_dir = /\nLocal_dir = /srv/a\n`;
  assert.deepEqual(await problems(text), [
    `${FILE}:2: [Service] Watch: Invalid value "x": expected yes or no (true/false and 1/0 are accepted too)`,
    `${FILE}:10: [FTP2] Local_dir: Invalid value "/srv/a": [FTP1] (line 6) already synchronises this directory`,
  ]);
});

Deno.test("configFromText() collects every error at once, in line order", async () => {
  const text = "[FTP1]\nPort = 0\nType = x\n[FTP2]\nServer = b\nRemote_dir = /\nLocal_dir = rel\n";
  assert.deepEqual(await problems(text), [
    `${FILE}:1: [FTP1] Server: Required key is missing`,
    `${FILE}:1: [FTP1] Remote_dir: Required key is missing`,
    `${FILE}:1: [FTP1] Local_dir: Required key is missing`,
    `${FILE}:2: [FTP1] Port: Invalid value "0": expected a whole number from 1 to 65535`,
    `${FILE}:3: [FTP1] Type: Invalid value "x": expected ftp, ftps (implicit TLS) or ftpes (explicit TLS)`,
    `${FILE}:7: [FTP2] Local_dir: Invalid value "rel": expected an absolute path (starting with "/")`,
  ]);
});

Deno.test("configFromText() warns and still loads", async (t) => {
  const P = FILE;
  const cases: [string, string, string[]][] = [
    ["unknown key with a suggestion", `${FTP1}RemoteDir = /x\n`, [
      `${P}:5: [FTP1] RemoteDir: Unknown key, ignored: did you mean Remote_dir?`,
    ]],
    ["unknown key without one", `${FTP1}Colour = blue\n`, [
      `${P}:5: [FTP1] Colour: Unknown key, ignored`,
    ]],
    ["Service key in an FTP section", `${FTP1}LogLevel = debug\n`, [
      `${P}:5: [FTP1] LogLevel: Unknown key here, ignored: LogLevel belongs in [Service]`,
    ]],
    ["FTP key in Service", `[Service]\nserver = x\n${FTP1}`, [
      `${P}:2: [Service] server: Unknown key here, ignored: Server belongs in an [FTP<n>] section`,
    ]],
    [
      "numbering gap",
      `${FTP1}[FTP2]\nServer = b\nRemote_dir = /\nLocal_dir = /srv/b\n[FTP4]\nServer = c\nRemote_dir = /\nLocal_dir = /srv/c\n`,
      [
        `${P}:9: [FTP4] Section numbering skips [FTP3]: unlike the original tool, ftp-clone synchronises this section and every later one`,
      ],
    ],
    ["numbering starts late", FTP1.replace("FTP1", "FTP3"), [
      `${P}:1: [FTP3] Section numbering skips [FTP1] to [FTP2]: unlike the original tool, ftp-clone synchronises this section and every later one`,
    ]],
    ["TlsFingerprint without TLS", `${FTP1}TlsFingerprint = ${"0".repeat(64)}\n`, [
      `${P}:5: [FTP1] TlsFingerprint: Ignored with Type = ftp, which does not use TLS: set Type = ftpes or ftps`,
    ]],
    ["no FTP section", "[Service]\n", [
      `${P}: No [FTP<n>] section: there is nothing to synchronise`,
    ]],
  ];
  for (const [name, text, expected] of cases) {
    await t.step(name, async () => {
      const result = await configFromText(text, { path: FILE });
      assert.ok(result.ok);
      assert.deepEqual(result.config.warnings.map(formatIssue), expected);
    });
  }
  await t.step("warnings come back with errors too", async () => {
    assert.deepEqual(await problems(`${FTP1}Colour = blue\nPort = 0\n`, "warnings"), [
      `${P}:5: [FTP1] Colour: Unknown key, ignored`,
    ]);
  });
});

Deno.test("configFromText() sorts sections by number and syncs past a gap", async () => {
  const text = `[FTP10]\nServer = j\nRemote_dir = /\nLocal_dir = /srv/j\n${FTP1}` +
    `[FTP2]\nServer = b\nRemote_dir = /\nLocal_dir = /srv/b\n`;
  const config = await load(text);
  assert.deepEqual(config.sections.map((s) => [s.name, s.line]), [["FTP1", 5], ["FTP2", 9], [
    "FTP10",
    1,
  ]]);
});

Deno.test("configFromText() accepts CRLF, a BOM, tabs and inline comments", async () => {
  const text =
    "\uFEFF[FTP1]\r\n\tServer\t=\ta.example ; main\r\nRemote_dir = www/ ; site\r\nLocal_dir = /srv/a;b";
  const config = await load(text);
  assert.equal(config.sections[0]?.server, "a.example");
  assert.equal(config.sections[0]?.remoteDir, "/www");
  assert.equal(config.sections[0]?.localDir, "/srv/a;b");
});

Deno.test("configFromText() decrypts passwords or says why it cannot", async (t) => {
  const key = await secretKeyFromBytes(new Uint8Array(32).fill(7), "/etc/ftp-clone/secret.key");
  const other = await secretKeyFromBytes(new Uint8Array(32).fill(8), "/etc/ftp-clone/secret.key");
  const stored = await encryptPassword("s3cret", key, { section: "FTP1" });
  const withPassword = (value: string) => `${FTP1}Password = ${value}\n`;
  const again = 'run "ftp-clone password FTP1" again';
  const cases: [string, string, Partial<ConfigFromTextOptions>, string, string | undefined][] = [
    ["decrypts", stored, { secretKey: key }, "s3cret", undefined],
    [
      "no key file",
      stored,
      {},
      "",
      `Cannot decrypt Password: key file "/etc/ftp-clone/secret.key" does not exist; ${again}`,
    ],
    [
      "another key",
      stored,
      { secretKey: other },
      "",
      `Cannot decrypt Password with key file "/etc/ftp-clone/secret.key": the key differs from the one it was written with, the value was altered, or it was written for another section; ${again}`,
    ],
    [
      "malformed key file",
      stored,
      {
        secretKeyError:
          'Cannot use key file "/etc/ftp-clone/secret.key": expected 64 hexadecimal digits (a 256-bit key)',
      },
      "",
      `Cannot decrypt Password: Cannot use key file "/etc/ftp-clone/secret.key": expected 64 hexadecimal digits (a 256-bit key); restore the key file, or delete it and ${again} (for every section)`,
    ],
    [
      "plain text",
      "hunter2",
      { secretKey: key },
      "",
      'Password is not encrypted and was not used: run "ftp-clone password FTP1" to store it encrypted with key file "/etc/ftp-clone/secret.key"',
    ],
    [
      "plain text, no key file",
      "hunter2",
      {},
      "",
      'Password is not encrypted and was not used: run "ftp-clone password FTP1" to store it encrypted with key file "/etc/ftp-clone/secret.key"',
    ],
    [
      "unknown version",
      "v9:abc:def",
      { secretKey: key },
      "",
      `Cannot decrypt Password: unknown encoding "v9" (this version reads "v1"); ${again}`,
    ],
  ];
  cases.push([
    // Issue 14: the original tool's hex encoding got "not encrypted", without file:line.
    "the original tool's hex encoding",
    "421CAB0F17D35E6A",
    { secretKey: key },
    "",
    `The value (16 hexadecimal digits) looks like the original tool's encoding, which ftp-clone does not read: ${again} to store the password encrypted with key file "/etc/ftp-clone/secret.key"`,
  ]);
  for (const [name, value, options, password, error] of cases) {
    await t.step(name, async () => {
      const section = (await load(withPassword(value), options)).sections[0];
      assert.equal(section?.password, password);
      // Every reason names the file and the line of the Password (line 5).
      assert.equal(section?.passwordError, error && `${FILE}:5: Password: ${error}`);
    });
  }
  await t.step("the advice names the command as the user runs it", async () => {
    const config = await load(withPassword("421CAB0F17D35E6A"), { command: "./ftp-clone" });
    assert.match(
      config.sections[0]?.passwordError ?? "",
      /run "\.\/ftp-clone password FTP1" again/,
    );
  });
  await t.step("moved to another section", async () => {
    const text =
      `${FTP1}[FTP2]\nServer = b\nRemote_dir = /\nLocal_dir = /srv/b\nPassword = ${stored}\n`;
    const config = await load(text, { secretKey: key });
    assert.match(
      config.sections[1]?.passwordError ?? "",
      /another section; run "ftp-clone password FTP2" again$/,
    );
  });
  await t.step("never in a message", async () => {
    const config = await load(withPassword(stored), { secretKey: other });
    assert.ok(!JSON.stringify(config.sections[0]?.passwordError).includes("s3cret"));
  });
});

Deno.test("formatIssue() omits the parts an issue does not have", () => {
  assert.equal(
    formatIssue({ file: "/a.ini", line: 3, section: "FTP1", key: "Port", message: "M" }),
    "/a.ini:3: [FTP1] Port: M",
  );
  assert.equal(
    formatIssue({ file: "/a.ini", line: 3, section: "FTP1", message: "M" }),
    "/a.ini:3: [FTP1] M",
  );
  assert.equal(
    formatIssue({ file: "/a.ini", line: 3, key: "Port", message: "M" }),
    "/a.ini:3: Port: M",
  );
  assert.equal(formatIssue({ file: "/a.ini", line: 0, message: "M" }), "/a.ini: M");
});

Deno.test("loadConfig() reads the file and its key file", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/parametre.ini`;
    await t.step("a missing file", async () => {
      assert.deepEqual(await loadConfig(path, { env: {} }), {
        ok: false,
        errors: [{
          file: path,
          line: 0,
          message: "Cannot read configuration file: the file does not exist",
        }],
        warnings: [],
      });
    });
    await t.step("not UTF-8", async () => {
      await Deno.writeFile(path, new Uint8Array([0x5b, 0xff, 0x5d, 0x0a]));
      const result = await loadConfig(path, { env: {} });
      assert.deepEqual(result.ok ? [] : result.errors.map(formatIssue), [
        `${path}: Cannot read configuration file: the file is not valid UTF-8`,
      ]);
    });
    await t.step("a password with its key", async () => {
      const key = await loadSecretKey(path, { create: true });
      assert.ok(key);
      const stored = await encryptPassword("pw", key, { section: "FTP1" });
      await Deno.writeTextFile(path, `\uFEFF${FTP1}Password = ${stored}\n`);
      const result = await loadConfig(path, { env: { STATE_DIRECTORY: "/run/x" } });
      assert.ok(result.ok);
      assert.equal(result.config.path, path);
      assert.equal(result.config.sections[0]?.password, "pw");
      assert.equal(result.config.service.stateDirectory, "/run/x");
    });
    await t.step("a malformed key file", async () => {
      await Deno.writeTextFile(`${dir}/secret.key`, "xyz\n");
      const result = await loadConfig(path, { env: {}, stateDirOverride: "/srv/st" });
      assert.ok(result.ok);
      assert.equal(result.config.service.stateDirectory, "/srv/st");
      assert.equal(
        result.config.sections[0]?.passwordError,
        `${path}:5: Password: Cannot decrypt Password: Cannot use key file "${dir}/secret.key": expected 64 hexadecimal digits (a 256-bit key); restore the key file, or delete it and run "ftp-clone password FTP1" again (for every section)`,
      );
    });
    await t.step("a deleted key file", async () => {
      await Deno.remove(`${dir}/secret.key`);
      const result = await loadConfig(path, { env: {} });
      assert.ok(result.ok);
      assert.equal(
        result.config.sections[0]?.passwordError,
        `${path}:5: Password: Cannot decrypt Password: key file "${dir}/secret.key" does not exist; run "ftp-clone password FTP1" again`,
      );
    });
    await t.step("readSectionPassword() reads the value as the file says now", async () => {
      assert.deepEqual(await readSectionPassword(path, "ftp1"), {
        password: "",
        passwordError:
          `${path}:5: Password: Cannot decrypt Password: key file "${dir}/secret.key" does not exist; run "ftp-clone password FTP1" again`,
      });
      const key = await loadSecretKey(path, { create: true });
      const stored = await encryptPassword("new", key!, { section: "FTP1" });
      await Deno.writeTextFile(path, `${FTP1}Password = ${stored}\n`);
      assert.deepEqual(await readSectionPassword(path, "FTP1"), { password: "new" });
      assert.deepEqual(await readSectionPassword(path, "FTP2"), { password: "" });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
