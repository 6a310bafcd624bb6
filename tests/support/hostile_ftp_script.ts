/**
 * The script and handle types of the hostile FTP server (`hostile_ftp_server.ts`).
 * @module
 */

/** How a listing (or a download) is sent on the data connection. */
export interface DataSpec {
  /** The bytes, sent in chunks of `chunkSize` every `chunkDelayMs`, then the data socket ends. */
  data?: string | Uint8Array;
  /** Bytes per chunk. @default {64 KiB} */
  chunkSize?: number;
  /** Pause between chunks, ms. @default {0} */
  chunkDelayMs?: number;
  /** After `data`, repeat this line every `dripMs` forever (a listing that never ends). */
  dripForever?: { line: string; everyMs: number };
  /** Send "150" and then nothing at all: no data, no end, no 226. */
  silenceAfter150?: boolean;
  /** After the data, reply 226 but leave the data connection open and silent. */
  holdOpen?: boolean;
  /** Send only this many bytes, then reset the data connection and reply 426. */
  cutAfter?: number;
}

/** A reply to one command. */
export type Reply =
  /** A complete reply, e.g. `213 20260101000000` (CRLF added); multi-line replies as given. */
  | string
  /**
   * The reply sent one byte every `everyMs` (a slow server): bytes keep arriving, so only a
   * total deadline on the reply ends one that takes too long.
   */
  | { drip: string; everyMs: number }
  /** The reply sent whole after `afterMs`. */
  | { after: number; reply: string }
  /** Never answer this command. */
  | { silence: true }
  /** Close the control connection without a reply. */
  | { close: true };

/** What a hostile server does; everything not scripted behaves like a plain, permissive server. */
export interface HostileScript {
  /** The greeting. @default {"220 hostile"} */
  greeting?: Reply;
  /** FEAT lines (without the leading space). @default {["MLST type*;size*;modify*;", "UTF8", "REST STREAM", "SIZE", "MDTM"]} */
  features?: string[];
  /**
   * Listings by absolute directory path: `mlsd` answers MLSD, `list` answers LIST (a string is
   * sent as is; a DataSpec scripts the transfer). A directory not listed here: 550.
   */
  listings?: Record<string, { mlsd?: string | DataSpec; list?: string | DataSpec }>;
  /** File contents for RETR/SIZE, by absolute path. */
  files?: Record<string, string | Uint8Array | DataSpec>;
  /** File times for MDTM (`YYYYMMDDHHMMSS`), by path. @default {"20260101000000"} */
  times?: Record<string, string>;
  /**
   * Directories listed (MLSD) from what clients stored with STOR/MKD rather than from `listings`,
   * so that a full two-way pass can run against the server. The times are those of the STOR or
   * of the last MFMT.
   */
  dynamicDirs?: string[];
  /** Called after each chunk of an upload (the data connection is paused until it resolves). */
  onReceive?: (path: string, received: number) => Promise<void> | void;
  /** Control connections open at once beyond this are greeted with 421 and closed. */
  maxConnections?: number;
  /**
   * false: the server reads one command per read of its socket and drops the rest of what
   * arrived with it (commands pipelined by the client are lost). @default {true}
   */
  pipelining?: boolean;
  /** Overrides any command: return a Reply, or undefined to go on with the default behaviour. */
  onCommand?: (verb: string, arg: string) => Reply | undefined;
}

/** A running hostile server. */
export interface HostileServer extends AsyncDisposable {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Every command received, in order, as `VERB arg` (PASS included, verbatim). */
  readonly commands: string[];
  /**
   * The commands grouped by the read of the control socket they arrived in (PASS without its
   * argument): a client's pipelined commands arrive together.
   */
  readonly batches: string[][];
  /** Files stored with STOR (absolute path -> bytes). */
  readonly stored: Map<string, Uint8Array>;
  /** Control connections accepted so far. */
  readonly connections: number;
  /** Most control connections that were open at once. */
  readonly peakConnections: number;
  /** Stop listening and destroy every socket. */
  close(): Promise<void>;
}
