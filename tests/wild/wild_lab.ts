/**
 * The wild lab: one server variant (tests/wild/variants.ts) per test file, sections over it, and
 * passes through the real engine (`runPass` with a real pool), in this process or, for a client
 * with TZ set, in a child process (pass_child.ts). Warnings the engine logs are captured per pass.
 * @module
 */
import { join } from "node:path";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import type { SectionConfig } from "../../config/mod.ts";
import { connectRemoteFs, FtpPool, ServerProfiles } from "../../sync/ftp/mod.ts";
import { runPass } from "../../sync/pass.ts";
import type { PassReport } from "../../sync/types.ts";
import { TRASH_DIR_NAME } from "../../sync/exclude.ts";
import { type ServerOptions, startServer, type TestServer } from "../support/ftp_servers.ts";
import type { LabNeed } from "../support/ftp_server_availability.ts";
import { type MountedFs, mountExfat } from "../support/local_fs_mounts.ts";
import { optionsFor } from "../integration/ftp_layer_support.ts";
import { serverSection } from "../support/section_config.ts";

/** A server (and local file system) as users have it. */
export interface Variant {
  /** Short name, the column of KNOWN_FAILURES: `vsftpd-kolkata`. */
  name: string;
  server: ServerOptions;
  /** What must be installed (a CI failure when missing). */
  needs: LabNeed[];
  /** Local_dir on a fresh exFAT mount instead of the temp dir. */
  local?: "exfat";
  /** Run the passes in a child process with this TZ (the client's zone). */
  clientTz?: string;
  /** What the engine lists with: MLSD (seconds) or LIST (minutes, or days for old files). */
  listing: "mlsd" | "list";
  /** The server lets a client set a file's mtime (MFMT, or vsftpd's 2-argument MDTM). */
  setsMtime: boolean;
  /** The server's command log shows STOR/RETR (all but inetutils-ftpd). */
  logsTransfers: boolean;
  /**
   * Every time the server reports is shifted by an amount that is no quarter hour (libfaketime's
   * FAKE_STAT with a clock minutes off shifts the times already on its disk too, which no real
   * server with a wrong clock does: it stamps new files with its clock and keeps set times).
   * Equal files then differ by those minutes: they are compared by content (downloads, so 12a's
   * "no transfer" cannot hold) and a download carries the time the server reports (12c).
   */
  shiftsStoredTimes?: boolean;
}

/** What one pass did, as the tests see it. */
export interface PassResult {
  report: PassReport;
  /** Planned actions (0 = nothing to do). */
  actions: number;
  /** The engine's warnings during this pass (rendered messages). */
  warnings: string[];
}

/** Input of one pass (also the child process's argument). */
export interface PassInput {
  section: SectionConfig;
  stateDir: string;
  connect: ReturnType<typeof optionsFor>;
  /** The pass's clock (ms); default: now. */
  nowMs?: number;
}

/** Renders a logtape record's message. */
function render(record: LogRecord): string {
  return record.message.map((part) => (typeof part === "string" ? part : String(part))).join("");
}

