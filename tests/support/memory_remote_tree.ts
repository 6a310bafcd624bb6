/**
 * The store behind the in-memory FTP server of tests: one tree with LIST (60 s) or MLSD (1 s)
 * time precision, failure injection and operation counters.
 * @module
 */
import { FtpError } from "../../sync/ftp/errors.ts";
import type { HashAlgorithm, RemoteCapabilities } from "../../sync/ftp/remote_fs.ts";

/** Operations counted and open to failure injection. */
export type RemoteOp =
  | "connect"
  | "list"
  | "download"
  | "upload"
  | "rename"
  | "remove"
  | "mkdir"
  | "rmdir"
  | "mtime"
  | "size"
  | "setMtime"
  | "hash";

/** One file, directory or symlink of the tree. */
export type MemoryNode =
  | { kind: "file"; data: Uint8Array; mtimeMs: number }
  | { kind: "dir"; mtimeMs: number; children: Map<string, MemoryNode> }
  | { kind: "symlink"; target: string; mtimeMs: number };

/** A failure to inject into the next matching operation. */
export interface InjectedFailure {
  op: RemoteOp;
  /** Only operations on a matching path (for rename: the source path). @default {any path} */
  path?: RegExp | string;
  /** What the operation rejects with. A 421 or a non-numeric code also closes the connection. */
  error: FtpError;
  /**
   * Transfers only: fail after this many bytes. An upload leaves those bytes under its target
   * name (as a real server does); a download has written them to its destination.
   */
  afterBytes?: number;
  /** How many matching operations fail. @default {1} */
  times?: number;
}

/** Options of {@linkcode MemoryRemoteTree}. */
export interface MemoryRemoteTreeOptions {
  /** 1000: listings like MLSD (exact seconds); 60_000: like LIST (`HH:MM`, a day when old). */
  precisionMs: 1000 | 60_000;
  /** FEAT offers MFMT. @default {true} */
  mfmt?: boolean;
  /** vsftpd's two-argument MDTM sets mtimes. @default {false} */
  mdtmWrite?: boolean;
  /** Offers MLSD. @default {precisionMs === 1000} */
  mlsd?: boolean;
  /** RNTO may replace an existing file. @default {true} */
  renameOverwrite?: boolean;
  /** SIZE and MDTM answer (false: `size()`/`mtime()` reject with `unsupported`). @default {true} */
  size?: boolean;
  mdtm?: boolean;
  /** REST STREAM. @default {true} */
  restStream?: boolean;
  /**
   * The server refuses RNFR/RNTO: the first rename rejects with meaning `unsupported` and turns
   * `capabilities.renames` false, as the FTP layer learns it. @default {false}
   */
  refuseRenames?: boolean;
  /** Hashes the server computes (`RemoteFs.hash`). @default {[]} */
  hashes?: readonly HashAlgorithm[];
  /** Most connections open at once; one more is refused with 421. @default {unlimited} */
  maxConnections?: number;
  /** The server's clock, ms since the epoch: new files get it as mtime. @default {Date.now} */
  now?: () => number;
  /** Listings carry MLSD's `unique` fact (one per node: a rename keeps it). @default {false} */
  uniqueFacts?: boolean;
}

const SIX_MONTHS_MS = 182 * 86_400_000;
/** The `unique` facts given so far (all trees: a fact never repeats). */
let uniqueCount = 0;
const DAY_MS = 86_400_000;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The components of an absolute remote path; rejects `.` and `..` like a chrooted server. */
export function splitRemotePath(path: string, command: string): string[] {
  const parts = path.split("/").filter((part) => part !== "");
  if (parts.some((part) => part === "." || part === "..")) {
    throw new FtpError(`Refused path "${path}"`, { code: 550, command, transient: false });
  }
  return parts;
}

/**
 * The data of an in-memory remote tree, its test helpers, counters and injected failures.
 * `MemoryRemoteTree` (in `memory_remote_fs.ts`) adds connections to it.
 */
