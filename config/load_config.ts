/**
 * Loads parametre.ini: parse, validate every key against the schema, apply defaults, decrypt
 * passwords. Every problem is collected (never only the first), with its line, section and key.
 *
 * Decisions (see also value_parsers.ts):
 * - An empty value (`Key =`) is the same as no line: the default applies; for a required key it
 *   is an error on that line ("Required key is empty").
 * - Section names match case-insensitively (`[ftp1]` is `[FTP1]`); `[FTP<n>]` needs n >= 1
 *   without leading zeros. Any other section name is an ERROR (a mistyped `[FPT3]` would otherwise
 *   silently never sync); the keys of unknown and duplicated sections are not validated.
 * - A key set twice in one section is an error (which one wins would be a guess).
 * - Two sections with the same Local_dir, or one Local_dir inside another, are errors: both
 *   sections would write the same files, and each would see the other's downloads as local
 *   changes. A Local_dir that contains the state directory, or is inside it, is an error too.
 * - Sections are returned sorted by their number; a numbering gap is a warning and every section
 *   syncs (the original tool stopped at the first gap).
 * - A Password that cannot be used is not a load error: the section gets `password: ""` and a
 *   `passwordError`, the others still run, and `check` reports it.
 * - File-level issues (unreadable file, no `[FTPn]` section) have line 0.
 * @module
 */
import { resolve } from "node:path";
import type { Config, ConfigIssue, SectionConfig, ServiceConfig } from "./types.ts";
import { type IniSection, parseIni } from "./ini_document.ts";
import { editDistance } from "./schema.ts";
import { readSection, type SectionValues } from "./read_section.ts";
import { parseAbsolutePath } from "./value_parsers.ts";
import {
  decryptPassword,
  loadSecretKey,
  PasswordDecryptError,
  type SecretKey,
  SecretKeyError,
  secretKeyPath,
} from "./password_cipher.ts";

/** The outcome of loading: a config, or every error found (and the warnings). */
export type LoadResult =
  | { ok: true; config: Config }
  | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] };

/** Options for `loadConfig`. */
export interface LoadOptions {
  /** Environment (for STATE_DIRECTORY). @default {STATE_DIRECTORY from Deno.env} */
  env?: Record<string, string | undefined>;
  /** From --state-dir / FTP_CLONE_STATE_DIR, already resolved (absolute): wins over StateDirectory. */
  stateDirOverride?: string;
  /** How the user runs ftp-clone, for the advice in messages. @default {"ftp-clone"} */
  command?: string;
}

/** Options for `configFromText`. */
export interface ConfigFromTextOptions {
  /** Absolute path of the file (for messages, Config.path and the key file's name). */
  path: string;
  /** Environment (for STATE_DIRECTORY). @default {{}} */
  env?: Record<string, string | undefined>;
  /** Absolute; wins over StateDirectory. */
  stateDirOverride?: string;
  /** The key to decrypt passwords with; absent = the key file does not exist. */
  secretKey?: SecretKey;
  /** Why the key file exists but cannot be used (a SecretKeyError message). */
  secretKeyError?: string;
  /** How the user runs ftp-clone, for the advice in messages. @default {"ftp-clone"} */
  command?: string;
}

/** Where state lives when neither StateDirectory nor systemd's STATE_DIRECTORY says. */
export const DEFAULT_STATE_DIRECTORY = "/var/lib/ftp-clone";

const FTP_SECTION_REGEXP = /^FTP([1-9][0-9]*)$/i;

/** Reads, validates and defaults the configuration file at `path` (made absolute). */
export async function loadConfig(path: string, options: LoadOptions = {}): Promise<LoadResult> {
  const file = resolve(path);
  let text: string;
  try {
    const bytes = await Deno.readFile(file);
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "the file does not exist"
      : e instanceof TypeError
      ? "the file is not valid UTF-8"
      : e instanceof Error
      ? e.message
      : String(e);
    const message = `Cannot read configuration file: ${why}`;
    return { ok: false, errors: [{ file, line: 0, message }], warnings: [] };
  }
  const env = options.env ?? { STATE_DIRECTORY: Deno.env.get("STATE_DIRECTORY") };
  const fromText: ConfigFromTextOptions = { path: file, env };
  if (options.stateDirOverride !== undefined) fromText.stateDirOverride = options.stateDirOverride;
  if (options.command !== undefined) fromText.command = options.command;
  if (hasPassword(text)) await addSecretKey(fromText);
  return configFromText(text, fromText);
}

