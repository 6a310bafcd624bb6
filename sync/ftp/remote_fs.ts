/**
 * The seam between the sync engine and FTP: one connection's view of the remote tree.
 * Implemented on the FTP engine (`ftp_remote_fs.ts`) and, for tests, in memory
 * (`tests/support/memory_remote_fs.ts`).
 * @module
 */
/** What a listing line says an entry is. Symlinks and others are reported, never followed. */
export type RemoteKind = "file" | "dir" | "symlink" | "other";

/** One entry of a remote directory listing. */
export interface RemoteEntry {
  /** The bare name (never contains "/"; `.` and `..` are never returned). */
  name: string;
  kind: RemoteKind;
  /** Bytes; 0 for directories. */
  size: number;
  /**
   * Modification time in ms since the epoch (UTC), truncated to `mtimePrecisionMs`;
   * undefined when the listing gave no usable time.
   */
  mtimeMs: number | undefined;
  /** 1000 for MLSD and MDTM, 60_000 for a LIST `Mon DD HH:MM`, 86_400_000 for `Mon DD YYYY`. */
  mtimePrecisionMs: number;
  /** The time text exactly as the server sent it ("" when none). */
  rawTime: string;
  /** MLSD's `unique` fact, where the server gives one (a rename keeps it). */
  unique?: string;
}

/** A file hash a server can compute (HASH, XSHA256, XSHA1, XMD5, XCRC), named as in the HASH draft. */
export type HashAlgorithm = "SHA-256" | "SHA-1" | "MD5" | "CRC32";

/**
 * How a server's reported times relate to UTC and to our clock, learned once per server (host,
 * port, user) and shared by its connections. Every time a `RemoteFs` returns is already UTC (the
 * offsets below are taken out) and every time it sets is converted into the server's frame; the
 * engine uses `skewMs` only where it compares our clock with times the server stamped.
 */
export interface ServerTimeView {
  /** Minutes east of UTC of the times the server reports (quarter hours), per source. */
  offsetMinutes: { list: number; mlsd: number; mdtm: number };
  /** The server's clock minus ours beyond those offsets, in ms (positive: ahead; |skew| < 7.5 min). */
  skewMs: number;
  /** `measured` from a file the server just created, `configured` by ServerTime, `assumed` UTC. */
  source: "measured" | "configured" | "assumed";
  /** When it was last measured (ms since the epoch, our clock). */
  measuredAtMs?: number;
}

/**
 * What the server offers: read from FEAT once per server (host, port, user) and corrected by what
 * its replies taught since (learned once, shared by every connection to it).
 */
export interface RemoteCapabilities {
  /** MLSD/MLST listings (exact UTC seconds). */
  mlsd: boolean;
  /** `MFMT` sets mtimes. */
  mfmt: boolean;
  /** `MDTM YYYYMMDDHHMMSS path` sets mtimes (vsftpd). Known only after a first try. */
  mdtmWrite: boolean;
  /** `REST STREAM`: downloads can resume. */
  restStream: boolean;
  /** `SIZE` answers; false: `size()` rejects with meaning `unsupported` without asking. */
  size: boolean;
  /** `MDTM` answers; false: `mtime()` rejects with meaning `unsupported` without asking. */
  mdtm: boolean;
  /** UTF8 listed in FEAT. */
  utf8: boolean;
  /** Hashes the server computes, best first (SHA-256 before SHA-1, MD5, CRC32); [] when none. */
  hashes: readonly HashAlgorithm[];
  /**
   * false once the server refused to rename a temporary upload onto a free name (learned once per
   * server): uploads then go straight to the final name.
   */
  renames: boolean;
}

/** Options of a transfer. */
export interface TransferOptions {
  /** Resume: start at this byte offset (REST for downloads, APPE for uploads). @default {0} */
  startAt?: number;
  /** Aborts the transfer; the connection is then closed and replaced by the pool. */
  signal?: AbortSignal;
  /**
   * Downloads: the file's size in bytes as listed. A download that receives more than
   * `expectedSize - startAt` bytes stops at once and fails with a transient `FtpError` of code
   * "EFBIG" (the file changed since the listing, or the server never ends it).
   */
  expectedSize?: number;
  /**
   * Downloads: also read the file's mtime (MDTM, ms, UTC, whole seconds) and pass it here; where
   * the transfer allows, it is asked in the same round trip as the transfer's set-up. Not called
   * when the server cannot tell.
   */
  onMtime?: (mtimeMs: number) => void;
}

/**
 * What the final name of a publish holds just before the rename, as SIZE and MDTM told it in the
 * write that carried the RNFR; `unread` when they could not tell (the server lacks either, or a
 * reply was neither a value nor "no such file"): the check then reads the name itself.
 */
export type PublishTarget =
  | { state: "absent" }
  | { state: "present"; size: number; mtimeMs: number }
  | { state: "unread" };

/** Options of `RemoteFs.publish`. */
export interface PublishOptions {
  /** The mtime to give the file (ms, UTC; whole seconds are kept), where the server allows. */
  mtimeMs: number;
  /**
   * Throws to leave the temporary file unpublished, given what the final name holds now. Called
   * before the RNTO is sent; the connection is free for the check's own reads.
   */
  check(now: PublishTarget): Promise<void>;
}

