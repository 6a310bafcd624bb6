import assert from "node:assert/strict";
import {
  parseAbsolutePath,
  parseBoolean,
  parseChmod,
  parseCount,
  parseDays,
  parseDirection,
  parseDuration,
  parseFingerprint,
  parseFtpType,
  parseHost,
  parseIdentifier,
  parseList,
  parseLocalDir,
  parseLogLevel,
  parseMetricsFile,
  parseMinutes,
  parseOwner,
  parsePercent,
  parsePort,
  parseRemoteDir,
  type ParseResult,
  parseServerTime,
} from "./value_parsers.ts";

type Row = [string, (raw: string) => ParseResult<unknown>, string, unknown];

/** [name, parser, input, expected value or the exact message]. */
const ROWS: Row[] = [
  ["minutes", parseMinutes, "8", 8],
  ["minutes", parseMinutes, "0.1", 0.1],
  ["minutes", parseMinutes, ".5", 0.5],
  ["minutes", parseMinutes, "35791", 35791],
  [
    "minutes",
    parseMinutes,
    "0,5",
    'Invalid value "0,5": expected a number of minutes greater than 0 and at most 35791 (decimals take a dot: 0.5)',
  ],
  [
    "minutes",
    parseMinutes,
    "35792",
    'Invalid value "35792": expected a number of minutes greater than 0 and at most 35791',
  ],
  [
    "minutes",
    parseMinutes,
    "0",
    'Invalid value "0": expected a number of minutes greater than 0 and at most 35791',
  ],
  [
    "minutes",
    parseMinutes,
    "-1",
    'Invalid value "-1": expected a number of minutes greater than 0 and at most 35791',
  ],
  [
    "minutes",
    parseMinutes,
    "8m",
    'Invalid value "8m": expected a number of minutes greater than 0 and at most 35791',
  ],
  ["count", parseCount, "1", 1],
  ["count", parseCount, "0", 'Invalid value "0": expected a whole number of at least 1'],
  ["count", parseCount, "2.5", 'Invalid value "2.5": expected a whole number of at least 1'],
  ["count", parseCount, "four", 'Invalid value "four": expected a whole number of at least 1'],
  ["port", parsePort, "21", 21],
  ["port", parsePort, "65535", 65535],
  ["port", parsePort, "0", 'Invalid value "0": expected a whole number from 1 to 65535'],
  ["port", parsePort, "65536", 'Invalid value "65536": expected a whole number from 1 to 65535'],
  ["port", parsePort, "ftp", 'Invalid value "ftp": expected a whole number from 1 to 65535'],
  ["percent", parsePercent, "0", 0],
  ["percent", parsePercent, "100", 100],
  ["percent", parsePercent, "12.5", 12.5],
  ["percent", parsePercent, "101", 'Invalid value "101": expected a percentage from 0 to 100'],
  ["percent", parsePercent, "50%", 'Invalid value "50%": expected a percentage from 0 to 100'],
  ["days", parseDays, "0", 0],
  ["days", parseDays, "1.5", 1.5],
  ["days", parseDays, "-1", 'Invalid value "-1": expected a number of days of at least 0'],
  ["boolean", parseBoolean, "yes", true],
  ["boolean", parseBoolean, "YES", true],
  ["boolean", parseBoolean, "true", true],
  ["boolean", parseBoolean, "1", true],
  ["boolean", parseBoolean, "no", false],
  ["boolean", parseBoolean, "False", false],
  ["boolean", parseBoolean, "0", false],
  [
    "boolean",
    parseBoolean,
    "on",
    'Invalid value "on": expected yes or no (true/false and 1/0 are accepted too)',
  ],
  ["log level", parseLogLevel, "Debug", "debug"],
  [
    "log level",
    parseLogLevel,
    "verbose",
    'Invalid value "verbose": expected error, warning, info or debug',
  ],
  ["type", parseFtpType, "FTPES", "ftpes"],
  [
    "type",
    parseFtpType,
    "sftp",
    'Invalid value "sftp": expected ftp, ftps (implicit TLS) or ftpes (explicit TLS)',
  ],
  ["direction", parseDirection, "Upload", "upload"],
  ["direction", parseDirection, "up", 'Invalid value "up": expected both, upload or download'],
  ["host", parseHost, "ftp.example.com", "ftp.example.com"],
  ["host", parseHost, "127.0.0.1", "127.0.0.1"],
  ["host", parseHost, "::1", "::1"],
  [
    "host",
    parseHost,
    "ftp://a.example",
    'Invalid value "ftp://a.example": expected a host name or IP address, not a URL',
  ],
  ["host", parseHost, "a b", 'Invalid value "a b": expected a host name or IP address'],
  ["absolute path", parseAbsolutePath, "/usr//bin/", "/usr/bin"],
  ["absolute path", parseAbsolutePath, "/", "/"],
  [
    "absolute path",
    parseAbsolutePath,
    "bin",
    'Invalid value "bin": expected an absolute path (starting with "/")',
  ],
  [
    "metrics file",
    parseMetricsFile,
    "/var/lib/node//ftp-clone.prom",
    "/var/lib/node/ftp-clone.prom",
  ],
  [
    "metrics file",
    parseMetricsFile,
    "/var/lib/node/ftp-clone.txt",
    'Invalid value "/var/lib/node/ftp-clone.txt": expected a file name ending in ".prom" (node_exporter reads only those)',
  ],
  [
    "metrics file",
    parseMetricsFile,
    "metrics.prom",
    'Invalid value "metrics.prom": expected an absolute path (starting with "/")',
  ],
  ["local dir", parseLocalDir, "/srv/a/./b/", "/srv/a/b"],
  [
    "local dir",
    parseLocalDir,
    "srv/a",
    'Invalid value "srv/a": expected an absolute path (starting with "/")',
  ],
  [
    "local dir",
    parseLocalDir,
    "~/www",
    'Invalid value "~/www": expected an absolute path (starting with "/")',
  ],
  [
    "local dir",
    parseLocalDir,
    "//",
    'Invalid value "//": the root directory cannot be synchronised',
  ],
  [
    "local dir",
    parseLocalDir,
    "/srv/../etc",
    'Invalid value "/srv/../etc": ".." is not allowed in a path',
  ],
  ["remote dir", parseRemoteDir, "www", "/www"],
  ["remote dir", parseRemoteDir, "/www/", "/www"],
  ["remote dir", parseRemoteDir, "/", "/"],
  ["remote dir", parseRemoteDir, "a//b/./c", "/a/b/c"],
  ["remote dir", parseRemoteDir, "//var/www/", "//var/www"],
  ["remote dir", parseRemoteDir, "///var//www", "//var/www"],
  ["remote dir", parseRemoteDir, "//", "//"],
  ["remote dir", parseRemoteDir, "../x", 'Invalid value "../x": ".." is not allowed in a path'],
  ["owner", parseOwner, "user1", "user1"],
  ["owner", parseOwner, "user1:www-data", "user1:www-data"],
  ["owner", parseOwner, "1000:1000", "1000:1000"],
  ["owner", parseOwner, "a b", 'Invalid value "a b": expected user or user:group'],
  ["owner", parseOwner, "a:b:c", 'Invalid value "a:b:c": expected user or user:group'],
  ["chmod", parseChmod, "u=rwX,g=rX,o=", ["u=rwX,g=rX,o="]],
  ["chmod", parseChmod, "640", ["640"]],
  ["chmod", parseChmod, "0640,u+x", ["0640", "u+x"]],
  ["chmod", parseChmod, "u+x, 600 ,go-w,a+r", ["u+x", "600", "go-w,a+r"]],
  ["chmod", parseChmod, "g=u", ["g=u"]],
  [
    "chmod",
    parseChmod,
    "u=rwq",
    'Invalid value "u=rwq": "u=rwq" is not a chmod(1) mode (expected octal such as 640 or symbolic such as u=rwX,g=rX,o=)',
  ],
  [
    "chmod",
    parseChmod,
    "8888",
    'Invalid value "8888": "8888" is not a chmod(1) mode (expected octal such as 640 or symbolic such as u=rwX,g=rX,o=)',
  ],
  ["identifier", parseIdentifier, "A".repeat(40), "a".repeat(40)],
  [
    "identifier",
    parseIdentifier,
    "abc",
    'Invalid value "abc": expected 40 hexadecimal digits (written by ftp-clone, not for editing)',
  ],
  ["fingerprint", parseFingerprint, "AB:".repeat(31) + "AB", "ab".repeat(32)],
  ["fingerprint", parseFingerprint, "0".repeat(64), "0".repeat(64)],
  [
    "fingerprint",
    parseFingerprint,
    "ab:cd",
    'Invalid value "ab:cd": expected 64 hexadecimal digits (colons allowed): the SHA-256 of the server certificate',
  ],
  ["list", parseList, " *.tmp , ,cache/,", ["*.tmp", "cache/"]],
];

