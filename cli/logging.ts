/**
 * Log lines to stderr through `@logtape/logtape`. The engine calls
 * `getLogger(["ftp-clone", sectionName, ...])` from `@logtape/logtape` directly; this module only
 * decides where those lines go and what they look like:
 *
 * - under systemd (env `JOURNAL_STREAM` set), `<6>[FTP1] message`: the sd-daemon priority prefix
 *   on every line (journald reads it as the PRIORITY) and no timestamp, since the journal adds its
 *   own;
 * - elsewhere, `2026-01-02T03:04:05.678Z warning [FTP1] message`.
 *
 * A line names its section when the logger's category holds an `FTPn` element or the record has
 * a string `section` property.
 * @module
 */
import { configureSync, type LogRecord, resetSync } from "@logtape/logtape";
import type { LogLevel } from "../config/mod.ts";
import type { GatedRecord } from "../sync/mod.ts";

/** The root category of every ftp-clone logger. */
export const LOG_CATEGORY = "ftp-clone";

/** Options of {@linkcode configureLogging}. */
export interface LoggingOptions {
  /** Lowest level written. */
  level: LogLevel;
  /** Write sd-daemon priority prefixes and no timestamps (stderr is the journal). */
  journal: boolean;
  /** Where each formatted line goes (with its trailing newline). */
  write: (text: string) => void;
  /**
   * Sees each record before it is written: returns the message to write (possibly with a
   * suffix), or undefined to drop it. The service holds back repeated errors this way.
   */
  gate?: (record: GatedRecord) => string | undefined;
}

/** sd-daemon priorities (sd-daemon(3)): what journald stores as PRIORITY. */
const JOURNAL_PRIORITY: Record<LogRecord["level"], number> = {
  fatal: 2,
  error: 3,
  warning: 4,
  info: 6,
  debug: 7,
  trace: 7,
};

/** Our level names, which are also the LogLevel values of parametre.ini. */
const LEVEL_NAME: Record<LogRecord["level"], string> = {
  fatal: "fatal",
  error: "error",
  warning: "warning",
  info: "info",
  debug: "debug",
  trace: "trace",
};

const SECTION_REGEXP = /^FTP\d+$/i;

/** The section a record is about, or undefined. */
function sectionOf(record: LogRecord): string | undefined {
  const property = record.properties["section"];
  if (typeof property === "string" && property !== "") return property;
  return record.category.slice(1).find((part) => SECTION_REGEXP.test(part));
}

/** One interpolated value as text: strings raw, errors as their message chain, others inspected. */
function renderValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) {
    let text = value.message;
    let cause = value.cause;
    // Causes carry the useful detail (the server's reply, the errno); stacks are for bugs only.
    for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
      text += `: ${cause.message}`;
      cause = cause.cause;
    }
    return text;
  }
  return Deno.inspect(value, { colors: false, compact: true, breakLength: Infinity });
}

/** The message of a record: logtape alternates literal text and interpolated values. */
function renderMessage(record: LogRecord): string {
  let text = "";
  record.message.forEach((part, index) => {
    text += index % 2 === 0 ? String(part) : renderValue(part);
  });
  return text;
}

/**
 * Formats a record as one or more lines, each with its own prefix: journald gives a line with no
 * prefix of its own priority 6, so a continuation line must repeat it.
 */
export function formatLogRecord(
  record: LogRecord,
  journal: boolean,
  message: string = renderMessage(record),
): string {
  const section = sectionOf(record);
  const sectionTag = section === undefined ? "" : `[${section}] `;
  const prefix = journal
    ? `<${JOURNAL_PRIORITY[record.level]}>`
    : `${new Date(record.timestamp).toISOString()} ${LEVEL_NAME[record.level]} `;
  return message
    .split(/\r?\n/)
    .map((line) => `${prefix}${sectionTag}${line}\n`)
    .join("");
}

/** Routes every ftp-clone logger to `options.write` from `options.level` up; replaces any setup. */
export function configureLogging(options: LoggingOptions): void {
  const sink = (record: LogRecord): void => {
    let message: string | undefined = renderMessage(record);
    if (options.gate !== undefined) {
      message = options.gate({ level: record.level, section: sectionOf(record), message });
      if (message === undefined) return;
    }
    options.write(formatLogRecord(record, options.journal, message));
  };
  configureSync({
    reset: true,
    sinks: { stderr: sink },
    loggers: [
      { category: [LOG_CATEGORY], sinks: ["stderr"], lowestLevel: options.level },
      // logtape's own messages: only its warnings matter (e.g. a sink that threw).
      { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
    ],
  });
}

/** Undoes {@linkcode configureLogging}: loggers go silent again. */
export function resetLogging(): void {
  resetSync();
}
