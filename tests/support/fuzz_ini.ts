/**
 * Seeded generators and mutators of parametre.ini bytes, for the fault tests (tests/faults/).
 * Everything is a pure function of the seed: a failing case is reproduced by its seed alone.
 *
 * ```ts
 * const rng = makeRng(42);
 * const { bytes, ops } = mutateIni(new TextEncoder().encode(text), rng);
 * ```
 * @module
 */
import { Buffer } from "node:buffer";
import edgeValues from "../fixtures/fuzz/edge_values.json" with { type: "json" };

/** A small deterministic pseudo-random generator (mulberry32). */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** True with probability p. */
  chance(p: number): boolean;
}

/** A mulberry32 generator seeded with a 32-bit integer. */
export function makeRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)] as T,
    chance: (p: number): boolean => next() < p,
  };
}

/** Every key of the schema, as the documentation spells it. */
export const KNOWN_KEYS: readonly string[] = [
  "ServiceWait",
  "ConcurrentSynchronisations",
  "BinDirectory",
  "StateDirectory",
  "LogLevel",
  "Watch",
  "Server",
  "Type",
  "Port",
  "User",
  "Password",
  "ConcurrentConnections",
  "Remote_dir",
  "Local_dir",
  "Linux_chown",
  "Linux_chmod",
  "Identifier",
  "TlsVerify",
  "TlsFingerprint",
  "Direction",
  "Exclude",
  "MaxDelete",
  "KeepDeleted",
];

/** Values that sit on or beyond the edges of the parsers (control characters included). */
const EDGE_VALUES: readonly string[] = edgeValues;
const encoder = new TextEncoder();

/** The names of the mutation operators, in the order `mutateIni` knows them. */
export const MUTATIONS = [
  "flipByte",
  "randomBytes",
  "deleteLine",
  "duplicateLine",
  "swapLines",
  "randomKeyValue",
  "hugeValue",
  "nul",
  "loneCr",
  "invalidUtf8",
  "bom",
  "bracketNesting",
  "equalsStorm",
  "manySections",
  "truncate",
  "controlChars",
  "renameSection",
  "duplicateSection",
  "emptyValue",
] as const;

/** One mutation operator's name. */
export type Mutation = typeof MUTATIONS[number];

/** Options of {@linkcode mutateIni}. */
export interface MutateOptions {
  /** Most operators applied in sequence (at least 1 is). @default {4} */
  maxOps?: number;
  /** Scale of "huge" values and "many" sections (1 = CI size). @default {1} */
  scale?: number;
  /** Only these operators. @default {every one} */
  only?: readonly Mutation[];
}

/** The mutated bytes and the operators applied (for the failure message). */
export interface Mutated {
  bytes: Uint8Array;
  ops: Mutation[];
}

/** Applies 1..maxOps random mutations to the bytes of an ini file. */
export function mutateIni(input: Uint8Array, rng: Rng, options: MutateOptions = {}): Mutated {
  const count = 1 + rng.int(options.maxOps ?? 4);
  const ops: Mutation[] = [];
  let bytes = input;
  for (let i = 0; i < count; i++) {
    const op = rng.pick(options.only ?? MUTATIONS);
    ops.push(op);
    bytes = applyMutation(op, bytes, rng, options.scale ?? 1);
  }
  return { bytes, ops };
}

/** Splits bytes into lines, each keeping its "\n" (the last may lack one). */
function splitLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      lines.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Inserts `piece` at a random byte offset (or at a line start when `atLine`). */
function insertAt(bytes: Uint8Array, piece: Uint8Array, rng: Rng, atLine: boolean): Uint8Array {
  if (atLine) {
    const lines = splitLines(bytes);
    const at = rng.int(lines.length + 1);
    const withEol = piece[piece.length - 1] === 0x0a
      ? piece
      : concat([piece, encoder.encode("\n")]);
    // A last line without a final newline must get one before anything is appended after it.
    const fixed = lines.map((l, i) =>
      i === lines.length - 1 && at === lines.length && l[l.length - 1] !== 0x0a
        ? concat([l, encoder.encode("\n")])
        : l
    );
    return concat([...fixed.slice(0, at), withEol, ...fixed.slice(at)]);
  }
  const at = rng.int(bytes.length + 1);
  return concat([bytes.subarray(0, at), piece, bytes.subarray(at)]);
}

