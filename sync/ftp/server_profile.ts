/**
 * What ftp-clone learned about one server (host, port, user), shared by every connection and every
 * section that uses it in the process: its FEAT, the quirks found in use (LIST without options,
 * EPSV refused, two-argument MDTM, refused renames, commands missing although FEAT was silent)
 * and its time (`server_time.ts`). A connection starts from what the profile knows: FEAT is read
 * once, a refused command is never sent again.
 *
 * Each fact is logged once, when it is learned (info; a refused rename at warning), and again
 * only when it changes. A connection whose greeting's first line differs from the one the
 * profile was learned with is another server (replaced or upgraded): the profile starts over.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { ServerFeatures } from "./features.ts";
import type { HashAlgorithm, RemoteCapabilities } from "./remote_fs.ts";
import { ServerTimeState } from "./server_time_state.ts";

/** Which server and account a profile is about. */
export interface ServerKey {
  host: string;
  port: number;
  user: string;
}

/** `user@host:port`: how logs, the state file and `status` name a server. */
export function serverLabel(key: ServerKey): string {
  return `${key.user}@${key.host}:${key.port}`;
}

/** Quirks learned in use; each one undefined until some reply told. */
export interface ServerQuirks {
  /** `LIST -a <dir>` lists the directory (false: the server reads `-a <dir>` as a path). */
  listOptions?: boolean;
  /** EPSV works (false: PASV only). */
  epsv?: boolean;
  /** Two-argument `MDTM YYYYMMDDHHMMSS path` sets mtimes (vsftpd). */
  mdtmWrite?: boolean;
  /** RNFR/RNTO of an upload onto a free name works (false: refused by the server). */
  renames?: boolean;
  /** Commands answered 500/502 although FEAT did not tell (servers without FEAT). */
  size?: boolean;
  mdtm?: boolean;
  rest?: boolean;
}

/** What each learned value means, for the log line. */
const QUIRK_TEXT: {
  [K in keyof ServerQuirks]-?: (value: boolean) => string;
} = {
  listOptions: (v) =>
    v
      ? "takes options after LIST (LIST -a <dir>)"
      : "takes no options after LIST (it reads `LIST -a <dir>` as a path): listing with LIST <dir>",
  epsv: (v) => v ? "accepts EPSV" : "refuses EPSV: data connections use PASV",
  mdtmWrite: (v) =>
    v
      ? "sets mtimes with a two-argument MDTM"
      : "cannot set mtimes (no MFMT, and MDTM with two arguments is refused): files it " +
        "receives keep their upload time",
  renames: (v) =>
    v
      ? "renames files again"
      : "refuses to rename an upload onto a free name: uploads go straight to their final " +
        "name, so a reader may see a partial file while one is sent, and an interrupted upload " +
        "leaves a partial file under the final name until the next pass sends it again",
  size: (v) => v ? "answers SIZE" : "does not implement SIZE",
  mdtm: (v) => v ? "answers MDTM" : "does not implement MDTM: times are those of its listings",
  rest: (v) => v ? "resumes transfers (REST)" : "cannot resume transfers (REST refused)",
};

/** One server's profile. Get it from {@linkcode ServerProfiles}. */
export class ServerProfile {
  readonly key: ServerKey;
  readonly label: string;
  /** The greeting's first line the profile was learned with. */
  #greeting: string | undefined;
  #features: ServerFeatures | undefined;
  #quirks: ServerQuirks = {};
  /** `capabilities()`, rebuilt when a fact changes. */
  #capabilities: RemoteCapabilities | undefined;
  /** The server's time, learned once and shared (see `server_time_state.ts`). */
  readonly time: ServerTimeState;
  readonly #log = getLogger(["ftp-clone", "server"]);

  constructor(key: ServerKey, time: ServerTimeState) {
    this.key = key;
    this.label = serverLabel(key);
    this.time = time;
  }

