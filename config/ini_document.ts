/**
 * A line-preserving INI document: every raw line, its own line ending and the BOM are kept, so
 * that `toString()` gives back the exact input and an edit changes only the bytes of one value.
 *
 * Rules: `[Name]` starts a section; `key = value` lines belong to the section above them; a line
 * whose first non-blank character is `;` or `#` is a comment; inside a line, `;` starts a comment
 * only when whitespace precedes it (`a.example ; main` -> `a.example`, `a;b` stays `a;b`), and the
 * comment is removed before the line is split at its first `=`. Keys
 * and section names are matched case-insensitively. Only LF and CRLF end lines (a lone CR is an
 * ordinary character).
 * @module
 */

/** A line ending as found in the file; "" only for a last line without a final newline. */
export type LineEnding = "\n" | "\r\n" | "";

/** A problem found while parsing: 1-based line, optional section/key, a SyntaxError-style message. */
export interface IniIssue {
  line: number;
  section?: string;
  key?: string;
  message: string;
}

/** One `key = value` line. */
export interface IniEntry {
  /** The key as written (trimmed). */
  key: string;
  /** The value, trimmed, without an inline `;` comment. */
  value: string;
  /** 1-based line number. */
  line: number;
}

/** One `[Name]` section with its entries in file order. */
export interface IniSection {
  /** The name as written, trimmed, without brackets. */
  name: string;
  /** 1-based line of the header. */
  line: number;
  entries: IniEntry[];
}

/** Why an edit was refused: no such section, a duplicated section, or a value that cannot be stored. */
export class IniEditError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "IniEditError";
  }
}

/** The section to edit does not exist in the file. */
export class UnknownSectionError extends IniEditError {
  /** The section asked for. */
  readonly section: string;
  /** Creates the error; `path` names the file in the message when known. */
  constructor(section: string, options: { path?: string } = {}) {
    const where = options.path === undefined ? "" : ` in "${options.path}"`;
    super(`Cannot find section "[${section}]"${where}`);
    this.name = "UnknownSectionError";
    this.section = section;
  }
}

/** One physical line: its text without the ending, the ending, and what it was parsed as. */
interface RawLine {
  text: string;
  eol: LineEnding;
  parsed: ParsedLine;
}

type ParsedLine =
  | { kind: "blank" | "comment" | "invalid" }
  | { kind: "section"; name: string }
  | {
    kind: "entry";
    key: string;
    value: string;
    /** Offsets in `text`: where the key starts, the `=`, and the value span [start, end). */
    keyStart: number;
    eq: number;
    valueStart: number;
    valueEnd: number;
  };

/** A section plus where its header and key lines sit in the line list (0-based). */
type IndexedSection = IniSection & { index: number; entryIndexes: number[] };

type EntryLine = Extract<ParsedLine, { kind: "entry" }>;

const BOM = "\uFEFF";
const SPACE_REGEXP = /\s/;

/** A parsed INI file. */
export class IniDocument {
  #bom: boolean;
  #lines: RawLine[];
  #sections: IndexedSection[] = [];
  #issues: IniIssue[] = [];

  /** Builds the document from the lines `parseIni` split; use `parseIni` instead. */
  constructor(bom: boolean, lines: { text: string; eol: LineEnding }[]) {
    this.#bom = bom;
    this.#lines = lines.map((l) => ({ ...l, parsed: parseLine(l.text) }));
    this.#index();
  }

  /** Sections in file order (duplicates included). */
  get sections(): readonly IniSection[] {
    return this.#sections.map(({ name, line, entries }) => ({ name, line, entries: [...entries] }));
  }

  /** Problems found while parsing (collected, never thrown). */
  get issues(): readonly IniIssue[] {
    return this.#issues;
  }

  /** Whether the text started with a UTF-8 byte order mark. */
  get bom(): boolean {
    return this.#bom;
  }

