/**
 * The one table of parametre.ini keys: INI spelling, section kind, camelCase field, type, default
 * and parser. Nothing else maps INI names to `config/types.ts` fields.
 * @module
 */
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
  parseServerTime,
  parseText,
  type ValueParser,
} from "./value_parsers.ts";

/** `service` = the `[Service]` section, `ftp` = every `[FTPn]` section. */
export type SectionKind = "service" | "ftp";

/** One key of parametre.ini. */
export interface KeySpec {
  /** The INI spelling, used in messages and when a line is inserted (keys match case-insensitively). */
  readonly name: string;
  readonly kind: SectionKind;
  /** The camelCase field of ServiceConfig or SectionConfig. */
  readonly field: string;
  /** A short description of the accepted values, for help and documentation. */
  readonly type: string;
  /**
   * The value used when the key is absent or empty. `undefined` with `required` = an error;
   * `undefined` otherwise = no value, or a default computed by loadConfig (`defaultText` says).
   */
  readonly default: unknown;
  /** The default as the documentation states it. */
  readonly defaultText: string;
  readonly required: boolean;
  /** Turns the trimmed, non-empty value into the field's value, or a message. */
  readonly parse: ValueParser<unknown>;
}

function key(spec: Omit<KeySpec, "required"> & { required?: boolean }): KeySpec {
  return { required: false, ...spec };
}

/** Every key, in documentation order. An empty value (`Key =`) means the same as no line at all. */
export const KEYS: readonly KeySpec[] = [
  key({
    name: "ServiceWait",
    kind: "service",
    field: "serviceWaitMinutes",
    type: "minutes > 0, decimals allowed",
    default: 8,
    defaultText: "8",
    parse: parseMinutes,
  }),
  key({
    name: "ConcurrentSynchronisations",
    kind: "service",
    field: "concurrentSynchronisations",
    type: "whole number >= 1",
    default: 4,
    defaultText: "4",
    parse: parseCount,
  }),
  key({
    name: "BinDirectory",
    kind: "service",
    field: "binDirectory",
    type: "absolute path",
    default: "/bin",
    defaultText: "/bin",
    parse: parseAbsolutePath,
  }),
  key({
    name: "StateDirectory",
    kind: "service",
    field: "stateDirectory",
    type: "absolute path",
    default: undefined,
    defaultText: "$STATE_DIRECTORY (first path) under systemd, else /var/lib/ftp-clone",
    parse: parseAbsolutePath,
  }),
  key({
    name: "LogLevel",
    kind: "service",
    field: "logLevel",
    type: "error | warning | info | debug",
    default: "info",
    defaultText: "info",
    parse: parseLogLevel,
  }),
  key({
    name: "Watch",
    kind: "service",
    field: "watch",
    type: "yes | no",
    default: true,
    defaultText: "yes",
    parse: parseBoolean,
  }),
  key({
    name: "MetricsFile",
    kind: "service",
    field: "metricsFile",
    type: "absolute path ending in .prom",
    default: undefined,
    defaultText: "none",
    parse: parseMetricsFile,
  }),
  key({
    name: "Server",
    kind: "ftp",
    field: "server",
    type: "host name or IP address",
    default: undefined,
    defaultText: "required",
    required: true,
    parse: parseHost,
  }),
  key({
    name: "Type",
    kind: "ftp",
    field: "type",
    type: "ftp | ftps | ftpes",
    default: "ftp",
    defaultText: "ftp",
    parse: parseFtpType,
  }),
  key({
    name: "Port",
    kind: "ftp",
    field: "port",
    type: "1-65535",
    default: undefined,
    defaultText: "21 for ftp and ftpes, 990 for ftps",
    parse: parsePort,
  }),
  key({
    name: "User",
    kind: "ftp",
    field: "user",
    type: "text",
    default: "anonymous",
    defaultText: "anonymous",
    parse: parseText,
  }),
  key({
    name: "Password",
    kind: "ftp",
    field: "password",
    type: "v1:... written by ftp-clone password",
    default: "",
    defaultText: "empty",
    parse: parseText,
  }),
  key({
    name: "ConcurrentConnections",
    kind: "ftp",
    field: "concurrentConnections",
    type: "whole number >= 1",
    default: 8,
    defaultText: "8",
    parse: parseCount,
  }),
  key({
    name: "Remote_dir",
    kind: "ftp",
    field: "remoteDir",
    type: "directory from the FTP login root",
    default: undefined,
    defaultText: "required",
    required: true,
    parse: parseRemoteDir,
  }),
  key({
    name: "Local_dir",
    kind: "ftp",
    field: "localDir",
    type: "absolute path",
    default: undefined,
    defaultText: "required",
    required: true,
    parse: parseLocalDir,
  }),
  key({
    name: "Linux_chown",
    kind: "ftp",
    field: "linuxChown",
    type: "user or user:group",
    default: undefined,
    defaultText: "none",
    parse: parseOwner,
  }),
  key({
    name: "Linux_chmod",
    kind: "ftp",
    field: "linuxChmod",
    type: "chmod(1) modes, comma-separated",
    default: [],
    defaultText: "none",
    parse: parseChmod,
  }),
  key({
    name: "Identifier",
    kind: "ftp",
    field: "identifier",
    type: "40 hex digits, written by ftp-clone",
    default: undefined,
    defaultText: "-",
    parse: parseIdentifier,
  }),
  key({
    name: "TlsVerify",
    kind: "ftp",
    field: "tlsVerify",
    type: "yes | no",
    default: true,
    defaultText: "yes",
    parse: parseBoolean,
  }),
  key({
    name: "TlsFingerprint",
    kind: "ftp",
    field: "tlsFingerprint",
    type: "SHA-256, 64 hex digits, colons optional",
    default: undefined,
    defaultText: "none",
    parse: parseFingerprint,
  }),
  key({
    name: "Direction",
    kind: "ftp",
    field: "direction",
    type: "both | upload | download",
    default: "both",
    defaultText: "both",
    parse: parseDirection,
  }),
  key({
    name: "Exclude",
    kind: "ftp",
    field: "exclude",
    type: "comma-separated gitignore-style patterns",
    default: [],
    defaultText: "none",
    parse: parseList,
  }),
  key({
    name: "MaxDelete",
    kind: "ftp",
    field: "maxDeletePercent",
    type: "percent, 0-100",
    default: 50,
    defaultText: "50",
    parse: parsePercent,
  }),
  key({
    name: "KeepDeleted",
    kind: "ftp",
    field: "keepDeletedDays",
    type: "days >= 0",
    default: 30,
    defaultText: "30",
    parse: parseDays,
  }),
  key({
    name: "ServerTime",
    kind: "ftp",
    field: "serverTime",
    type: "auto | utc | offset such as +05:30",
    default: { mode: "auto" },
    defaultText: "auto",
    parse: parseServerTime,
  }),
  key({
    name: "VerifyEvery",
    kind: "ftp",
    field: "verifyEveryMs",
    type: "duration: 30s, 90m, 12h, 1d (a bare number is hours)",
    default: 86_400_000,
    defaultText: "1d",
    parse: parseDuration,
  }),
];

