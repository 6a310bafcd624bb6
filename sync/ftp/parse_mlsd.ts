/**
 * One MLSD/MLST facts line (`fact=value;...; name`, RFC 3659 §7) as a `RemoteEntry`. Its
 * `modify` time is returned as written (read as UTC; `parse_list.ts` takes the server's MLSD
 * offset out), precision 1000 ms, fractions truncated.
 * @module
 */
import { parseFtpTimestamp } from "./ftp_time.ts";
import type { RemoteEntry, RemoteKind } from "./remote_fs.ts";

/** A size to report for a link or other entry (never transferred): 0 when unusable. */
export function usableSize(size: number): number {
  return Number.isSafeInteger(size) && size >= 0 ? size : 0;
}

/** The facts of a facts line, names in lower case; undefined when there is no space. */
export function parseFacts(line: string): { facts: Map<string, string>; name: string } | undefined {
  // Facts never contain a space (RFC 3659 §7.2); the name follows the first space.
  const space = line.indexOf(" ");
  if (space < 0) return undefined;
  const facts = new Map<string, string>();
  for (const fact of line.slice(0, space).split(";")) {
    const eq = fact.indexOf("=");
    if (eq > 0) facts.set(fact.slice(0, eq).toLowerCase(), fact.slice(eq + 1));
  }
  return { facts, name: line.slice(space + 1) };
}

/** Parse one MLSD line; "skip" for cdir/pdir entries, undefined when it is not a facts line. */
export function parseMlsdLine(line: string): RemoteEntry | "skip" | undefined {
  const parsed = parseFacts(line);
  if (parsed === undefined || parsed.facts.size === 0) return undefined;
  const { facts, name } = parsed;
  const type = (facts.get("type") ?? "").toLowerCase();
  if (type === "cdir" || type === "pdir") return "skip";
  let kind: RemoteKind;
  if (type === "file") kind = "file";
  else if (type === "dir") kind = "dir";
  // pure-ftpd: `OS.unix=slink:<target>`; proftpd: `OS.unix=symlink`.
  else if (/^os\.unix=(slink|symlink)/.test(type)) kind = "symlink";
  else kind = "other";
  const rawTime = facts.get("modify") ?? "";
  const sizeText = facts.get("size");
  // NaN when a file has no usable size: parseListing refuses it.
  const size = kind === "dir" ? 0 : /^\d+$/.test(sizeText ?? "") ? Number(sizeText) : NaN;
  const unique = facts.get("unique");
  return {
    name,
    kind,
    size: kind === "file" ? size : usableSize(size),
    mtimeMs: parseFtpTimestamp(rawTime),
    mtimePrecisionMs: 1000,
    rawTime,
    ...(unique !== undefined && unique !== "" ? { unique } : {}),
  };
}
