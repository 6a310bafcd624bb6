/**
 * The load test's writers and their ledger: a seeded random writer per (section, side) that
 * keeps creating, rewriting (new size, or the same size), deleting and renaming files, a few
 * operations per second, and records every version it wrote (sha256) with its side.
 *
 * Paths are split to keep the final check exact: the local writer owns `l/...`, the remote writer
 * owns `r/...` (create, modify, delete, rename there), and both occasionally rewrite the shared
 * `s/...` files (create and modify only), where true conflicts happen.
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import type { Rng } from "../support/fuzz_ini.ts";

/** Which side a writer writes on. */
export type WriterSide = "local" | "remote";

/** One version written by a writer. */
export interface Version {
  /** sha256 of the bytes, hex. */
  hash: string;
  side: WriterSide;
  /** Date.now() when the write finished, ms (to line it up with the service log). */
  at: number;
}

/** Operation counts of one writer. */
export interface OpCounts {
  create: number;
  modify: number;
  sameSize: number;
  delete: number;
  rename: number;
  shared: number;
}

/** How a writer touches its side: the local disk, or the FTP root through the harness. */
export interface SideIo {
  /** Absolute path of the side's root (Local_dir, or the FTP root's Remote_dir). */
  root: string;
  /** Writes a file (parents made), with an explicit mtime when given. */
  write(rel: string, bytes: Uint8Array, mtime?: Date): Promise<void>;
  /** mkdir -p of a relative directory (owned by the FTP user on the server). */
  mkdir(rel: string): Promise<void>;
}

/** Every version of every path of one section, and each side's last operation per path. */
export class Ledger {
  /** Every hash ever written on either side (to prove no invented or partial content). */
  readonly allHashes: Set<string> = new Set();
  /** path -> every version written there, in write order. */
  readonly history: Map<string, Version[]> = new Map();
  /** side -> path -> the side's last version, or null when its last operation deleted it. */
  readonly last: Record<WriterSide, Map<string, Version | null>> = {
    local: new Map(),
    remote: new Map(),
  };

  /** Records a version written at `path`. */
  wrote(path: string, side: WriterSide, hash: string): void {
    const version = { hash, side, at: Date.now() };
    this.allHashes.add(hash);
    const list = this.history.get(path) ?? [];
    list.push(version);
    this.history.set(path, list);
    this.last[side].set(path, version);
  }

  /** Records that `side` deleted `path`. */
  deleted(path: string, side: WriterSide): void {
    this.last[side].set(path, null);
  }
}