/** Reads secret.key beside the file into `options` (or why it cannot be used). */
async function addSecretKey(options: ConfigFromTextOptions): Promise<void> {
  try {
    const key = await loadSecretKey(options.path, { create: false });
    if (key !== undefined) options.secretKey = key;
  } catch (e) {
    if (!(e instanceof SecretKeyError)) throw e;
    options.secretKeyError = e.message;
  }
}

/** What {@linkcode readSectionPassword} found. */
export interface SectionPassword {
  /** The decrypted password; "" when none is set or it cannot be used. */
  password: string;
  /** Why the stored Password cannot be used, with its file and line. */
  passwordError?: string;
}

/**
 * The Password of one section as the file says now (the service reads it before each pass, so a
 * password saved while it runs is used without a reload). Only that value is read.
 * @throws when the file cannot be read
 */
export async function readSectionPassword(
  path: string,
  section: string,
  options: { command?: string } = {},
): Promise<SectionPassword> {
  const file = resolve(path);
  const doc = parseIni(await Deno.readTextFile(file));
  const found = doc.sections.find((s) => s.name.toUpperCase() === section.toUpperCase());
  const entry = found?.entries.find((e) => e.key.toLowerCase() === "password");
  if (found === undefined || entry === undefined || entry.value === "") return { password: "" };
  const fromText: ConfigFromTextOptions = { path: file, ...options };
  await addSecretKey(fromText);
  return usePassword(found.name, entry.value, entry.line, fromText);
}

/** Validates and defaults configuration text; touches no file (decryption is async). */
export async function configFromText(
  text: string,
  options: ConfigFromTextOptions,
): Promise<LoadResult> {
  const file = options.path;
  const doc = parseIni(text);
  const errors: ConfigIssue[] = doc.issues.map((i) => ({ file, ...i }));
  const warnings: ConfigIssue[] = [];
  const issues = { file, errors, warnings };

  let serviceSection: IniSection | undefined;
  const ftp: { number: number; section: IniSection }[] = [];
  const seen = new Map<string, IniSection>();
  for (const section of doc.sections) {
    if (section.name === "") continue; // reported by the parser
    const upper = section.name.toUpperCase();
    const first = seen.get(upper);
    if (first !== undefined) {
      errors.push({
        file,
        line: section.line,
        section: section.name,
        message: `Duplicate section: [${first.name}] is already defined at line ${first.line}`,
      });
      continue;
    }
    seen.set(upper, section);
    const match = FTP_SECTION_REGEXP.exec(section.name);
    if (upper === "SERVICE") serviceSection = section;
    else if (match) ftp.push({ number: Number(match[1]), section });
    else {
      const hint = suggestSection(section.name);
      errors.push({
        file,
        line: section.line,
        section: section.name,
        message: "Unknown section: expected [Service] or [FTP<n>]" +
          (hint === undefined ? "" : `: did you mean [${hint}]?`),
      });
    }
  }

  const serviceValues = readSection(serviceSection, "service", issues);
  const stateDirectory = pickStateDirectory(serviceValues, options, issues);
  const service = buildService(serviceValues, stateDirectory);
  ftp.sort((a, b) => a.number - b.number);
  warnAboutGaps(ftp, issues);
  if (ftp.length === 0) {
    warnings.push({
      file,
      line: 0,
      message: "No [FTP<n>] section: there is nothing to synchronise",
    });
  }
  const read = ftp.map(({ section }) => ({ section, values: readSection(section, "ftp", issues) }));
  const sections: SectionConfig[] = [];
  for (const { section, values } of read) {
    const built = await buildSection(section, values, options);
    if (built !== undefined) sections.push(built);
  }
  checkOverlaps(read, stateDirectory, issues);
  for (const { section, values } of read) warnAboutPlainFtp(section, values, issues);

  if (errors.length > 0 || service === undefined) {
    errors.sort((a, b) => a.line - b.line);
    return { ok: false, errors, warnings };
  }
  warnings.sort((a, b) => a.line - b.line);
  return { ok: true, config: { path: file, service, sections, warnings } };
}

