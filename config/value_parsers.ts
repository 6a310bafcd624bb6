/**
 * Parsers for single parametre.ini values: each turns the trimmed text into a typed value or a
 * message (`Invalid value "x": expected ...`). The schema table wires them to keys.
 * @module
 */
import type { Direction, FtpType, LogLevel, ServerTime } from "./types.ts";

/** A parsed value, or why the text is not one. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** A parser for one key's value (given trimmed, never empty). */
export type ValueParser<T> = (raw: string) => ParseResult<T>;

const WHOLE_REGEXP = /^\d+$/;
const DECIMAL_REGEXP = /^(\d+(\.\d*)?|\.\d+)$/;
const HEX40_REGEXP = /^[0-9a-fA-F]{40}$/;
const HEX64_REGEXP = /^[0-9a-fA-F]{64}$/;
/** A user or group: a name (letters, digits, `_`, `.`, `-`, a trailing `$` for machine accounts) or a numeric id. */
const OWNER_NAME_REGEXP = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/;
/** One chmod(1) octal mode, 0 to 7777. */
const CHMOD_OCTAL_REGEXP = /^[0-7]{1,4}$/;
/** One symbolic chmod(1) clause, as chmod's grammar gives it: `[ugoa]*([-+=]([rwxXst]*|[ugo]))+`. */
const CHMOD_SYMBOLIC_REGEXP = /^[ugoa]*([-+=]([rwxXst]*|[ugo]))+$/;

function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

function invalid<T>(raw: string, expected: string): ParseResult<T> {
  // Control characters are shown as \xNN: a value may hold terminal escape sequences.
  const shown = raw.replace(
    // deno-lint-ignore no-control-regex -- matching control characters is the point
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  return { ok: false, message: `Invalid value "${shown}": ${expected}` };
}

/** Timers hold at most 2^31-1 ms; a longer wait would fire at once: 35791 minutes (~24.8 days). */
export const MAX_SERVICE_WAIT_MINUTES = 35791;

/** Minutes, decimals allowed, greater than 0 and at most MAX_SERVICE_WAIT_MINUTES (ServiceWait). */
export function parseMinutes(raw: string): ParseResult<number> {
  const n = DECIMAL_REGEXP.test(raw) ? Number(raw) : NaN;
  if (n > 0 && n <= MAX_SERVICE_WAIT_MINUTES) return ok(n);
  // `0,5`: a decimal comma, as many locales write it.
  const comma = DECIMAL_REGEXP.test(raw.replace(",", ".")) && raw.includes(",");
  return invalid(
    raw,
    `expected a number of minutes greater than 0 and at most ${MAX_SERVICE_WAIT_MINUTES}` +
      (comma ? ` (decimals take a dot: ${raw.replace(",", ".")})` : ""),
  );
}

/** A whole number of at least 1 (ConcurrentSynchronisations, ConcurrentConnections). */
export function parseCount(raw: string): ParseResult<number> {
  const n = WHOLE_REGEXP.test(raw) ? Number(raw) : NaN;
  return n >= 1 && Number.isSafeInteger(n)
    ? ok(n)
    : invalid(raw, "expected a whole number of at least 1");
}

/** A TCP port, 1 to 65535. */
export function parsePort(raw: string): ParseResult<number> {
  const n = WHOLE_REGEXP.test(raw) ? Number(raw) : NaN;
  return n >= 1 && n <= 65535 ? ok(n) : invalid(raw, "expected a whole number from 1 to 65535");
}

/** A percentage, decimals allowed, 0 to 100 (MaxDelete). */
export function parsePercent(raw: string): ParseResult<number> {
  const n = DECIMAL_REGEXP.test(raw) ? Number(raw) : NaN;
  return n >= 0 && n <= 100 ? ok(n) : invalid(raw, "expected a percentage from 0 to 100");
}

/** Days, decimals allowed, 0 or more (KeepDeleted). */
export function parseDays(raw: string): ParseResult<number> {
  const n = DECIMAL_REGEXP.test(raw) ? Number(raw) : NaN;
  return n >= 0 && Number.isFinite(n)
    ? ok(n)
    : invalid(raw, "expected a number of days of at least 0");
}

/** yes/no; true/false and 1/0 are accepted too, in any case. */
export function parseBoolean(raw: string): ParseResult<boolean> {
  const v = raw.toLowerCase();
  if (v === "yes" || v === "true" || v === "1") return ok(true);
  if (v === "no" || v === "false" || v === "0") return ok(false);
  return invalid(raw, "expected yes or no (true/false and 1/0 are accepted too)");
}

/** error, warning, info or debug, in any case. */
export function parseLogLevel(raw: string): ParseResult<LogLevel> {
  const v = raw.toLowerCase();
  return v === "error" || v === "warning" || v === "info" || v === "debug"
    ? ok(v)
    : invalid(raw, "expected error, warning, info or debug");
}

/** ftp, ftps (implicit TLS) or ftpes (explicit TLS), in any case. */
export function parseFtpType(raw: string): ParseResult<FtpType> {
  const v = raw.toLowerCase();
  return v === "ftp" || v === "ftps" || v === "ftpes"
    ? ok(v)
    : invalid(raw, "expected ftp, ftps (implicit TLS) or ftpes (explicit TLS)");
}

/** both, upload or download, in any case. */
export function parseDirection(raw: string): ParseResult<Direction> {
  const v = raw.toLowerCase();
  return v === "both" || v === "upload" || v === "download"
    ? ok(v)
    : invalid(raw, "expected both, upload or download");
}

/** Any non-empty text (User). */
export function parseText(raw: string): ParseResult<string> {
  return ok(raw);
}

/** A host name or IP address: no scheme, path, user or spaces (Server). */
export function parseHost(raw: string): ParseResult<string> {
  if (raw.includes("://")) return invalid(raw, "expected a host name or IP address, not a URL");
  if (/[\s/@]/.test(raw)) return invalid(raw, "expected a host name or IP address");
  return ok(raw);
}

/**
 * An absolute path, normalised: repeated and trailing `/` and `.` components removed; `..` is
 * refused (BinDirectory, StateDirectory).
 */
export function parseAbsolutePath(raw: string): ParseResult<string> {
  if (!raw.startsWith("/")) return invalid(raw, 'expected an absolute path (starting with "/")');
  const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) return invalid(raw, '".." is not allowed in a path');
  return ok("/" + parts.join("/"));
}