/** Runs one pass in this process, capturing the warnings it logs. */
export async function runPassHere(input: PassInput): Promise<PassResult> {
  const records: LogRecord[] = [];
  await configure({
    sinks: { memory: (record) => records.push(record) },
    loggers: [
      { category: "ftp-clone", sinks: ["memory"], lowestLevel: "warning" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
    reset: true,
  });
  // As `SectionRuntime` does: what is learned about the server is shared by the pass's
  // connections, and its time is kept in the state directory between passes.
  const profiles = new ServerProfiles({ stateDir: input.stateDir });
  const connect = { ...input.connect, profiles, serverTime: input.section.serverTime };
  const pool = new FtpPool(() => connectRemoteFs(connect), {
    size: input.section.concurrentConnections,
  });
  try {
    const outcome = await runPass({
      section: input.section,
      stateDir: input.stateDir,
      binDirectory: "/bin",
      dryRun: false,
      now: new Date(input.nowMs ?? Date.now()),
      pool,
      identifier: input.section.identifier!,
      retryDelaysMs: [50, 100],
    });
    return {
      report: outcome.report,
      actions: outcome.plan.actions.length,
      warnings: records.filter((r) => r.level === "warning").map(render),
    };
  } finally {
    await pool.close();
    await reset();
  }
}

async function runPassInChild(input: PassInput, tz: string): Promise<PassResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./pass_child.ts", import.meta.url).pathname,
      JSON.stringify(input),
    ],
    env: { TZ: tz },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `The pass in a child (TZ=${tz}) failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return JSON.parse(text.trim().split("\n").pop()!);
}

/** A section of the lab: a Local_dir and a directory on the server. */
export interface WildSection {
  readonly local: string;
  /** The section's Remote_dir on the server's disk. */
  readonly remote: string;
  readonly stateDir: string;
  section: SectionConfig;
  /** One pass; `nowMs` moves the engine's clock (verification schedules). */
  pass(options?: { nowMs?: number }): Promise<PassResult>;
  /** STOR + RETR (and APPE) commands the server has logged so far (all sections). */
  transfers(): Promise<number>;
  /** Files in the section's trash (relative paths), with their contents. */
  trash(): Map<string, string>;
}

/** One variant's server, temp dirs and sections; `await using` stops and removes everything. */
export class Lab implements AsyncDisposable {
  readonly variant: Variant;
  readonly srv: TestServer;
  readonly tmp: string;
  #mounts: MountedFs[] = [];
  #count = 0;

  private constructor(variant: Variant, srv: TestServer, tmp: string) {
    this.variant = variant;
    this.srv = srv;
    this.tmp = tmp;
  }

  static async start(variant: Variant): Promise<Lab> {
    const tmp = await Deno.makeTempDir({ prefix: `ftp-clone-wild-${variant.name}-` });
    // Traversable by the FTP user: a non-chrooted server (inetutils) reaches directories in it.
    Deno.chmodSync(tmp, 0o711);
    try {
      const srv = await startServer(variant.server);
      return new Lab(variant, srv, tmp);
    } catch (e) {
      await Deno.remove(tmp, { recursive: true });
      throw e;
    }
  }

  /** A new section `name` (its Remote_dir is `/<name>` from the login root). */
  async section(name: string, extra: Partial<SectionConfig> = {}): Promise<WildSection> {
    let local = join(this.tmp, `${name}-local`);
    if (this.variant.local === "exfat") {
      const fs = await mountExfat();
      this.#mounts.push(fs);
      local = fs.path;
    } else {
      Deno.mkdirSync(local, { recursive: true });
    }
    await this.srv.mkdir(name);
    const stateDir = join(this.tmp, "state");
    const identifier = `${(++this.#count).toString(16).padStart(8, "0")}${"ab".repeat(16)}`;
    const srv = this.srv;
    const variant = this.variant;
    const ws: WildSection = {
      local,
      remote: join(srv.root, name),
      stateDir,
      section: serverSection(srv, {
        name,
        concurrentConnections: 3,
        remoteDir: `/${name}`,
        localDir: local,
        identifier,
        maxDeletePercent: 100,
        ...extra,
      }),
      pass(options = {}) {
        const input: PassInput = {
          section: ws.section,
          stateDir,
          connect: optionsFor(srv),
          ...(options.nowMs === undefined ? {} : { nowMs: options.nowMs }),
        };
        return variant.clientTz === undefined
          ? runPassHere(input)
          : runPassInChild(input, variant.clientTz);
      },
      async transfers() {
        const log = await srv.commandLog();
        // The server-time probe's file (`.ftp-clone.up.<hex>.clock-probe.part`) is no transfer.
        return (log.match(/"(STOR|RETR|APPE) (?![^"]*\.clock-probe\.part)/g) ?? []).length;
      },
      trash() {
        return new Map(walkFiles(join(local, TRASH_DIR_NAME)));
      },
    };
    return ws;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await this.srv[Symbol.asyncDispose]();
    } finally {
      for (const fs of this.#mounts) {
        await Promise.resolve(fs[Symbol.asyncDispose]()).catch(() => {});
      }
      await Deno.remove(this.tmp, { recursive: true }).catch(() => {});
    }
  }
}

/**
 * Every file under `root` (relative path, content as text), sorted; [] when missing. The trash at
 * the top of a Local_dir (`.ftp-clone-trash`, never synchronised) is not part of the tree.
 */
export function walkFiles(root: string): [string, string][] {
  const out: [string, string][] = [];
  const walk = (dir: string, prefix: string): void => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      return;
    }
    for (const e of entries) {
      if (prefix === "" && e.name === TRASH_DIR_NAME) continue;
      const rel = prefix === "" ? e.name : `${prefix}/${e.name}`;
      if (e.isDirectory) walk(join(dir, e.name), rel);
      else if (e.isFile) out.push([rel, Deno.readTextFileSync(join(dir, e.name))]);
    }
  };
  walk(root, "");
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Writes a file (parents made), with an optional mtime. */
export function writeAt(path: string, content: string, mtime?: Date): void {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  Deno.writeTextFileSync(path, content);
  if (mtime !== undefined) Deno.utimeSync(path, mtime, mtime);
}

/** A file's text, or undefined when missing. */
export function readAt(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** A file's mtime in ms, or undefined when missing. */
export function mtimeAt(path: string): number | undefined {
  try {
    return Deno.statSync(path).mtime?.getTime();
  } catch {
    return undefined;
  }
}

/**
 * Nothing lost: every content that existed on either side before a pass still exists after it
 * somewhere (either side, or the trash), unless `deletedByUser` (contents the user removed on
 * the other side). Returns the lost contents (empty when nothing was lost).
 */
export function lostContents(
  before: Iterable<string>,
  s: WildSection,
  deletedByUser: Iterable<string> = [],
): string[] {
  const now = new Set([
    ...walkFiles(s.local).map(([, c]) => c),
    ...walkFiles(s.remote).map(([, c]) => c),
    ...s.trash().values(),
  ]);
  const allowed = new Set(deletedByUser);
  return [...new Set(before)].filter((c) => !now.has(c) && !allowed.has(c));
}

/** Contents on both sides now. */
export function contentsOf(s: WildSection): string[] {
  return [...walkFiles(s.local), ...walkFiles(s.remote)].map(([, c]) => c);
}