/** Formats an issue as `<file>:<line>: [<section>] <key>: <message>` (parts omitted when absent). */
export function formatIssue(issue: ConfigIssue): string {
  const line = issue.line > 0 ? `:${issue.line}` : "";
  const section = issue.section === undefined ? "" : `[${issue.section}] `;
  const key = issue.key === undefined ? "" : `${issue.key}: `;
  return `${issue.file}${line}: ${section}${key}${issue.message}`;
}

type Issues = { file: string; errors: ConfigIssue[]; warnings: ConfigIssue[] };

function hasPassword(text: string): boolean {
  return parseIni(text).sections.some((s) =>
    s.entries.some((e) => e.key.toLowerCase() === "password" && e.value !== "")
  );
}

function suggestSection(name: string): string | undefined {
  // The regexp below backtracks quadratically on long runs of " _-"; no real typo is that long.
  if (name.length > 64) return undefined;
  const numbered = /^([A-Za-z _-]*?)[ _-]*0*([0-9]+)$/.exec(name);
  if (numbered && editDistance((numbered[1] ?? "").toLowerCase(), "ftp") <= 2) {
    const n = Number(numbered[2]);
    return n >= 1 ? `FTP${n}` : undefined;
  }
  return editDistance(name.toLowerCase(), "service") <= 2 ? "Service" : undefined;
}

function buildService(
  read: SectionValues,
  stateDirectory: string | undefined,
): ServiceConfig | undefined {
  if (!read.complete || stateDirectory === undefined) return undefined;
  // The schema table covers every ServiceConfig field but stateDirectory (schema_test checks it).
  return { ...(read.values as Omit<ServiceConfig, "stateDirectory">), stateDirectory };
}

/** --state-dir, else StateDirectory, else systemd's STATE_DIRECTORY, else the default. */
function pickStateDirectory(
  read: SectionValues,
  options: ConfigFromTextOptions,
  issues: Issues,
): string | undefined {
  if (options.stateDirOverride !== undefined) {
    const override = parseAbsolutePath(options.stateDirOverride);
    if (override.ok) return override.value;
    issues.errors.push({
      file: issues.file,
      line: 0,
      message:
        `Cannot use state directory "${options.stateDirOverride}" from --state-dir or FTP_CLONE_STATE_DIR: expected an absolute path`,
    });
    return undefined;
  }
  const inFile = read.values.stateDirectory;
  if (typeof inFile === "string") return inFile;
  if (read.lines.stateDirectory !== undefined && !read.complete) return undefined; // invalid value
  // systemd's StateDirectory= may list several directories, colon-separated: the first is ours.
  const first = parseAbsolutePath(options.env?.STATE_DIRECTORY?.split(":")[0] ?? "");
  return first.ok ? first.value : DEFAULT_STATE_DIRECTORY;
}

async function buildSection(
  section: IniSection,
  read: SectionValues,
  options: ConfigFromTextOptions,
): Promise<SectionConfig | undefined> {
  if (!read.complete) return undefined;
  const v = read.values;
  const port = typeof v.port === "number" ? v.port : v.type === "ftps" ? 990 : 21;
  const { password, passwordError } = await usePassword(
    section.name,
    v.password,
    read.lines.password ?? section.line,
    options,
  );
  // The schema table covers every SectionConfig field but these (schema_test checks it).
  const base = v as Omit<SectionConfig, "name" | "line" | "port" | "password" | "passwordError">;
  const config: SectionConfig = { ...base, name: section.name, line: section.line, port, password };
  if (passwordError !== undefined) config.passwordError = passwordError;
  return config;
}

/** The original tool's encoding of a Password: hexadecimal digits, two per byte. */
const ORIGINAL_ENCODING_REGEXP = /^(?:[0-9A-Fa-f]{2}){4,}$/;