  /**
   * Called with each new connection's greeting: a first line other than the one the profile was
   * learned with means another server (replaced or upgraded) behind the same address: forget
   * what was learned about its protocol (its time is measured again too).
   */
  greeted(greeting: string): void {
    const first = greeting.split(/\r?\n/)[0]?.trim() ?? "";
    if (this.#greeting !== undefined && this.#greeting !== first && this.#features !== undefined) {
      this.#log.info("Server {server} greets differently ({greeting}): learning it again", {
        server: this.label,
        greeting: JSON.stringify(first),
      });
      this.#features = undefined;
      this.#quirks = {};
      this.#capabilities = undefined;
      this.time.forget();
    }
    this.#greeting = first;
  }

  /** FEAT as read once (undefined: not read yet). */
  get features(): ServerFeatures | undefined {
    return this.#features;
  }

  /** Stores FEAT (logged once at info). */
  setFeatures(features: ServerFeatures): void {
    const before = this.#features?.summary;
    this.#features = features;
    this.#capabilities = undefined;
    if (before === features.summary) return;
    this.#log.info("Server {server} offers: {features}", {
      server: this.label,
      features: features.summary,
    });
  }

  /** A quirk as learned so far (undefined: not known). */
  quirk<K extends keyof ServerQuirks>(name: K): ServerQuirks[K] {
    return this.#quirks[name];
  }

  /**
   * Records a quirk; logged when it is new or changed (info, a refused rename at warning).
   * `detail` (e.g. the reply) is added to the log line.
   */
  learn<K extends keyof ServerQuirks>(name: K, value: boolean, detail?: string): void {
    if (this.#quirks[name] === value) return;
    this.#quirks[name] = value;
    this.#capabilities = undefined;
    const message = `Server {server} ${QUIRK_TEXT[name](value)}${detail ? " ({detail})" : ""}`;
    const properties = { server: this.label, ...(detail ? { detail } : {}) };
    if (name === "renames" && !value) this.#log.warn(message, properties);
    else this.#log.info(message, properties);
  }

  /** The capabilities a connection reports: FEAT, corrected by what use taught. */
  capabilities(): RemoteCapabilities {
    this.#capabilities ??= this.#computeCapabilities();
    return this.#capabilities;
  }

  #computeCapabilities(): RemoteCapabilities {
    const f = this.#features;
    const q = this.#quirks;
    const hashes: HashAlgorithm[] = f === undefined ? [] : [...f.hashes.keys()];
    return {
      mlsd: f?.mlst ?? false,
      mfmt: f?.mfmt ?? false,
      mdtmWrite: q.mdtmWrite === true,
      restStream: (f?.rest ?? true) && q.rest !== false,
      utf8: f?.utf8 ?? false,
      hashes,
      renames: q.renames !== false,
      size: (f?.size ?? true) && q.size !== false,
      mdtm: (f?.mdtm ?? true) && q.mdtm !== false,
    };
  }
}

/** The profiles of a process, one per server and user (`host:port:user`). */
export class ServerProfiles {
  readonly #profiles = new Map<string, ServerProfile>();
  readonly #stateDir: () => string | undefined;
  readonly #now: () => number;

  /**
   * `stateDir`: where server times are kept between runs (undefined: in memory only; a function:
   * read when needed, for a service whose configuration is reloaded); `now`: our clock, ms since
   * the epoch.
   */
  constructor(
    options: {
      stateDir?: string | (() => string | undefined) | undefined;
      now?: () => number;
    } = {},
  ) {
    const dir = options.stateDir;
    this.#stateDir = typeof dir === "function" ? dir : () => dir;
    this.#now = options.now ?? Date.now;
  }

  /** The profile of a server and user, created empty on first use. */
  get(key: ServerKey): ServerProfile {
    const id = `${key.host}:${key.port}:${key.user}`;
    let profile = this.#profiles.get(id);
    if (profile === undefined) {
      profile = new ServerProfile(
        key,
        new ServerTimeState(serverLabel(key), { stateDir: this.#stateDir, now: this.#now }),
      );
      this.#profiles.set(id, profile);
    }
    return profile;
  }
}
