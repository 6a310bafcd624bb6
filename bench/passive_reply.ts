/**
 * Reading and rewriting the passive-mode replies of an FTP control connection (227 for PASV, 229
 * for EPSV), so that a proxy can point the client's data connections at its own listeners.
 * @module
 */

/** Where a passive reply tells the client to connect. */
export interface PassiveTarget {
  /** "227" (PASV: address and port) or "229" (EPSV: port only, same host as control). */
  readonly code: "227" | "229";
  /** IPv4 address from a 227 reply; undefined for 229. */
  readonly host: string | undefined;
  readonly port: number;
}

const PASV_REGEXP = /^227 .*?(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/;
const EPSV_REGEXP = /^229 .*\((.)\1\1(\d{1,5})\1\)/;

/** The target of one reply line (without CR LF), or undefined when it is not a passive reply. */
export function parsePassiveReply(line: string): PassiveTarget | undefined {
  const pasv = PASV_REGEXP.exec(line);
  if (pasv !== null) {
    const n = pasv.slice(1, 7).map(Number);
    if (n.some((v) => v > 255)) return undefined;
    const [a, b, c, d, p1, p2] = n as [number, number, number, number, number, number];
    return { code: "227", host: `${a}.${b}.${c}.${d}`, port: p1 * 256 + p2 };
  }
  const epsv = EPSV_REGEXP.exec(line);
  if (epsv !== null) {
    const port = Number(epsv[2]);
    return port > 0 && port < 65536 ? { code: "229", host: undefined, port } : undefined;
  }
  return undefined;
}

/** The same passive reply pointing at 127.0.0.1:`port` instead. */
export function rewritePassiveReply(line: string, port: number): string {
  if (PASV_REGEXP.test(line)) {
    return line.replace(
      /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/,
      `127,0,0,1,${port >> 8},${port & 0xff}`,
    );
  }
  return line.replace(EPSV_REGEXP, (match, delim: string, old: string) => {
    return match.replace(
      `${delim}${delim}${delim}${old}${delim}`,
      `${delim}${delim}${delim}${port}${delim}`,
    );
  });
}
