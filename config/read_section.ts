/**
 * Reads one section's lines against the schema: parsed values with defaults applied, the line of
 * each key, and every problem pushed to the shared error and warning lists. Internal to config/.
 * @module
 */
import type { ConfigIssue } from "./types.ts";
import type { IniSection } from "./ini_document.ts";
import { findKey, KEYS, type SectionKind, suggestKey } from "./schema.ts";

/** What one section says, by camelCase field. */
export interface SectionValues {
  /** Parsed values with static defaults applied; computed defaults are left to the caller. */
  values: Record<string, unknown>;
  /** The 1-based line of each key that was set. */
  lines: Record<string, number>;
  /** False when any key of this section had an error (then do not build a config from it). */
  complete: boolean;
}

/** Reads `section` (undefined = absent: every default) as a section of `kind`. */
export function readSection(
  section: IniSection | undefined,
  kind: SectionKind,
  issues: { file: string; errors: ConfigIssue[]; warnings: ConfigIssue[] },
): SectionValues {
  const out: SectionValues = { values: {}, lines: {}, complete: true };
  const here = section === undefined ? undefined : { section: section.name };
  const error = (line: number, key: string, message: string): void => {
    issues.errors.push({
      file: issues.file,
      line,
      ...(here && { section: here.section }),
      key,
      message,
    });
    out.complete = false;
  };
  for (const entry of section?.entries ?? []) {
    const spec = findKey(entry.key, kind);
    if (spec === undefined) {
      const meant = misspeltKey(entry.key, entry.value, kind);
      if (meant !== undefined) {
        // A known key written `Key: value` or `Service Wait`: its value would silently be the
        // default, so it is an error, not an unknown-key warning.
        error(
          entry.line,
          meant.name,
          `Cannot read "${entry.key} = ${entry.value}": did you mean ` +
            `"${meant.name} = ${meant.value}"?`,
        );
        continue;
      }
      issues.warnings.push({
        file: issues.file,
        line: entry.line,
        ...(here && { section: here.section }),
        key: entry.key,
        message: unknownKeyMessage(entry.key, kind),
      });
      continue;
    }
    const firstLine = out.lines[spec.field];
    if (firstLine !== undefined) {
      error(entry.line, spec.name, `Duplicate key: already set at line ${firstLine}`);
      continue;
    }
    out.lines[spec.field] = entry.line;
    if (entry.value === "") {
      if (spec.required) error(entry.line, spec.name, "Required key is empty");
      continue;
    }
    const parsed = spec.parse(entry.value);
    if (parsed.ok) out.values[spec.field] = parsed.value;
    else error(entry.line, spec.name, parsed.message);
  }
  for (const spec of KEYS) {
    if (spec.kind !== kind || spec.field in out.values) continue;
    if (spec.required) {
      if (out.lines[spec.field] === undefined) {
        error(section?.line ?? 0, spec.name, "Required key is missing");
      }
    } else if (spec.default !== undefined) {
      out.values[spec.field] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    }
  }
  return out;
}

function unknownKeyMessage(key: string, kind: SectionKind): string {
  const other: SectionKind = kind === "service" ? "ftp" : "service";
  const elsewhere = findKey(key, other);
  if (elsewhere !== undefined) {
    const where = other === "service" ? "[Service]" : "an [FTP<n>] section";
    return `Unknown key here, ignored: ${elsewhere.name} belongs in ${where}`;
  }
  const hint = suggestKey(key, kind);
  return hint === undefined
    ? "Unknown key, ignored"
    : `Unknown key, ignored: did you mean ${hint}?`;
}

/** Letters and digits only, lower case: `Remote dir`, `remote_dir` and `REMOTE-DIR` compare equal. */
function squeeze(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * The known key a key containing ":" or spaces stands for, and the value meant: `ServiceWait:
 * 0.5 = x` means ServiceWait = 0.5, `Remote dir = /www` means Remote_dir = /www.
 */
function misspeltKey(
  key: string,
  value: string,
  kind: SectionKind,
): { name: string; value: string } | undefined {
  if (!/[\s:]/.test(key)) return undefined;
  const colon = key.indexOf(":");
  const name = colon === -1 ? key : key.slice(0, colon);
  const afterColon = colon === -1 ? "" : key.slice(colon + 1).trim();
  const spec = KEYS.find((k) => k.kind === kind && squeeze(k.name) === squeeze(name));
  if (spec === undefined) return undefined;
  return { name: spec.name, value: afterColon === "" ? value : afterColon };
}