async function usePassword(
  section: string,
  stored: unknown,
  line: number,
  options: ConfigFromTextOptions,
): Promise<SectionPassword> {
  if (typeof stored !== "string" || stored === "") return { password: "" };
  const keyFile = options.secretKey?.path ?? secretKeyPath(options.path);
  const command = `${options.command ?? "ftp-clone"} password ${section}`;
  const again = `run "${command}" again`;
  // With its file and line: the service logs it at every failing pass, far from the file.
  const fail = (message: string): SectionPassword => ({
    password: "",
    passwordError: formatIssue({ file: options.path, line, key: "Password", message }),
  });
  if (!/^v[0-9]+:/.test(stored)) {
    if (ORIGINAL_ENCODING_REGEXP.test(stored)) {
      return fail(
        `The value (${stored.length} hexadecimal digits) looks like the original tool's ` +
          `encoding, which ftp-clone does not read: ${again} to store the password encrypted ` +
          `with key file "${keyFile}"`,
      );
    }
    return fail(
      `Password is not encrypted and was not used: run "${command}" to store it encrypted with key file "${keyFile}"`,
    );
  }
  if (options.secretKeyError !== undefined) {
    return fail(
      `Cannot decrypt Password: ${options.secretKeyError}; restore the key file, or delete it and ${again} (for every section)`,
    );
  }
  if (options.secretKey === undefined) {
    return fail(`Cannot decrypt Password: key file "${keyFile}" does not exist; ${again}`);
  }
  try {
    return { password: await decryptPassword(stored, options.secretKey, { section }) };
  } catch (e) {
    if (!(e instanceof PasswordDecryptError)) throw e;
    return fail(`${e.message}; ${again}`);
  }
}

function warnAboutGaps(ftp: { number: number; section: IniSection }[], issues: Issues): void {
  let expected = 1;
  for (const { number, section } of ftp) {
    if (number > expected) {
      const skipped = number - 1 === expected
        ? `[FTP${expected}]`
        : `[FTP${expected}] to [FTP${number - 1}]`;
      issues.warnings.push({
        file: issues.file,
        line: section.line,
        section: section.name,
        message:
          `Section numbering skips ${skipped}: unlike the original tool, ftp-clone synchronises this section and every later one`,
      });
    }
    expected = number + 1;
  }
}

/** TLS settings on a plain-FTP section protect nothing: say so rather than let it look safe. */
function warnAboutPlainFtp(section: IniSection, read: SectionValues, issues: Issues): void {
  const line = read.lines.tlsFingerprint;
  if (read.values.type !== "ftp" || read.values.tlsFingerprint === undefined || !line) return;
  issues.warnings.push({
    file: issues.file,
    line,
    section: section.name,
    key: "TlsFingerprint",
    message: "Ignored with Type = ftp, which does not use TLS: set Type = ftpes or ftps",
  });
}

function isInside(inner: string, outer: string): boolean {
  return outer === "/" || inner.startsWith(outer + "/");
}

function checkOverlaps(
  read: { section: IniSection; values: SectionValues }[],
  stateDirectory: string | undefined,
  issues: Issues,
): void {
  const dirs: { name: string; dir: string; line: number }[] = [];
  for (const { section, values } of read) {
    const dir = values.values.localDir;
    const line = values.lines.localDir;
    if (typeof dir !== "string" || line === undefined) continue;
    const problem = (detail: string): void => {
      issues.errors.push({
        file: issues.file,
        line,
        section: section.name,
        key: "Local_dir",
        message: `Invalid value "${dir}": ${detail}`,
      });
    };
    if (stateDirectory === undefined) {
      // StateDirectory itself is in error: that is reported already.
    } else if (dir === stateDirectory || isInside(stateDirectory, dir)) {
      problem(`it contains the state directory "${stateDirectory}"`);
    } else if (isInside(dir, stateDirectory)) {
      problem(`it is inside the state directory "${stateDirectory}"`);
    }
    for (const other of dirs) {
      const where = `[${other.name}] (line ${other.line})`;
      if (dir === other.dir) {
        problem(`${where} already synchronises this directory`);
      } else if (isInside(dir, other.dir)) {
        problem(`it is inside the Local_dir of ${where}, "${other.dir}"`);
      } else if (isInside(other.dir, dir)) {
        problem(`it contains the Local_dir of ${where}, "${other.dir}"`);
      }
    }
    dirs.push({ name: section.name, dir, line });
  }
}