export class MemoryTreeStore {
  readonly root: MemoryNode & { kind: "dir" };
  /** What the server offers (`renames` turns false on the first refused rename). */
  readonly capabilities: RemoteCapabilities;
  readonly refuseRenames: boolean;
  readonly precisionMs: 1000 | 60_000;
  readonly renameOverwrite: boolean;
  readonly now: () => number;
  /** Operations done per type (failed ones included). */
  readonly counts: Record<RemoteOp, number>;
  /** Bytes received by uploads and sent by downloads. */
  bytes = { uploaded: 0, downloaded: 0 };
  /** Whether listings carry `unique` facts. */
  readonly uniqueFacts: boolean;
  #failures: InjectedFailure[] = [];
  #unique = new WeakMap<MemoryNode, string>();

  constructor(options: MemoryRemoteTreeOptions) {
    this.precisionMs = options.precisionMs;
    this.renameOverwrite = options.renameOverwrite ?? true;
    this.now = options.now ?? Date.now;
    this.uniqueFacts = options.uniqueFacts ?? false;
    this.capabilities = {
      mlsd: options.mlsd ?? options.precisionMs === 1000,
      mfmt: options.mfmt ?? true,
      mdtmWrite: options.mdtmWrite ?? false,
      restStream: options.restStream ?? true,
      size: options.size ?? true,
      mdtm: options.mdtm ?? true,
      hashes: options.hashes ?? [],
      renames: true,
      utf8: true,
    };
    this.refuseRenames = options.refuseRenames ?? false;
    this.root = { kind: "dir", mtimeMs: this.now(), children: new Map() };
    this.counts = {
      connect: 0,
      list: 0,
      download: 0,
      upload: 0,
      rename: 0,
      remove: 0,
      mkdir: 0,
      rmdir: 0,
      mtime: 0,
      size: 0,
      setMtime: 0,
      hash: 0,
    };
  }

  /** Sets every counter (and the byte counts) back to 0. */
  resetCounts(): void {
    for (const key of Object.keys(this.counts) as RemoteOp[]) this.counts[key] = 0;
    this.bytes = { uploaded: 0, downloaded: 0 };
  }

  /** Makes the next matching operation(s) fail. */
  failNext(failure: InjectedFailure): void {
    this.#failures.push(failure);
  }

