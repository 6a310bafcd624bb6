/**
 * The dialect switches of the scripted pyftpdlib server (tests/support/pyftpdlib_server.py), as
 * options, and their command-line form. What each one shows on the wire: tests/support/README.md.
 * @module
 */

/** The hash commands the script can offer (FEAT `HASH SHA-256*;SHA-1;MD5` for `HASH`). */
export type HashCommand = "HASH" | "XSHA256" | "XSHA1" | "XMD5" | "XCRC";

/** What the scripted pyftpdlib server speaks; every switch is off by default (stock pyftpdlib). */
export interface PyftpdlibDialect {
  /** MLSD, LIST and MDTM in the server's local time zone (run it with `env: { TZ }`). */
  mlsdLocalTime?: boolean;
  /**
   * LIST in IIS/DOS format: `12-05-26  10:15PM       <DIR>          name`. `12h` (IIS default),
   * `24h` (`22:15`), `4y` (`12-05-2026`), or `mixed` (each entry one of the four, stable per name).
   */
  dosList?: "12h" | "24h" | "4y" | "mixed";
  /** No MLSD/MLST (answered `500 Command "MLSD" not understood.`, not in FEAT). */
  noMlsd?: boolean;
  /** `LIST -a` reads `-a` as a path (stock pyftpdlib maps a lone `-a`/`-l`/`-la` to the cwd). */
  listNoOptions?: boolean;
  /** RNFR answered with this code (550 "Rename not permitted." or 502 "not implemented"). */
  noRename?: 550 | 502;
  /** No EPSV/EPRT (`500 ... not understood`); PASV works. */
  pasvOnly?: boolean;
  noSize?: boolean;
  noRest?: boolean;
  noMdtm?: boolean;
  noMfmt?: boolean;
  /** Offer these hash commands (FEAT and answers). */
  hash?: readonly HashCommand[];
  /**
   * The server's clock is this many seconds ahead (negative: behind): files it stores carry its
   * clock's time, times set with MFMT are kept as given, as on a machine whose clock is off.
   */
  clockSkewS?: number;
}

/** The script's switches for a dialect. */
export function dialectArgs(d: PyftpdlibDialect): string[] {
  const args: string[] = [];
  if (d.mlsdLocalTime) args.push("--mlsd-local-time");
  if (d.dosList) args.push(`--dos-list=${d.dosList}`);
  if (d.noMlsd) args.push("--no-mlsd");
  if (d.listNoOptions) args.push("--list-no-options");
  if (d.noRename) args.push(`--no-rename=${d.noRename}`);
  if (d.pasvOnly) args.push("--pasv-only");
  if (d.noSize) args.push("--no-size");
  if (d.noRest) args.push("--no-rest");
  if (d.noMdtm) args.push("--no-mdtm");
  if (d.noMfmt) args.push("--no-mfmt");
  if (d.hash && d.hash.length > 0) args.push(`--hash=${d.hash.join(",")}`);
  if (d.clockSkewS) args.push(`--clock-skew=${d.clockSkewS}`);
  return args;
}
