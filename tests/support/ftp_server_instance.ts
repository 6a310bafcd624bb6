/**
 * One running test-server instance (the TestServer implementation behind startServer).
 * @module
 */
import type { ServerKind, TestServer, TlsMode } from "./ftp_servers.ts";
import type { LaunchInput, LaunchSpec } from "./ftp_server_configs.ts";
import { type PortBlock, releasePortBlockSync } from "./ftp_server_ports.ts";
import {
  childCount,
  type InstanceMarks,
  instanceProcesses,
  killInstance,
  launch,
  readBanner,
} from "./ftp_server_procs.ts";

/** Instances not yet disposed, for the unload fallback. */
export const live = new Set<FtpTestServer>();
let unloadRegistered = false;

/** Last resort at process exit: SIGKILL whatever is still running, synchronously. */
function onUnload(): void {
  for (const srv of live) srv.killSync();
}

/** A server process (re)started on a claimed port block; see TestServer for the API. */
export class FtpTestServer implements TestServer {
  readonly host = "127.0.0.1" as const;
  readonly user: string;
  readonly password: string;
  readonly certPem: string;
  readonly certFingerprint: string;
  startupMs = 0;
  #input: LaunchInput;
  #spec: LaunchSpec;
  #block: PortBlock;
  #child: Deno.ChildProcess | undefined;
  #marks: InstanceMarks;
  #env: Record<string, string>;
  #ownRoot: boolean;
  #disposed = false;

  constructor(
    input: LaunchInput,
    spec: LaunchSpec,
    block: PortBlock,
    env: Record<string, string>,
    ownRoot: boolean,
  ) {
    this.#input = input;
    this.#spec = spec;
    this.#block = block;
    this.#env = env;
    this.#ownRoot = ownRoot;
    this.#marks = { root: input.root, runDir: input.runDir };
    this.user = input.user.name;
    this.password = input.user.password;
    this.certPem = input.cert.pem;
    this.certFingerprint = input.cert.fingerprint;
  }