  /** Counts an operation and returns the failure it must suffer, if any (used by connections). */
  begin(op: RemoteOp, path: string): InjectedFailure | undefined {
    this.counts[op]++;
    const index = this.#failures.findIndex((f) =>
      f.op === op &&
      (f.path === undefined ||
        (typeof f.path === "string" ? f.path === path : f.path.test(path)))
    );
    if (index < 0) return undefined;
    const failure = this.#failures[index]!;
    const times = (failure.times ?? 1) - 1;
    if (times <= 0) this.#failures.splice(index, 1);
    else this.#failures[index] = { ...failure, times };
    if (failure.afterBytes === undefined) throw failure.error;
    return failure;
  }

  /** A node's `unique` fact: given once per node, so a rename keeps it and a new file has its own. */
  uniqueOf(node: MemoryNode): string {
    let id = this.#unique.get(node);
    if (id === undefined) {
      id = `m${++uniqueCount}`;
      this.#unique.set(node, id);
    }
    return id;
  }

  /** The node at an absolute path, or undefined. */
  node(path: string): MemoryNode | undefined {
    let node: MemoryNode = this.root;
    for (const part of splitRemotePath(path, "STAT")) {
      if (node.kind !== "dir") return undefined;
      const child = node.children.get(part);
      if (child === undefined) return undefined;
      node = child;
    }
    return node;
  }

  /** The directory that holds a path and the path's name; creates parents when asked. */
  parentOf(
    path: string,
    options: { create?: boolean; command: string },
  ): { dir: MemoryNode & { kind: "dir" }; name: string } {
    const parts = splitRemotePath(path, options.command);
    const name = parts.pop();
    if (name === undefined) {
      throw new FtpError(`No name in "${path}"`, {
        code: 550,
        command: options.command,
        transient: false,
      });
    }
    let dir = this.root;
    for (const part of parts) {
      let child = dir.children.get(part);
      if (child === undefined && options.create) {
        child = { kind: "dir", mtimeMs: this.now(), children: new Map() };
        dir.children.set(part, child);
      }
      if (child === undefined || child.kind !== "dir") {
        throw new FtpError(`No such directory: "${path}"`, {
          code: 550,
          command: options.command,
          transient: false,
        });
      }
      dir = child;
    }
    return { dir, name };
  }

  /** Test helper: writes a file (parents created), with an mtime (default: now). */
  putFile(path: string, content: Uint8Array | string, options: { mtimeMs?: number } = {}): void {
    const data = typeof content === "string" ? new TextEncoder().encode(content) : content;
    const { dir, name } = this.parentOf(path, { create: true, command: "PUT" });
    dir.children.set(name, { kind: "file", data, mtimeMs: options.mtimeMs ?? this.now() });
  }

  /** Test helper: makes a directory and its parents (nothing if it exists). */
  putDir(path: string, options: { mtimeMs?: number } = {}): void {
    const { dir, name } = this.parentOf(path, { create: true, command: "PUT" });
    if (dir.children.get(name)?.kind === "dir") return;
    dir.children.set(name, {
      kind: "dir",
      mtimeMs: options.mtimeMs ?? this.now(),
      children: new Map(),
    });
  }

  /** Test helper: makes a symbolic link (listed as `symlink`, never followed). */
  putSymlink(path: string, target: string): void {
    const { dir, name } = this.parentOf(path, { create: true, command: "PUT" });
    dir.children.set(name, { kind: "symlink", target, mtimeMs: this.now() });
  }

  /** Test helper: a file's bytes, or undefined when there is no file there. */
  getFile(path: string): Uint8Array | undefined {
    const node = this.node(path);
    return node?.kind === "file" ? node.data : undefined;
  }

  /** Test helper: a file's content as UTF-8, or undefined. */
  readText(path: string): string | undefined {
    const data = this.getFile(path);
    return data === undefined ? undefined : new TextDecoder().decode(data);
  }

  /** Test helper: sets a file's or directory's mtime (ms since the epoch). */
  setMtime(path: string, mtimeMs: number): void {
    const node = this.node(path);
    if (node === undefined) throw new Error(`No entry at "${path}"`);
    node.mtimeMs = mtimeMs;
  }

  /** Test helper: removes a path and everything under it (nothing if absent). */
  delete(path: string): void {
    const { dir, name } = this.parentOf(path, { create: false, command: "DELETE" });
    dir.children.delete(name);
  }

  /** Test helper: every path under the root, sorted, directories with a trailing "/". */
  paths(): string[] {
    const out: string[] = [];
    const walk = (dir: MemoryNode & { kind: "dir" }, prefix: string): void => {
      for (const [name, node] of dir.children) {
        const path = `${prefix}/${name}`;
        out.push(node.kind === "dir" ? `${path}/` : path);
        if (node.kind === "dir") walk(node, path);
      }
    };
    walk(this.root, "");
    return out.sort();
  }

  /** The listing time of a node as LIST or MLSD shows it: its value, precision and text. */
  listedTime(mtimeMs: number): { mtimeMs: number; precisionMs: number; rawTime: string } {
    const d = new Date(mtimeMs);
    const pad = (n: number): string => String(n).padStart(2, "0");
    if (this.capabilities.mlsd || this.precisionMs === 1000) {
      const raw = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
        `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
      return { mtimeMs: Math.floor(mtimeMs / 1000) * 1000, precisionMs: 1000, rawTime: raw };
    }
    const day = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")}`;
    if (Math.abs(this.now() - mtimeMs) < SIX_MONTHS_MS) {
      return {
        mtimeMs: Math.floor(mtimeMs / 60_000) * 60_000,
        precisionMs: 60_000,
        rawTime: `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`,
      };
    }
    return {
      mtimeMs: Math.floor(mtimeMs / DAY_MS) * DAY_MS,
      precisionMs: DAY_MS,
      rawTime: `${day}  ${d.getUTCFullYear()}`,
    };
  }
}