Deno.test("value parsers accept, normalise and reject values", async (t) => {
  for (const [name, parse, raw, expected] of ROWS) {
    await t.step(`${name} ${JSON.stringify(raw)}`, () => {
      const result = parse(raw);
      if (typeof expected === "string" && expected.startsWith("Invalid value")) {
        assert.deepEqual(result, { ok: false, message: expected });
      } else {
        assert.deepEqual(result, { ok: true, value: expected });
      }
    });
  }
});

Deno.test("ServerTime: auto, utc and quarter-hour offsets up to +14:00", () => {
  assert.deepEqual(parseServerTime("auto"), { ok: true, value: { mode: "auto" } });
  assert.deepEqual(parseServerTime("UTC"), {
    ok: true,
    value: { mode: "fixed", offsetMinutes: 0 },
  });
  assert.deepEqual(parseServerTime("+05:30"), {
    ok: true,
    value: { mode: "fixed", offsetMinutes: 330 },
  });
  assert.deepEqual(parseServerTime("-04:00"), {
    ok: true,
    value: { mode: "fixed", offsetMinutes: -240 },
  });
  for (const bad of ["+5:30", "+05:20", "+14:15", "local", "05:30"]) {
    assert.equal(parseServerTime(bad).ok, false, bad);
  }
});

Deno.test("VerifyEvery: a duration with a unit, a bare number is hours", () => {
  assert.deepEqual(parseDuration("1d"), { ok: true, value: 86_400_000 });
  assert.deepEqual(parseDuration("24"), { ok: true, value: 86_400_000 });
  assert.deepEqual(parseDuration("90m"), { ok: true, value: 5_400_000 });
  assert.deepEqual(parseDuration("30s"), { ok: true, value: 30_000 });
  assert.deepEqual(parseDuration("0.5h"), { ok: true, value: 1_800_000 });
  for (const bad of ["0s", "0.5s", "1w", "366d", "-1h", "h"]) {
    assert.equal(parseDuration(bad).ok, false, bad);
  }
});
