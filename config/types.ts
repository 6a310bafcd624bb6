/**
 * The loaded configuration: what `parametre.ini` says once parsed, validated and defaulted.
 * Only `config/schema.ts` maps the INI spelling (`Remote_dir`) to these camelCase fields.
 * @module
 */

/** Log levels, lowest volume first. */
export type LogLevel = "error" | "warning" | "info" | "debug";

/** `ftp` = plain, `ftps` = implicit TLS (port 990), `ftpes` = explicit TLS (AUTH TLS). */
export type FtpType = "ftp" | "ftps" | "ftpes";

/** Which way changes flow; `upload` never writes the local side, `download` never the remote. */
export type Direction = "both" | "upload" | "download";

/**
 * How the server's reported times relate to UTC: measured (`auto`), or a fixed offset in minutes
 * east of UTC (`utc` is 0) for servers where nothing can be measured (read-only accounts).
 */
export type ServerTime = { mode: "auto" } | { mode: "fixed"; offsetMinutes: number };

/** The `[Service]` section, with every default applied. */
export interface ServiceConfig {
  /** Minutes between the starts of two passes (0.1 = 6 s). @default {8} */
  serviceWaitMinutes: number;
  /** Sections synchronised at once. @default {4} */
  concurrentSynchronisations: number;
  /** Directory holding `chown` and `chmod`. @default {"/bin"} */
  binDirectory: string;
  /** Baselines, trash, locks: absolute. $STATE_DIRECTORY under systemd, else /var/lib/ftp-clone. */
  stateDirectory: string;
  /** @default {"info"} */
  logLevel: LogLevel;
  /** Local changes start a pass within seconds. @default {true} */
  watch: boolean;
  /**
   * A Prometheus text file (node_exporter's textfile collector) rewritten after each pass;
   * absolute, ending in `.prom`. Undefined: none is written.
   */
  metricsFile?: string;
}

/** One `[FTPn]` section, with every default applied. */
export interface SectionConfig {
  /** The section name as written, e.g. `FTP1`. */
  name: string;
  /** 1-based line of the `[FTPn]` header in the file. */
  line: number;
  server: string;
  type: FtpType;
  /** 21 for ftp and ftpes, 990 for ftps unless set. */
  port: number;
  /** @default {"anonymous"} */
  user: string;
  /**
   * The decrypted password ("" when none is set). When the stored value cannot be decrypted this
   * is "" and `passwordError` says why; the section then fails at connect time, not at load time.
   */
  password: string;
  /** Why the stored Password could not be used (names the key file and the fix). */
  passwordError?: string;
  /** Most FTP connections the section holds at once, listing included. @default {8} */
  concurrentConnections: number;
  /** Directory from the FTP login root, "/"-separated, without a trailing slash ("/" for the root). */
  remoteDir: string;
  /** Absolute local directory, without a trailing slash. */
  localDir: string;
  /** `user` or `user:group` for downloaded files and created directories. */
  linuxChown?: string;
  /** chmod(1) modes applied in order to downloaded files. @default {[]} */
  linuxChmod: string[];
  /** 40 hex digits written by ftp-clone on the first pass; undefined before it. */
  identifier?: string;
  /** @default {true} */
  tlsVerify: boolean;
  /** SHA-256 of the DER certificate: 64 lower-case hex digits, no colons. */
  tlsFingerprint?: string;
  /** @default {"both"} */
  direction: Direction;
  /** gitignore-style patterns. @default {[]} */
  exclude: string[];
  /** Share of a side's files one pass may delete, in percent. @default {50} */
  maxDeletePercent: number;
  /** Days a trashed file is kept. @default {30} */
  keepDeletedDays: number;
  /** The server's time zone and clock: measured, or fixed by the admin. @default {auto} */
  serverTime: ServerTime;
  /**
   * On servers without exact times (LIST only), every file whose listing looks unchanged gets an
   * exact time (MDTM) at least once per this many ms. @default {86_400_000}
   */
  verifyEveryMs: number;
}

/** A problem found in the file: `<file>:<line>: [<section>] <key>: <message>`. */
export interface ConfigIssue {
  file: string;
  /** 1-based line number; 0 when the issue is about the whole file (unreadable, no [FTPn]). */
  line: number;
  section?: string;
  key?: string;
  message: string;
}

/** A loaded configuration. */
export interface Config {
  /** Absolute path of parametre.ini. */
  path: string;
  service: ServiceConfig;
  sections: SectionConfig[];
  /** Unknown keys, numbering gaps: reported, but the configuration still loads. */
  warnings: ConfigIssue[];
}