  get kind(): ServerKind {
    return this.#input.kind;
  }
  get mode(): TlsMode {
    return this.#input.mode;
  }
  get port(): number {
    return this.#input.port;
  }
  get root(): string {
    return this.#input.root;
  }
  get chrooted(): boolean {
    return this.#input.kind !== "inetutils-ftpd";
  }
  get logDir(): string {
    return this.#input.runDir;
  }
  get passivePorts(): { min: number; max: number } {
    return { min: this.#input.pasvMin, max: this.#input.pasvMax };
  }

  /** Spawn and wait for the 220; throws (with the server's output) if it exits first. */
  async launch(): Promise<void> {
    const r = this.#input.runDir;
    const t0 = performance.now();
    const child = launch(this.#spec.cmd, this.#spec.args, {
      fd0Log: `${r}/fd0.log`,
      outLog: `${r}/stdout.log`,
      env: this.#env,
      cwd: r,
    });
    this.#child = child;
    let exited: Deno.CommandStatus | undefined;
    child.status.then((s) => (exited = s));
    const deadline = Date.now() + 10_000;
    let lastError = "";
    while (true) {
      if (exited) break;
      try {
        await readBanner(this.port, this.mode === "implicit", 2000);
        this.startupMs = Math.round(performance.now() - t0);
        await this.#block.setListener(child.pid, [
          this.#input.runDir,
          ...(this.#ownRoot ? [this.root] : []),
        ]);
        // Let the probe's session process be reaped, so it never counts against
        // maxClientsPerUser (vsftpd max_per_ip, pure-ftpd -C count live children).
        const settle = Date.now() + 1000;
        while (childCount(child.pid) > 0 && Date.now() < settle) {
          await new Promise((res) => setTimeout(res, 2));
        }
        return;
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
      }
      if (exited || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 5));
    }
    const status = exited;
    if (!status) await this.kill();
    const output = await this.#startupOutput();
    this.#child = undefined;
    throw new Error(
      `Cannot start ${this.kind} (${this.mode}) on 127.0.0.1:${this.port}: ${
        status ? `it exited with code ${status.code}` : `no 220 banner within 10 s (${lastError})`
      }; command "${this.#spec.cmd} ${this.#spec.args.join(" ")}"; output: ${output || "(none)"}`,
    );
  }

  async #startupOutput(): Promise<string> {
    const r = this.#input.runDir;
    const parts: string[] = [];
    for (
      const f of ["stdout.log", "fd0.log", "proftpd.log", "vsftpd.log", "tls.log", "inetd.log"]
    ) {
      const text = await Deno.readTextFile(`${r}/${f}`).catch(() => "");
      if (text.trim()) parts.push(`${f}: ${text.trim()}`);
    }
    return parts.join(" | ");
  }

  async commandLog(): Promise<string> {
    let text = "";
    for (const f of this.#spec.commandLogFiles) text += await Deno.readTextFile(f).catch(() => "");
    return text;
  }

  #resolve(relPath: string): string {
    const parts = relPath.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.includes("..")) throw new Error(`Path "${relPath}" leaves the FTP root`);
    return [this.root, ...parts].join("/");
  }

  async mkdir(relPath: string): Promise<void> {
    const parts = relPath.split("/").filter((p) => p !== "" && p !== ".");
    let path = this.root;
    for (const part of parts) {
      path = this.#resolve(`${path.slice(this.root.length)}/${part}`);
      try {
        await Deno.mkdir(path, { mode: 0o755 });
        await Deno.chown(path, this.#input.user.uid, this.#input.user.gid);
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      }
    }
  }

  async writeFile(
    relPath: string,
    data: Uint8Array | string,
    options?: { mtime?: Date },
  ): Promise<void> {
    const path = this.#resolve(relPath);
    const parent = path.slice(this.root.length, path.lastIndexOf("/"));
    if (parent) await this.mkdir(parent);
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    await Deno.writeFile(path, bytes, { mode: 0o644 });
    await Deno.chown(path, this.#input.user.uid, this.#input.user.gid);
    if (options?.mtime) await Deno.utime(path, options.mtime, options.mtime);
  }

  processes(): number[] {
    return instanceProcesses(this.#child?.pid, this.#marks);
  }

  async #halt(graceful: boolean): Promise<void> {
    const child = this.#child;
    // proftpd's listener keeps SIGTERM blocked most of the time (measured: ~430 ms from TERM to
    // exit, even when idle); its sessions get TERM at once anyway, so a short grace before
    // SIGKILL loses nothing. vsftpd and pure-ftpd exit on TERM within ~5 ms.
    const graceMs = this.kind === "proftpd" ? 50 : 1000;
    await killInstance(child?.pid, this.#marks, { graceful, graceMs });
    if (child) await child.status;
    this.#child = undefined;
  }

  stop(): Promise<void> {
    return this.#halt(true);
  }

  kill(): Promise<void> {
    return this.#halt(false);
  }

  async restart(): Promise<void> {
    if (this.#disposed) throw new Error(`Cannot restart a disposed ${this.kind} test server`);
    await this.stop();
    await this.launch();
  }

  /** Synchronous SIGKILL of everything (unload handler only; no await possible there). */
  killSync(): void {
    for (const pid of instanceProcesses(this.#child?.pid, this.#marks)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Gone.
      }
    }
    releasePortBlockSync(this.port);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    try {
      await this.stop();
    } finally {
      live.delete(this);
      await this.#block.release();
      if (!Deno.env.get("FTP_CLONE_KEEP_SERVER_FILES")) {
        await Deno.remove(this.#input.runDir, { recursive: true }).catch(() => {});
        if (this.#ownRoot) await Deno.remove(this.root, { recursive: true }).catch(() => {});
      }
    }
  }

  /** Register for the unload fallback. */
  track(): void {
    live.add(this);
    if (!unloadRegistered) {
      unloadRegistered = true;
      globalThis.addEventListener("unload", onUnload);
    }
  }
}
