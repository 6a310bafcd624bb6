/**
 * What a command needs to run passes over sections: each section's Identifier (written into the
 * ini on its first pass) and its connection pool (one connection budget per server, shared by
 * every section on it). Used by `sync` and `service`.
 * @module
 */
import {
  readSectionPassword,
  secretKeyPath,
  type SectionConfig,
  type SectionPassword,
  setIniValues,
} from "../config/mod.ts";
import {
  ConnectionBudgets,
  type ConnectOptions,
  connectRemoteFs,
  FtpPool,
  type RemoteFsPool,
  ServerProfiles,
} from "../sync/mod.ts";
import { errorMessage } from "./error_message.ts";

/** A new Identifier: 40 random hex digits. */
export function newIdentifier(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(20)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** How to reach and log in to a section's server. */
export function connectOptionsOf(section: SectionConfig): ConnectOptions {
  return {
    host: section.server,
    port: section.port,
    type: section.type,
    user: section.user,
    password: section.password,
    tlsVerify: section.tlsVerify,
    tlsFingerprint: section.tlsFingerprint,
    serverTime: section.serverTime,
  };
}

/** Options of {@linkcode SectionRuntime}. */
export interface SectionRuntimeOptions {
  /** parametre.ini, where a first pass writes the section's Identifier. */
  configPath: string;
  /** A dry run writes nothing: a section without Identifier gets a provisional one. */
  dryRun?: boolean;
  /** StateDirectory, where what is learned about each server's time is kept. */
  stateDir?: string;
  /**
   * Read each section's Password again from the file when it (or secret.key) changed, so that a
   * password saved while the service runs is used from the next pass, without a reload. `command`
   * is how the user runs ftp-clone, for the advice in errors.
   */
  refreshPasswords?: { command: string };
}

/** When parametre.ini and secret.key were last changed (ms; 0 when missing). */
function passwordFilesStamp(configPath: string): string {
  const mtime = (path: string): number => {
    try {
      return Deno.statSync(path).mtime?.getTime() ?? 0;
    } catch {
      return 0;
    }
  };
  return `${mtime(configPath)}:${mtime(secretKeyPath(configPath))}`;
}

/** Identifiers and pools of the sections of one configuration. */
export class SectionRuntime {
  readonly #configPath: string;
  readonly #dryRun: boolean;
  readonly #identifiers = new Map<string, string>();
  readonly #budgets = new ConnectionBudgets();
  /** What is learned about each server, shared by every section on it. */
  readonly #profiles: ServerProfiles;
  #stateDir: string | undefined;
  readonly #refresh: { command: string } | undefined;
  /** Per section (upper case): the files' stamp when read, and what was read. */
  readonly #passwords = new Map<string, { stamp: string; read: SectionPassword }>();

  constructor(options: SectionRuntimeOptions) {
    this.#configPath = options.configPath;
    this.#dryRun = options.dryRun ?? false;
    this.#stateDir = options.stateDir;
    // A dry run reads what earlier runs learned and stores nothing.
    this.#profiles = new ServerProfiles({
      stateDir: () => this.#stateDir,
      persist: !this.#dryRun,
    });
    this.#refresh = options.refreshPasswords;
  }

  /** The StateDirectory of a (re)loaded configuration. */
  useStateDirectory(dir: string): void {
    this.#stateDir = dir;
  }

  /** The section's password as the file says now (see `refreshPasswords`), else as loaded. */
  async #password(section: SectionConfig): Promise<SectionPassword> {
    const loaded: SectionPassword = section.passwordError === undefined
      ? { password: section.password }
      : { password: "", passwordError: section.passwordError };
    if (this.#refresh === undefined) return loaded;
    const key = section.name.toUpperCase();
    const stamp = passwordFilesStamp(this.#configPath);
    const cached = this.#passwords.get(key);
    if (cached?.stamp === stamp) return cached.read;
    let read: SectionPassword;
    try {
      read = await readSectionPassword(this.#configPath, section.name, this.#refresh);
    } catch {
      return loaded; // unreadable for a moment (being edited): the loaded one
    }
    this.#passwords.set(key, { stamp, read });
    return read;
  }

  /**
   * The section's Identifier; on its first pass a new one is written into the ini (the only
   * change made to the file). A dry run uses a provisional one and writes nothing.
   */
  async identifierOf(section: SectionConfig): Promise<string> {
    if (section.identifier !== undefined) return section.identifier;
    const key = section.name.toUpperCase();
    let id = this.#identifiers.get(key);
    if (id === undefined) {
      id = newIdentifier();
      if (!this.#dryRun) {
        try {
          await setIniValues(this.#configPath, section.name, { Identifier: id });
        } catch (error) {
          throw new Error(
            `Cannot write the Identifier of section "${section.name}" into ` +
              `"${this.#configPath}": ${errorMessage(error)}`,
            { cause: error },
          );
        }
      }
      this.#identifiers.set(key, id);
    }
    return id;
  }

  /**
   * A pool of at most ConcurrentConnections connections, within its server's budget (shared by
   * every section on the server: the largest ask, lowered by 421s, never exceeded).
   */
  makePool(section: SectionConfig): RemoteFsPool {
    const server = { host: section.server, port: section.port, user: section.user };
    const budget = this.#budgets.get(server, section.concurrentConnections);
    return new FtpPool(async () => {
      const { password, passwordError } = await this.#password(section);
      if (passwordError !== undefined) throw new Error(passwordError);
      return connectRemoteFs({
        ...connectOptionsOf(section),
        password,
        profiles: this.#profiles,
      });
    }, { size: section.concurrentConnections, budget });
  }
}