function randomKey(rng: Rng): string {
  const r = rng.int(10);
  if (r < 6) {
    const key = rng.pick(KNOWN_KEYS);
    // Case changes and near misses exercise case-insensitivity and "did you mean".
    if (rng.chance(0.2)) return key.toUpperCase();
    if (rng.chance(0.2)) return key.slice(0, -1);
    return key;
  }
  if (r < 8) return rng.pick(["Orphan", "Passwd", "Remote-dir", "localdir", "x", "\u00e9t\u00e9"]);
  return randomText(rng, 1 + rng.int(12));
}

function randomText(rng: Rng, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    const r = rng.int(10);
    if (r < 6) out += String.fromCharCode(0x20 + rng.int(0x5f));
    else if (r < 8) out += rng.pick(["=", ";", "#", "[", "]", " ", "\t", ":", "/", ","]);
    else out += String.fromCodePoint(0xa0 + rng.int(0x2000));
  }
  return out;
}

function randomValue(rng: Rng): string {
  return rng.chance(0.7) ? rng.pick(EDGE_VALUES) : randomText(rng, rng.int(40));
}

function applyMutation(op: Mutation, bytes: Uint8Array, rng: Rng, scale: number): Uint8Array {
  switch (op) {
    case "flipByte": {
      if (bytes.length === 0) return bytes;
      const out = bytes.slice();
      const at = rng.int(out.length);
      out[at] = (out[at] ?? 0) ^ (1 << rng.int(8));
      return out;
    }
    case "randomBytes": {
      const piece = new Uint8Array(1 + rng.int(16));
      for (let i = 0; i < piece.length; i++) piece[i] = rng.int(256);
      return insertAt(bytes, piece, rng, false);
    }
    case "deleteLine": {
      const lines = splitLines(bytes);
      if (lines.length === 0) return bytes;
      lines.splice(rng.int(lines.length), 1);
      return concat(lines);
    }
    case "duplicateLine": {
      const lines = splitLines(bytes);
      if (lines.length === 0) return bytes;
      const at = rng.int(lines.length);
      const line = lines[at]!;
      lines.splice(
        at,
        0,
        line[line.length - 1] === 0x0a ? line : concat([line, encoder.encode("\n")]),
      );
      return concat(lines);
    }
    case "swapLines": {
      const lines = splitLines(bytes);
      if (lines.length < 2) return bytes;
      const a = rng.int(lines.length);
      const b = rng.int(lines.length);
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return concat(lines);
    }
    case "randomKeyValue": {
      const spaces = rng.pick(["", " ", "  ", "\t"]);
      const line = `${rng.chance(0.2) ? " " : ""}${randomKey(rng)}${spaces}=${spaces}${
        randomValue(rng)
      }`;
      return insertAt(bytes, encoder.encode(line), rng, true);
    }
    case "hugeValue": {
      const size = Math.floor((1_000 + rng.int(50_000)) * scale);
      const fill = rng.pick(["a", "/", "=", " ", "\u00e9", "[", ";"]);
      const line = `${rng.pick(KNOWN_KEYS)} = ${fill.repeat(size)}`;
      return insertAt(bytes, encoder.encode(line), rng, true);
    }
    case "nul":
      return insertAt(bytes, new Uint8Array(1 + rng.int(3)), rng, false);
    case "loneCr": {
      // Replace some "\n" (or "\r\n") by a lone "\r": Mac OS 9 line endings.
      const out: number[] = [];
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i]!;
        if (b === 0x0a && rng.chance(0.5)) {
          if (out[out.length - 1] !== 0x0d) out.push(0x0d);
          continue;
        }
        out.push(b);
      }
      return new Uint8Array(out);
    }
    case "invalidUtf8": {
      const piece = rng.pick([
        [0xff],
        [0xc3, 0x28],
        [0xe2, 0x82],
        [0xf0, 0x28, 0x8c, 0x28],
        [0xed, 0xa0, 0x80], // an encoded surrogate
        [0xc0, 0xaf], // overlong "/"
        [0x80],
      ]);
      return insertAt(bytes, new Uint8Array(piece), rng, false);
    }
    case "bom": {
      const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
      const where = rng.int(3);
      if (where === 0) return concat([bom, bytes]);
      if (where === 1) return concat([bom, bom, bytes]);
      return insertAt(bytes, bom, rng, rng.chance(0.5));
    }
    case "bracketNesting": {
      const depth = Math.floor((1 + rng.int(2_000)) * scale);
      const inner = rng.pick(["FTP1", "Service", "", "x"]);
      const close = rng.chance(0.7) ? "]".repeat(depth) : "";
      return insertAt(bytes, encoder.encode(`${"[".repeat(depth)}${inner}${close}`), rng, true);
    }
    case "equalsStorm": {
      const n = Math.floor((1 + rng.int(500)) * scale);
      let line = "";
      for (let i = 0; i < n; i++) line += rng.chance(0.8) ? "=" : rng.pick(["a", " ", ";"]);
      return insertAt(bytes, encoder.encode(line), rng, true);
    }
    case "manySections": {
      // Thousands of sections now and then (each costs the loader ~0.3 s), dozens otherwise.
      const n = Math.floor((rng.chance(0.1) ? 2_000 + rng.int(2_000) : 10 + rng.int(200)) * scale);
      const parts: string[] = [];
      for (let i = 0; i < n; i++) {
        const name = rng.chance(0.9) ? `FTP${1 + rng.int(n * 2)}` : randomText(rng, 4);
        parts.push(`[${name}]\nServer = 127.0.0.1\nRemote_dir = /r${i}\nLocal_dir = /srv/s${i}\n`);
      }
      return concat([bytes, encoder.encode("\n" + parts.join(""))]);
    }
    case "truncate":
      return bytes.subarray(0, rng.int(bytes.length + 1));
    case "controlChars": {
      const piece = String.fromCharCode(rng.pick([1, 7, 8, 0x0b, 0x0c, 0x1b, 0x7f, 0x85]));
      return insertAt(bytes, encoder.encode(piece.repeat(1 + rng.int(3))), rng, false);
    }
    case "renameSection": {
      const name = rng.pick([
        "FTP0",
        "FTP01",
        "FTP-1",
        "FPT3",
        "ftp1",
        "FTP 2",
        "Services",
        "FTP99999999999999999999",
        "FTP9007199254740993",
      ]);
      const text = new TextDecoder().decode(bytes);
      return encoder.encode(text.replace(/\[[^\]\n]*\]/, `[${name}]`));
    }
    case "duplicateSection": {
      const text = new TextDecoder().decode(bytes);
      const m = /\[[^\]\n]*\][^[]*/.exec(text);
      return m === null ? bytes : encoder.encode(text + "\n" + m[0]);
    }
    case "emptyValue": {
      const text = new TextDecoder().decode(bytes);
      return encoder.encode(text.replace(/=[^\n]*/, rng.pick(["=", "= ", "=;", "= ;x"])));
    }
  }
}