/**
 * MetricsFile: an absolute path ending in `.prom`, the only files node_exporter's textfile
 * collector reads.
 */
export function parseMetricsFile(raw: string): ParseResult<string> {
  const path = parseAbsolutePath(raw);
  if (!path.ok) return path;
  if (!path.value.endsWith(".prom") || path.value.endsWith("/.prom")) {
    return invalid(raw, 'expected a file name ending in ".prom" (node_exporter reads only those)');
  }
  return path;
}

/** Local_dir: an absolute path (see parseAbsolutePath) other than the root directory. */
export function parseLocalDir(raw: string): ParseResult<string> {
  const path = parseAbsolutePath(raw);
  if (path.ok && path.value === "/") {
    return invalid(raw, "the root directory cannot be synchronised");
  }
  return path;
}

/**
 * Remote_dir, a directory from the FTP login root: `www`, `/www` and `/www/` are all `/www`;
 * repeated `/` and `.` components are removed; `..` is refused; `/` is the login root itself.
 * Two leading slashes, `//var/www`, mean a path from the server's root (kept as `//var/www`).
 */
export function parseRemoteDir(raw: string): ParseResult<string> {
  const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) return invalid(raw, '".." is not allowed in a path');
  return ok((raw.startsWith("//") ? "//" : "/") + parts.join("/"));
}