/** Common names people write for a key, mapped to the key (lower case). */
const ALIASES: Readonly<Record<string, string>> = {
  host: "Server",
  hostname: "Server",
  address: "Server",
  username: "User",
  login: "User",
  pass: "Password",
  passwd: "Password",
  protocol: "Type",
};

/** The key spec for `name` (case-insensitive) in a section of `kind`, if it is one. */
export function findKey(name: string, kind: SectionKind): KeySpec | undefined {
  const lower = name.toLowerCase();
  return KEYS.find((k) => k.kind === kind && k.name.toLowerCase() === lower);
}

/**
 * The known key of `kind` nearest to an unknown `name` (edit distance, case-insensitive), or
 * undefined when none is close enough to be a plausible typo.
 */
export function suggestKey(name: string, kind: SectionKind): string | undefined {
  const lower = name.toLowerCase();
  const alias = ALIASES[lower];
  if (alias !== undefined && KEYS.some((k) => k.kind === kind && k.name === alias)) return alias;
  let best: { name: string; distance: number } | undefined;
  for (const k of KEYS) {
    if (k.kind !== kind) continue;
    const distance = editDistance(lower, k.name.toLowerCase());
    if (best === undefined || distance < best.distance) best = { name: k.name, distance };
  }
  // Up to ~40% of the letters may differ (RemoteDir, Local_directory, Pasword), at least 2.
  const limit = Math.max(2, Math.ceil(name.length * 0.4));
  return best !== undefined && best.distance <= limit ? best.name : undefined;
}

/** Levenshtein distance (insertions, deletions, substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