/** Options of {@linkcode generateIni}. */
export interface GenerateOptions {
  /** Most [FTPn] sections. @default {4} */
  maxSections?: number;
}

/** A random, mostly well-formed parametre.ini: known keys with edge values, random endings. */
export function generateIni(rng: Rng, options: GenerateOptions = {}): string {
  const eol = rng.pick(["\n", "\r\n", "\n", "\r"]);
  const lines: string[] = [];
  if (rng.chance(0.7)) {
    lines.push("[Service]");
    for (const key of KNOWN_KEYS.slice(0, 6)) {
      if (rng.chance(0.4)) lines.push(`${key} = ${randomValue(rng)}`);
    }
  }
  const sections = rng.int((options.maxSections ?? 4) + 1);
  for (let n = 1; n <= sections; n++) {
    lines.push("", `[FTP${rng.chance(0.9) ? n : rng.int(9)}]`);
    lines.push(`Server = ${rng.chance(0.8) ? "127.0.0.1" : randomValue(rng)}`);
    lines.push(`Remote_dir = ${rng.chance(0.8) ? `/r${n}` : randomValue(rng)}`);
    lines.push(`Local_dir = ${rng.chance(0.8) ? `/srv/l${n}` : randomValue(rng)}`);
    for (const key of KNOWN_KEYS.slice(9)) {
      if (rng.chance(0.25)) lines.push(`${key} = ${randomValue(rng)}`);
    }
    if (rng.chance(0.2)) lines.push(`; ${randomText(rng, 20)}`);
  }
  const text = lines.join(eol);
  return rng.chance(0.5) ? text + eol : text;
}