  /** The exact original text, BOM included. */
  toString(): string {
    return serialize(this.#bom, this.#lines);
  }

  /** The text with one value set: only that value's bytes change, or one line is inserted. */
  withValue(section: string, key: string, value: string): string {
    return this.withValues(section, { [key]: value });
  }

  /**
   * The text with several values of one section set. An existing key (matched case-insensitively,
   * every occurrence) gets only its value bytes replaced; a missing key gets one `Key = value`
   * line right after the section's last key line, with that line's ending.
   * @throws {UnknownSectionError} when the section does not exist
   * @throws {IniEditError} when the section is duplicated or a value cannot be stored as given
   */
  withValues(section: string, updates: Record<string, string>): string {
    const matches = this.#sections.filter((s) => sameName(s.name, section));
    const target = matches[0];
    if (target === undefined) throw new UnknownSectionError(section);
    if (matches.length > 1) {
      const lines = matches.map((s) => s.line).join(", ");
      throw new IniEditError(
        `Cannot edit section "[${section}]": it is defined more than once (lines ${lines})`,
      );
    }
    const lines = this.#lines.map((l) => ({ ...l }));
    // Inserted lines go right after the section's last key line (or its header).
    const anchor = target.entryIndexes.at(-1) ?? target.index;
    const inserts: { text: string; eol: LineEnding }[] = [];
    for (const [key, value] of Object.entries(updates)) {
      checkValue(key, value);
      const hits = target.entryIndexes.filter((i) => {
        const p = lines[i]?.parsed;
        return p?.kind === "entry" && sameName(p.key, key);
      });
      for (const i of hits) {
        const line = lines[i];
        if (line === undefined || line.parsed.kind !== "entry") continue;
        line.text = replaceValue(line.text, line.parsed, value);
      }
      if (hits.length === 0) {
        inserts.push({ text: newEntryText(lines[anchor], key, value), eol: "" });
      }
    }
    if (inserts.length > 0) {
      const anchorLine = lines[anchor];
      const eol = anchorLine?.eol || lines.find((l) => l.eol !== "")?.eol || "\n";
      const atEnd = anchorLine !== undefined && anchorLine.eol === "";
      if (anchorLine !== undefined) anchorLine.eol = eol;
      inserts.forEach((ins, n) => {
        // The last inserted line inherits "no final newline" when it lands at the end of the file.
        ins.eol = atEnd && n === inserts.length - 1 ? "" : eol;
      });
      lines.splice(anchor + 1, 0, ...inserts.map((l) => ({ ...l, parsed: parseLine(l.text) })));
    }
    const text = serialize(this.#bom, lines);
    verifyEdit(text, section, updates);
    return text;
  }

  #index(): void {
    let current: IndexedSection | undefined;
    this.#lines.forEach((raw, index) => {
      const line = index + 1;
      const p = raw.parsed;
      if (raw.text.includes("\r")) {
        // A CR-only file would otherwise read as one long line, or one long comment.
        this.#issues.push({
          line,
          message:
            "Cannot parse line: it contains a carriage return without a line feed; save the file with LF or CRLF line endings",
        });
        if (p.kind === "section") current = undefined;
        return;
      }
      if (p.kind === "section") {
        if (p.name === "") {
          this.#issues.push({ line, message: "Cannot parse section header: empty section name" });
        }
        current = { name: p.name, line, entries: [], index, entryIndexes: [] };
        this.#sections.push(current);
      } else if (p.kind === "entry") {
        if (p.key === "") {
          this.#issues.push({
            line,
            ...(current?.name ? { section: current.name } : {}),
            message: 'Cannot parse line: empty key name before "="',
          });
        } else if (current === undefined) {
          this.#issues.push({
            line,
            key: p.key,
            message: "Cannot use a key outside any section: put it under [Service] or [FTP<n>]",
          });
        } else {
          current.entries.push({ key: p.key, value: p.value, line });
          current.entryIndexes.push(index);
        }
      } else if (p.kind === "invalid") {
        this.#issues.push({
          line,
          ...(current?.name ? { section: current.name } : {}),
          message: invalidMessage(raw.text),
        });
      }
    });
  }
}

/** Parses INI text, keeping every byte; problems are collected in `issues`, never thrown. */
export function parseIni(text: string): IniDocument {
  const bom = text.startsWith(BOM);
  const body = bom ? text.slice(BOM.length) : text;
  const lines: { text: string; eol: LineEnding }[] = [];
  let start = 0;
  while (start < body.length) {
    const nl = body.indexOf("\n", start);
    if (nl === -1) {
      lines.push({ text: body.slice(start), eol: "" });
      break;
    }
    const crlf = nl > start && body[nl - 1] === "\r";
    lines.push({ text: body.slice(start, crlf ? nl - 1 : nl), eol: crlf ? "\r\n" : "\n" });
    start = nl + 1;
  }
  return new IniDocument(bom, lines);
}