/** What a publish left under the final name. */
export interface Published {
  /**
   * The mtime (ms, UTC) the server reports for the final name now (MDTM, or the time it is known
   * to keep since the set); undefined when that needs more than MDTM (ask `mtime` or a listing).
   */
  mtimeMs: number | undefined;
  /** Why the mtime could not be set (the file is published all the same). */
  mtimeError?: Error;
}

/** Options of `RemoteFs.list`. */
export interface ListOptions {
  /**
   * Called for each listed name that is refused (contains "/" or NUL, is empty, or its line
   * could not be parsed); refused names are not returned. `.` and `..` are skipped silently.
   */
  onRefused?: (name: string, reason: string) => void;
}

/**
 * One FTP connection's operations. Every path is absolute from the FTP login directory,
 * "/"-separated (e.g. `/data/a b/é.txt`); a path that starts with two slashes (`//var/www/a`) is
 * absolute from the server's root. Failures reject with `FtpError` (see `errors.ts`).
 */
export interface RemoteFs {
  readonly capabilities: RemoteCapabilities;
  /** List one directory (not recursive). Rejects when the directory does not exist. */
  list(path: string, options?: ListOptions): Promise<RemoteEntry[]>;
  /** Download a file to a local path (created or truncated, or appended from `startAt`). */
  downloadToFile(path: string, localPath: string, options?: TransferOptions): Promise<void>;
  /** Upload a local file (from `startAt` with APPE when given). */
  uploadFromFile(localPath: string, path: string, options?: TransferOptions): Promise<void>;
  /**
   * RNFR/RNTO. Whether it may replace an existing file depends on the server. On a server that
   * refuses renames (`capabilities.renames` false, learned from a refused rename within a
   * directory onto a free name), rejects with meaning `unsupported`.
   */
  rename(from: string, to: string): Promise<void>;
  /**
   * An uploaded temporary file published under its final name, in two round trips where the
   * server tolerates pipelining: what `final` holds (SIZE, MDTM), the mtime set on `temp` (MFMT or
   * vsftpd's MDTM) and RNFR `temp` in one write; then, once `check` accepted that, RNTO `final`
   * with a read-back of its MDTM in a second one. Rejects with `check`'s error (nothing renamed),
   * or as `rename` does when RNFR or RNTO is refused (`unsupported` on a server that refuses
   * renames; the mtime of what `final` held is never touched).
   */
  publish(temp: string, final: string, options: PublishOptions): Promise<Published>;
  /** DELE a file. */
  remove(path: string): Promise<void>;
  /** MKD one level (the parent must exist). */
  mkdir(path: string): Promise<void>;
  /** RMD an empty directory. */
  rmdir(path: string): Promise<void>;
  /** MDTM: the file's mtime in ms since the epoch, UTC, 1 s precision. */
  mtime(path: string): Promise<number>;
  /**
   * The MDTMs of many files, sent together (one round trip where the server tolerates
   * pipelining): for each path, its mtime as `mtime` gives it or the error `mtime` would reject
   * with, in order. Rejects only when the connection fails.
   */
  mtimes(paths: readonly string[]): Promise<Array<number | Error>>;
  /** SIZE in bytes. */
  size(path: string): Promise<number>;
  /**
   * The server's hash of a file (lower-case hex), with an algorithm of `capabilities.hashes`;
   * rejects with meaning `unsupported` when the server cannot.
   */
  hash(path: string, algorithm: HashAlgorithm): Promise<string>;
  /**
   * The server's time as learned so far; measures it first (a probe file created in `dir`, a
   * directory the user may write) when it was never measured or the measurement is old. Called
   * by a pass before it lists. Never rejects: a server where nothing can be measured is `assumed`.
   */
  learnServerTime(dir: string): Promise<ServerTimeView>;
  /**
   * Set a file's mtime (MFMT, or vsftpd's two-argument MDTM). Resolves false when the server
   * offers neither; rejects on any other failure.
   */
  setMtime(path: string, mtimeMs: number): Promise<boolean>;
  /**
   * The mtime (ms, UTC, whole seconds) that the server keeps for `path` after this connection's
   * last `setMtime` on it, when known without asking (the server's reply stated it, or this
   * connection's read-backs proved that it keeps the value set); undefined: ask `mtime`.
   */
  storedMtime?(path: string): number | undefined;
  /** NOOP: checks that the connection still answers (the pool calls it after a non-FTP error). */
  noop?(): Promise<void>;
  /** True once the connection is closed and unusable. */
  readonly closed: boolean;
  /** Close the connection (QUIT when possible). Never rejects. */
  close(): Promise<void>;
}

/**
 * A set of connections to one section's server, at most `size` at once (listing included).
 * `use` waits for a free connection, opens or replaces one as needed, and retries nothing:
 * the caller decides on retries from the error's `transient` flag.
 */
export interface RemoteFsPool {
  /** Most connections held at once (it shrinks after a 421 "too many connections"). */
  readonly size: number;
  use<T>(fn: (remote: RemoteFs) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Close every connection; pending `use` calls reject. */
  close(): Promise<void>;
}
