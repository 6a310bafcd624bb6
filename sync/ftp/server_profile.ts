/**
 * What ftp-clone learned about one server (host, port, user), shared by every connection and every
 * section that uses it in the process: its FEAT, the quirks found in use (LIST without options,
 * EPSV refused, two-argument MDTM, refused renames, commands missing although FEAT was silent)
 * and its time (`server_time.ts`). A connection starts from what the profile knows: FEAT is read
 * once, a refused command is never sent again.
 *
 * Each fact is logged once, when it is learned (info; a refused rename at warning), and again
 * only when it changes, also across runs: what was logged is kept in the state directory
 * (`server_store.ts`), and a new process that learns the same again logs it at debug (it still
 * learns everything itself: what is stored never decides what is sent). A connection whose
 * greeting's first line differs from the one the profile was learned with is another server
 * (replaced or upgraded): the profile starts over.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { ServerFeatures } from "./features.ts";
import type { HashAlgorithm, RemoteCapabilities } from "./remote_fs.ts";
import { readServerFacts, saveServerFacts, type StoredFacts } from "./server_store.ts";
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

/** Where a profile keeps what it logged (undefined: nowhere, every fact is new). */
interface FactsStore {
  load(): StoredFacts | undefined;
  save(facts: StoredFacts): void;
}

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
  readonly #store: FactsStore | undefined;
  /** What the state directory says was logged before (read once). */
  #logged: StoredFacts | undefined;
  #loaded = false;
  /** Log learned facts at debug only (`check`, which reports its own findings). */
  readonly #quiet: boolean;

  constructor(
    key: ServerKey,
    time: ServerTimeState,
    options: { store?: FactsStore | undefined; quiet?: boolean } = {},
  ) {
    this.key = key;
    this.label = serverLabel(key);
    this.time = time;
    this.#store = options.store;
    this.#quiet = options.quiet ?? false;
  }

  /** What was logged before, by this process or an earlier one. */
  #previously(): StoredFacts {
    if (!this.#loaded) {
      this.#loaded = true;
      try {
        this.#logged = this.#store?.load();
      } catch {
        // Unreadable: everything is logged as new.
      }
    }
    this.#logged ??= { quirks: {} };
    return this.#logged;
  }

  /** Records what was just logged (the state directory is best effort here). */
  #remember(change: (facts: StoredFacts) => void): boolean {
    const facts = this.#previously();
    const before = JSON.stringify(facts);
    change(facts);
    if (JSON.stringify(facts) === before) return false;
    try {
      this.#store?.save(facts);
    } catch {
      // Logged again by the next process: no harm.
    }
    return true;
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

  /** Stores FEAT (logged at info when new or changed since it was last logged). */
  setFeatures(features: ServerFeatures): void {
    this.#features = features;
    this.#capabilities = undefined;
    const changed = this.#remember((f) => f.features = features.summary);
    const properties = { server: this.label, features: features.summary };
    const message = "Server {server} offers: {features}";
    if (changed && !this.#quiet) this.#log.info(message, properties);
    else this.#log.debug(message, properties);
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
    const changed = this.#remember((f) => f.quirks[name] = value);
    const message = `Server {server} ${QUIRK_TEXT[name](value)}${detail ? " ({detail})" : ""}`;
    const properties = { server: this.label, ...(detail ? { detail } : {}) };
    if (!changed || this.#quiet) this.#log.debug(message, properties);
    else if (name === "renames" && !value) this.#log.warn(message, properties);
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
  readonly #quiet: boolean;
  readonly #persist: boolean;

  /**
   * `stateDir`: where server times are kept between runs (undefined: in memory only; a function:
   * read when needed, for a service whose configuration is reloaded); `now`: our clock, ms since
   * the epoch; `quiet`: learned facts are logged at debug only (`check` reports its own);
   * `persist: false`: the state directory is read, never written (a dry run).
   */
  constructor(
    options: {
      stateDir?: string | (() => string | undefined) | undefined;
      now?: () => number;
      quiet?: boolean;
      persist?: boolean;
    } = {},
  ) {
    const dir = options.stateDir;
    this.#stateDir = typeof dir === "function" ? dir : () => dir;
    this.#now = options.now ?? Date.now;
    this.#quiet = options.quiet ?? false;
    this.#persist = options.persist ?? true;
  }

  /** The profile of a server and user, created empty on first use. */
  get(key: ServerKey): ServerProfile {
    const id = `${key.host}:${key.port}:${key.user}`;
    let profile = this.#profiles.get(id);
    if (profile === undefined) {
      const label = serverLabel(key);
      const stateDir = this.#stateDir;
      const store: FactsStore = {
        load: () => {
          const dir = stateDir();
          return dir === undefined ? undefined : readServerFacts(dir, label);
        },
        save: (facts) => {
          const dir = stateDir();
          if (dir !== undefined && this.#persist) saveServerFacts(dir, label, facts);
        },
      };
      profile = new ServerProfile(
        key,
        new ServerTimeState(label, { stateDir, now: this.#now, persist: this.#persist }),
        { store, quiet: this.#quiet },
      );
      this.#profiles.set(id, profile);
    }
    return profile;
  }
}
