/**
 * What a command needs to run passes over sections: each section's Identifier (written into the
 * ini on its first pass) and its connection pool (one connection budget per server, shared by
 * every section on it). Used by `sync` and `service`.
 * @module
 */
import { setIniValues } from "../config/mod.ts";
import type { SectionConfig } from "../config/mod.ts";
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

  constructor(options: SectionRuntimeOptions) {
    this.#configPath = options.configPath;
    this.#dryRun = options.dryRun ?? false;
    this.#stateDir = options.stateDir;
    // A dry run reads what earlier runs learned and stores nothing.
    this.#profiles = new ServerProfiles({
      stateDir: () => this.#stateDir,
      persist: !this.#dryRun,
    });
  }

  /** The StateDirectory of a (re)loaded configuration. */
  useStateDirectory(dir: string): void {
    this.#stateDir = dir;
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
    return new FtpPool(() => {
      if (section.passwordError !== undefined) {
        return Promise.reject(new Error(section.passwordError));
      }
      return connectRemoteFs({ ...connectOptionsOf(section), profiles: this.#profiles });
    }, { size: section.concurrentConnections, budget });
  }
}