/** sha256 of bytes, hex. */
export function sha(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const OWNED_DIRS = ["", "d0/", "d1/", "d1/e/"];
/** How many owned files a writer aims at (creates above, deletes below). */
const TARGET_FILES = 24;
/** Shared files per section. */
export const SHARED_FILES = 4;

/** Options of {@linkcode Writer}. */
export interface WriterOptions {
  section: string;
  side: WriterSide;
  io: SideIo;
  ledger: Ledger;
  rng: Rng;
}

/** One seeded writer on one side of one section. */
export class Writer {
  readonly counts: OpCounts = {
    create: 0,
    modify: 0,
    sameSize: 0,
    delete: 0,
    rename: 0,
    shared: 0,
  };
  /** Operations that threw (a file of this writer vanished or changed under it). */
  readonly failures: string[] = [];
  readonly #o: WriterOptions;
  /** Owned paths that exist on this side, with their current size. */
  readonly #files = new Map<string, number>();
  /** Last remote mtime given per path, in whole seconds (see #mtime). */
  readonly #mtimes = new Map<string, number>();
  #serial = 0;

  constructor(options: WriterOptions) {
    this.#o = options;
  }

  /** The prefix this writer owns: `l/` or `r/`. */
  get prefix(): string {
    return this.#o.side === "local" ? "l/" : "r/";
  }

  /** Writes the initial files (before the service starts). */
  async seed(count: number): Promise<void> {
    for (let i = 0; i < count; i++) await this.#create();
  }

  /** Performs operations until `stop` is aborted, `pauseMs` apart on average. */
  async run(stop: AbortSignal, pauseMs: number): Promise<void> {
    while (!stop.aborted) {
      try {
        await this.step();
      } catch (error) {
        // Only ftp-clone can have moved one of this writer's files (e.g. renamed it to a
        // conflict name): the test reports it rather than crash.
        this.failures.push(error instanceof Error ? error.message : String(error));
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs / 2 + this.#o.rng.int(pauseMs)));
    }
  }

  /** One random operation. */
  async step(): Promise<void> {
    const rng = this.#o.rng;
    if (rng.chance(0.06)) return await this.#shared();
    const n = this.#files.size;
    const roll = rng.next();
    if (n < 4 || (n < TARGET_FILES && roll < 0.35)) return await this.#create();
    if (roll < 0.2) return await this.#create();
    if (roll < 0.5) return await this.#modify(false);
    if (roll < 0.65) return await this.#modify(true);
    if (roll < 0.85 || n > TARGET_FILES * 1.5) return await this.#delete();
    return await this.#rename();
  }

  #freePath(): string {
    for (;;) {
      const rng = this.#o.rng;
      const path = `${this.prefix}${rng.pick(OWNED_DIRS)}f${rng.int(60)}.txt`;
      if (!this.#files.has(path)) return path;
    }
  }

  #anyFile(): string {
    return this.#o.rng.pick([...this.#files.keys()]);
  }

  /** Bytes naming the section, side, path and serial, padded to `size` (>= 64). */
  #content(path: string, size: number): Uint8Array {
    const rng = this.#o.rng;
    const head = `${this.#o.section} ${this.#o.side} ${path} #${++this.#serial}\n`;
    let body = head;
    while (body.length < size) body += String.fromCharCode(97 + rng.int(26));
    return new TextEncoder().encode(body.slice(0, Math.max(size, head.length)));
  }

  /**
   * The mtime a remote write gets: whole seconds, strictly increasing per path. A same-size
   * rewrite within the same second is invisible over FTP (MDTM has 1 s precision), which is a
   * limit of the protocol, not of the engine under test.
   */
  #mtime(path: string): Date | undefined {
    if (this.#o.side === "local") return undefined;
    const now = Math.floor(Date.now() / 1000);
    const next = Math.max(now, (this.#mtimes.get(path) ?? 0) + 1);
    this.#mtimes.set(path, next);
    return new Date(next * 1000);
  }

  async #put(path: string, bytes: Uint8Array): Promise<void> {
    await this.#o.io.write(path, bytes, this.#mtime(path));
    this.#o.ledger.wrote(path, this.#o.side, sha(bytes));
  }

  async #create(): Promise<void> {
    const path = this.#freePath();
    const size = 64 + this.#o.rng.int(6000);
    await this.#put(path, this.#content(path, size));
    this.#files.set(path, size);
    this.counts.create++;
  }

  async #modify(sameSize: boolean): Promise<void> {
    const path = this.#anyFile();
    const old = this.#files.get(path) ?? 64;
    let size = sameSize ? old : 64 + this.#o.rng.int(6000);
    if (!sameSize && size === old) size++;
    const bytes = this.#content(path, size);
    await this.#put(path, bytes);
    this.#files.set(path, bytes.length);
    if (sameSize && bytes.length === old) this.counts.sameSize++;
    else this.counts.modify++;
  }

  async #delete(): Promise<void> {
    const path = this.#anyFile();
    await Deno.remove(join(this.#o.io.root, path));
    this.#files.delete(path);
    this.#o.ledger.deleted(path, this.#o.side);
    this.counts.delete++;
  }

  async #rename(): Promise<void> {
    const from = this.#anyFile();
    const to = this.#freePath();
    const abs = join(this.#o.io.root, to);
    await this.#o.io.mkdir(dirname(to));
    const bytes = await Deno.readFile(join(this.#o.io.root, from));
    await Deno.rename(join(this.#o.io.root, from), abs);
    if (this.#o.side === "remote") {
      // A renamed file keeps its mtime; give it a new whole second like every remote version.
      const mtime = this.#mtime(to)!;
      await Deno.utime(abs, mtime, mtime);
    }
    this.#files.set(to, this.#files.get(from) ?? bytes.length);
    this.#files.delete(from);
    this.#o.ledger.deleted(from, this.#o.side);
    this.#o.ledger.wrote(to, this.#o.side, sha(bytes));
    this.counts.rename++;
  }

  /** Rewrites one of the shared files (creates it when missing): conflicts happen here. */
  async #shared(): Promise<void> {
    const path = `s/f${this.#o.rng.int(SHARED_FILES)}.txt`;
    await this.#put(path, this.#content(path, 64 + this.#o.rng.int(3000)));
    this.counts.shared++;
  }
}