function serialize(bom: boolean, lines: { text: string; eol: LineEnding }[]): string {
  return (bom ? BOM : "") + lines.map((l) => l.text + l.eol).join("");
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function firstNonSpace(text: string, from = 0): number {
  for (let i = from; i < text.length; i++) {
    if (!SPACE_REGEXP.test(text[i] ?? "")) return i;
  }
  return text.length;
}

function parseLine(text: string): ParsedLine {
  const lead = firstNonSpace(text);
  const first = text[lead];
  if (first === undefined) return { kind: "blank" };
  if (first === ";" || first === "#") return { kind: "comment" };
  if (first === "[") {
    const close = text.indexOf("]", lead);
    if (close === -1) return { kind: "invalid" };
    const rest = text.slice(close + 1).trimStart();
    if (rest !== "" && !rest.startsWith(";") && !rest.startsWith("#")) return { kind: "invalid" };
    return { kind: "section", name: text.slice(lead + 1, close).trim() };
  }
  // The inline comment goes first: an "=" inside it (`ServiceWait: 0.5 ; 0.5 = 30 s`) must not
  // split the line.
  let end = text.length;
  for (let i = lead + 1; i < text.length; i++) {
    if (text[i] === ";" && SPACE_REGEXP.test(text[i - 1] ?? "")) {
      end = i;
      break;
    }
  }
  const eq = text.slice(0, end).indexOf("=");
  if (eq === -1) return { kind: "invalid" };
  const valueStart = Math.min(firstNonSpace(text, eq + 1), end);
  let valueEnd = end;
  while (valueEnd > valueStart && SPACE_REGEXP.test(text[valueEnd - 1] ?? "")) valueEnd--;
  return {
    kind: "entry",
    key: text.slice(0, eq).trim(),
    value: text.slice(valueStart, valueEnd),
    keyStart: lead,
    eq,
    valueStart,
    valueEnd,
  };
}

function invalidMessage(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    return trimmed.includes("]")
      ? 'Cannot parse section header: unexpected text after "]"'
      : 'Cannot parse section header: missing "]"';
  }
  const message = 'Cannot parse line: expected "[Section]", "key = value" or a comment';
  // `ServiceWait: 0.5` (another INI dialect, or a YAML habit): show the line as it should be.
  const colon = /^([A-Za-z][\w ]*?)\s*:\s*(.*?)\s*$/.exec(uncommented(trimmed));
  if (colon === null) return message;
  return `${message}: did you mean "${colon[1]} = ${colon[2]}"?`;
}

/** A line without its inline comment (a ";" after whitespace). */
function uncommented(text: string): string {
  const match = /\s;/.exec(text);
  return match === null ? text : text.slice(0, match.index);
}

/** Replaces the value span; an empty value gets a separating space so it never touches `=` oddly. */
function replaceValue(text: string, p: EntryLine, value: string): string {
  if (p.valueStart < p.valueEnd || p.valueStart > p.eq + 1) {
    // A value, or whitespace after "=": write at the value position.
    let after = text.slice(p.valueEnd);
    if (p.valueStart === p.valueEnd && after.startsWith(";") && value !== "") {
      after = " " + after;
    }
    return text.slice(0, p.valueStart) + value + after;
  }
  // `Key =` or `Key=` with nothing after: mirror the spacing before "=".
  const spaced = SPACE_REGEXP.test(text[p.eq - 1] ?? "");
  return text.slice(0, p.eq + 1) + (spaced && value !== "" ? " " : "") + value +
    text.slice(p.eq + 1);
}

/** A new `Key = value` line in the style of the anchor line (its indent, spaces around `=`). */
function newEntryText(anchor: RawLine | undefined, key: string, value: string): string {
  let indent = "";
  let spaced = true;
  if (anchor?.parsed.kind === "entry") {
    const p = anchor.parsed;
    indent = anchor.text.slice(0, p.keyStart);
    spaced = SPACE_REGEXP.test(anchor.text[p.eq - 1] ?? "") ||
      SPACE_REGEXP.test(anchor.text[p.eq + 1] ?? "");
  }
  const sep = spaced ? " = " : "=";
  return value === "" ? `${indent}${key}${sep.trimEnd()}` : `${indent}${key}${sep}${value}`;
}

function checkValue(key: string, value: string): void {
  if (/[\r\n]/.test(value)) {
    throw new IniEditError(`Cannot set "${key}": the value contains a line break`);
  }
  if (key.trim() !== key || key === "" || /[=\[\];#]/.test(key)) {
    throw new IniEditError(`Cannot set key "${key}": not a valid key name`);
  }
}

/** Re-parses the edited text: every updated key must read back exactly as given. */
function verifyEdit(text: string, section: string, updates: Record<string, string>): void {
  const target = parseIni(text).sections.find((s) => sameName(s.name, section));
  for (const [key, value] of Object.entries(updates)) {
    const entries = target?.entries.filter((e) => sameName(e.key, key)) ?? [];
    if (entries.length === 0 || entries.some((e) => e.value !== value)) {
      throw new IniEditError(
        `Cannot set "${key}": the value would not read back as written (leading or trailing spaces, or " ;")`,
      );
    }
  }
}