/** ServerTime: `auto`, `utc`, or a fixed offset from UTC such as `+05:30` or `-04:00`. */
export function parseServerTime(raw: string): ParseResult<ServerTime> {
  const lower = raw.toLowerCase();
  if (lower === "auto") return ok({ mode: "auto" });
  if (lower === "utc") return ok({ mode: "fixed", offsetMinutes: 0 });
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(raw);
  const hours = Number(match?.[2]);
  const minutes = Number(match?.[3]);
  // Real zones run from -12:00 to +14:00, in steps of a quarter hour.
  if (match === null || minutes % 15 !== 0 || minutes > 45 || hours * 60 + minutes > 14 * 60) {
    return invalid(raw, "expected auto, utc, or an offset from UTC such as +05:30 or -04:00");
  }
  return ok({
    mode: "fixed",
    offsetMinutes: (match[1] === "-" ? -1 : 1) * (hours * 60 + minutes),
  });
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * VerifyEvery: a duration with a unit, `30s`, `90m`, `12h`, `1d` (decimals allowed); a bare number
 * is hours. At least one second and at most 365 days. The value is in milliseconds.
 */
export function parseDuration(raw: string): ParseResult<number> {
  const match = /^(\d+(?:\.\d*)?|\.\d+)\s*([smhd]?)$/i.exec(raw);
  const unit = DURATION_UNITS_MS[(match?.[2] || "h").toLowerCase()] ?? NaN;
  const ms = match === null ? NaN : Math.round(Number(match[1]) * unit);
  return ms >= 1000 && ms <= 365 * 86_400_000 ? ok(ms) : invalid(
    raw,
    "expected a duration such as 30s, 90m, 12h or 1d (a bare number is hours), from 1 s to 365 d",
  );
}

/** Linux_chown: `user` or `user:group` (names or numeric ids). */
export function parseOwner(raw: string): ParseResult<string> {
  const parts = raw.split(":");
  const good = parts.length <= 2 && parts.every((p) => OWNER_NAME_REGEXP.test(p));
  return good ? ok(raw) : invalid(raw, "expected user or user:group");
}

/**
 * Linux_chmod: chmod(1) modes, comma-separated, applied in order. Symbolic clauses
 * (`u=rwX,g=rX,o=`) are kept together as ONE chmod argument, exactly as chmod(1) itself applies
 * comma-separated clauses in order; an octal mode (0-7777) stands alone. So `u=rwX,g=rX,o=` gives
 * `["u=rwX,g=rX,o="]` and `640,u+x` gives `["640", "u+x"]`: applying the elements one after the
 * other, or the whole value in one chmod call when it is symbolic, gives the same result.
 */
export function parseChmod(raw: string): ParseResult<string[]> {
  const clauses = raw.split(",").map((c) => c.trim());
  const modes: string[] = [];
  let symbolic: string[] = [];
  for (const clause of clauses) {
    if (CHMOD_OCTAL_REGEXP.test(clause)) {
      if (symbolic.length > 0) modes.push(symbolic.join(","));
      symbolic = [];
      modes.push(clause);
    } else if (CHMOD_SYMBOLIC_REGEXP.test(clause)) {
      symbolic.push(clause);
    } else {
      return invalid(
        raw,
        `"${clause}" is not a chmod(1) mode (expected octal such as 640 or symbolic such as u=rwX,g=rX,o=)`,
      );
    }
  }
  if (symbolic.length > 0) modes.push(symbolic.join(","));
  return ok(modes);
}

/** Identifier: 40 hex digits, lower-cased. */
export function parseIdentifier(raw: string): ParseResult<string> {
  return HEX40_REGEXP.test(raw)
    ? ok(raw.toLowerCase())
    : invalid(raw, "expected 40 hexadecimal digits (written by ftp-clone, not for editing)");
}

/** TlsFingerprint: SHA-256 as 64 hex digits, colons optional; lower-cased without colons. */
export function parseFingerprint(raw: string): ParseResult<string> {
  const hex = raw.replaceAll(":", "");
  return HEX64_REGEXP.test(hex) ? ok(hex.toLowerCase()) : invalid(
    raw,
    "expected 64 hexadecimal digits (colons allowed): the SHA-256 of the server certificate",
  );
}

/** Exclude: comma-separated patterns, each trimmed, empty ones dropped. */
export function parseList(raw: string): ParseResult<string[]> {
  return ok(raw.split(",").map((p) => p.trim()).filter((p) => p !== ""));
}
