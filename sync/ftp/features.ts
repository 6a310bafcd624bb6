/**
 * FEAT (RFC 2389) read into what ftp-clone uses: MLST, MFMT, SIZE, MDTM, REST STREAM, UTF8, EPSV
 * and the hash commands (draft-bryan-ftpext-hash `HASH`, and the older `XSHA256`, `XSHA1`,
 * `XMD5`, `XCRC` of proftpd's mod_digest and others).
 * @module
 */
import type { HashAlgorithm } from "./remote_fs.ts";

/**
 * How a hash is asked: `HASH` (after `OPTS HASH <algorithm>` when not selected) or an X-command
 * (its path quoted when it holds whitespace, as proftpd's mod_digest reads it).
 */
export type HashCommand = { kind: "HASH" } | { kind: "X"; verb: string };

/** What a server's FEAT says. */
export interface ServerFeatures {
  /** FEAT answered (false: 500/502, every feature below is then unknown and assumed absent). */
  answered: boolean;
  mlst: boolean;
  /** The MLST facts offered (lower case), e.g. `type`, `size`, `modify`, `unique`. */
  mlstFacts: readonly string[];
  mfmt: boolean;
  /** undefined: FEAT was not answered, so unknown (tried, and learned when refused). */
  size: boolean | undefined;
  mdtm: boolean | undefined;
  rest: boolean | undefined;
  utf8: boolean;
  epsv: boolean | undefined;
  /** Hash algorithms offered, best first, each with the command that computes it. */
  hashes: ReadonlyMap<HashAlgorithm, HashCommand>;
  /** The algorithm `HASH` uses before any `OPTS HASH` (the one marked `*`). */
  hashSelected: HashAlgorithm | undefined;
  /** One line for the log: what was offered. */
  summary: string;
}

/** Best first: a stronger hash tells more files apart. */
export const HASH_PREFERENCE: readonly HashAlgorithm[] = ["SHA-256", "SHA-1", "MD5", "CRC32"];

/** X-commands per algorithm, in the order they are tried. */
const X_COMMANDS: Record<HashAlgorithm, string> = {
  "SHA-256": "XSHA256",
  "SHA-1": "XSHA1",
  "MD5": "XMD5",
  "CRC32": "XCRC",
};

/** The algorithms of a `HASH` feature line's value (`SHA-256*;SHA-1;MD5;CRC32`), with `*`. */
function hashFeature(value: string): { names: HashAlgorithm[]; selected?: HashAlgorithm } {
  const names: HashAlgorithm[] = [];
  let selected: HashAlgorithm | undefined;
  for (const raw of value.split(";")) {
    const star = raw.trim().endsWith("*");
    const name = raw.trim().replace(/\*$/, "").toUpperCase();
    const algorithm = HASH_PREFERENCE.find((a) => a === name);
    if (algorithm === undefined) continue;
    names.push(algorithm);
    if (star) selected = algorithm;
  }
  return selected === undefined ? { names } : { names, selected };
}

/** FEAT when the server does not answer it (500/502): nothing is offered for sure. */
export function noFeatures(): ServerFeatures {
  return {
    answered: false,
    mlst: false,
    mlstFacts: [],
    mfmt: false,
    size: undefined,
    mdtm: undefined,
    rest: undefined,
    utf8: false,
    epsv: undefined,
    hashes: new Map(),
    hashSelected: undefined,
    summary: "no FEAT (500): SIZE, MDTM and REST are tried and remembered when refused",
  };
}

/**
 * Parses a FEAT reply (`211-Features:` ... `211 End`, the lines between, each a feature with an
 * optional value). Unknown features are ignored.
 */
export function parseFeatures(reply: string): ServerFeatures {
  const lines = reply.split(/\r?\n/);
  const features = new Map<string, string>();
  // The first and last lines frame the list; a single-line reply lists nothing.
  for (const line of lines.slice(1, -1)) {
    const text = line.trim();
    if (text === "") continue;
    const space = text.indexOf(" ");
    const name = (space < 0 ? text : text.slice(0, space)).toUpperCase();
    features.set(name, space < 0 ? "" : text.slice(space + 1).trim());
  }
  const hashes = new Map<HashAlgorithm, HashCommand>();
  const viaHash = hashFeature(features.get("HASH") ?? "");
  for (const algorithm of HASH_PREFERENCE) {
    // HASH takes the whole argument as the path; the X-commands take a range after it, so
    // proftpd's mod_digest reads a path with spaces as path + range: HASH is preferred.
    if (features.has("HASH") && viaHash.names.includes(algorithm)) {
      hashes.set(algorithm, { kind: "HASH" });
    } else if (features.has(X_COMMANDS[algorithm])) {
      hashes.set(algorithm, { kind: "X", verb: X_COMMANDS[algorithm] });
    }
  }
  const mlstFacts = (features.get("MLST") ?? "").split(";")
    .map((f) => f.trim().replace(/\*$/, "").toLowerCase())
    .filter((f) => f !== "");
  const parsed = {
    answered: true,
    mlst: features.has("MLST") || features.has("MLSD"),
    mlstFacts,
    mfmt: features.has("MFMT"),
    size: features.has("SIZE"),
    mdtm: features.has("MDTM"),
    rest: /\bSTREAM\b/i.test(features.get("REST") ?? ""),
    utf8: features.has("UTF8"),
    epsv: features.has("EPSV") ? true : undefined,
    hashes,
    hashSelected: viaHash.selected,
  };
  return { ...parsed, summary: summarize(parsed) };
}

function summarize(f: Omit<ServerFeatures, "summary">): string {
  const yes = (flag: boolean | undefined, name: string) => flag ? [name] : [];
  const hashes = [...f.hashes].map(([a, c]) => c.kind === "HASH" ? a : `${a} (${c.verb})`);
  const offered = [
    ...yes(f.mlst, "MLSD"),
    ...yes(f.mfmt, "MFMT"),
    ...yes(f.size, "SIZE"),
    ...yes(f.mdtm, "MDTM"),
    ...yes(f.rest, "REST STREAM"),
    ...yes(f.utf8, "UTF8"),
    ...yes(f.epsv, "EPSV"),
    ...(hashes.length > 0 ? [`hashes ${hashes.join(", ")}`] : []),
  ];
  const missing = [
    ...yes(!f.mlst, "MLSD"),
    ...yes(!f.mfmt, "MFMT"),
    ...yes(f.size === false, "SIZE"),
    ...yes(f.mdtm === false, "MDTM"),
    ...yes(f.rest === false, "REST STREAM"),
    ...yes(f.hashes.size === 0, "hashes"),
  ];
  return `${offered.length > 0 ? offered.join(", ") : "nothing"}` +
    (missing.length > 0 ? `; not: ${missing.join(", ")}` : "");
}
