/**
 * A booted systemd for tests: `systemd-nspawn --boot` on a Debian rootfs made with debootstrap
 * (debootstrap --variant=minbase with systemd and dbus). The rootfs is built once and cached as a tarball at
 * {@linkcode ROOTFS_TARBALL}; it is extracted once to {@linkcode ROOTFS_DIR} and then booted with
 * `--volatile=overlay`, so every box starts clean and the rootfs is never written.
 *
 * ```ts
 * await using box = await SystemdBox.up({ name: "svc", bind: [...], bindRo: [...] });
 * const r = await box.exec(["systemctl", "is-active", "x"]);
 * ```
 * Each box runs in its own cgroup subtree (named-hierarchy `systemd` and the unified one) so two
 * boxes never share `/payload/init.scope`; the subtree is removed after poweroff.
 * @module
 */
import { dirname, join } from "node:path";

/** Where the built rootfs is cached between runs (outside the repository). */
export const ROOTFS_TARBALL = "/var/cache/ftp-clone-test/rootfs.tar.zst";
/** Where the tarball is extracted once; the lower layer of every box's overlay. */
export const ROOTFS_DIR = "/var/cache/ftp-clone-test/rootfs";

/** What one command inside the box did. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Why the box cannot be used here, or undefined when the tools are present. */
export function boxUnavailable(): string | undefined {
  if (Deno.uid() !== 0) return "systemd box tests need root";
  for (const tool of ["systemd-nspawn", "debootstrap", "zstd", "nsenter"]) {
    if (!which(tool)) {
      return `"${tool}" is not installed (apt-get install systemd-container debootstrap zstd util-linux)`;
    }
  }
  return undefined;
}

/** Whether `tool` is an executable file in PATH or the usual system directories. */
function which(tool: string): boolean {
  const path = Deno.env.get("PATH") ?? "";
  const dirs = [...path.split(":"), "/usr/local/sbin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
  return dirs.some((dir) => {
    try {
      return dir !== "" && Deno.statSync(join(dir, tool)).isFile;
    } catch {
      return false;
    }
  });
}

async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string } = {},
): Promise<ExecResult> {
  const out = await new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) {
    throw new Error(
      `Command "${cmd} ${args.join(" ")}" failed (exit ${r.code}): ${r.stderr.trim()}`,
    );
  }
  return r.stdout;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The first Debian mirror of the machine's apt sources (deb822 or one-line format). */
function debianMirror(): string {
  const files = ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"];
  for (const file of files) {
    let text = "";
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      continue;
    }
    const deb822 = /^URIs:\s*(\S+)/m.exec(text);
    if (deb822?.[1] !== undefined && !deb822[1].includes("security")) return deb822[1];
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text);
    if (oneLine?.[1] !== undefined) return oneLine[1];
  }
  return "http://deb.debian.org/debian";
}

/** Serialises builds across test processes of one run (a directory lock). */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  const lockPath = `${ROOTFS_TARBALL}.lock`;
  Deno.mkdirSync(dirname(lockPath), { recursive: true });
  const file = Deno.openSync(lockPath, { read: true, write: true, create: true });
  try {
    await file.lock(true);
    return await fn();
  } finally {
    file.close();
  }
}

/**
 * Makes sure {@linkcode ROOTFS_DIR} holds a bootable rootfs: extracted from the cached tarball,
 * or built with debootstrap (30-80 s) and cached first.
 */
export function ensureRootfs(): Promise<string> {
  return withBuildLock(async () => {
    if (exists(join(ROOTFS_DIR, ".ftp-clone-ready"))) return ROOTFS_DIR;
    if (!exists(ROOTFS_TARBALL)) await buildTarball();
    const tmp = `${ROOTFS_DIR}.tmp${Deno.pid}`;
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    Deno.mkdirSync(tmp, { recursive: true });
    await must("tar", ["--numeric-owner", "--xattrs", "--zstd", "-C", tmp, "-xf", ROOTFS_TARBALL]);
    Deno.writeTextFileSync(join(tmp, ".ftp-clone-ready"), "");
    await Deno.remove(ROOTFS_DIR, { recursive: true }).catch(() => {});
    Deno.renameSync(tmp, ROOTFS_DIR);
    return ROOTFS_DIR;
  });
}

async function buildTarball(): Promise<void> {
  const work = `${dirname(ROOTFS_TARBALL)}/build.${Deno.pid}`;
  await Deno.remove(work, { recursive: true }).catch(() => {});
  try {
    await must("debootstrap", [
      "--variant=minbase",
      "--include=systemd,systemd-sysv,dbus",
      "bookworm",
      work,
      debianMirror(),
    ]);
    for (
      const dir of [
        "var/cache/apt/archives",
        "var/lib/apt/lists",
        "usr/share/doc",
        "usr/share/man",
        "usr/share/locale",
      ]
    ) {
      for (const item of Deno.readDirSync(join(work, dir))) {
        if (item.name === "partial" || item.name === "lock") continue;
        await Deno.remove(join(work, dir, item.name), { recursive: true });
      }
    }
    Deno.writeTextFileSync(
      join(work, "etc/hosts"),
      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
    );
    Deno.writeTextFileSync(join(work, "etc/machine-id"), "");
    const tmp = `${ROOTFS_TARBALL}.tmp${Deno.pid}`;
    await must("tar", ["--numeric-owner", "--xattrs", "-C", work, "--zstd", "-cf", tmp, "."]);
    Deno.renameSync(tmp, ROOTFS_TARBALL);
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/** Options of {@linkcode SystemdBox.up}. */
export interface BoxOptions {
  /** Machine name: letters, digits, "-". */
  name: string;
  /** `host:box` paths bound read-only. */
  bindRo?: string[];
  /** `host:box` paths bound read-write. */
  bind?: string[];
  /** Most ms to wait for `is-system-running` to say running. @default {30_000} */
  bootTimeoutMs?: number;
}

const CGROUP_ROOTS = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"];

/** A booted container; `await using` powers it off. */
export class SystemdBox implements AsyncDisposable {
  readonly name: string;
  readonly #child: Deno.ChildProcess;
  readonly #leader: number;
  readonly #logPath: string;
  readonly #cgroups: string[];

  private constructor(
    name: string,
    child: Deno.ChildProcess,
    leader: number,
    logPath: string,
    cgroups: string[],
  ) {
    this.name = name;
    this.#child = child;
    this.#leader = leader;
    this.#logPath = logPath;
    this.#cgroups = cgroups;
  }

  /** Boots a box from the cached rootfs and waits until systemd says `running` (or `degraded`). */
  static async up(options: BoxOptions): Promise<SystemdBox> {
    const rootfs = await ensureRootfs();
    const name = `${options.name}-${Deno.pid}`;
    const logPath = await Deno.makeTempFile({ prefix: `box-${name}-`, suffix: ".log" });
    // Its own cgroup subtree: nspawn puts the container's init in <own cgroup>/payload, so two
    // boxes started from one cgroup would share it.
    const cgroups: string[] = [];
    for (const root of CGROUP_ROOTS) {
      if (!exists(root)) continue;
      const dir = join(root, `box-${name}`);
      Deno.mkdirSync(dir, { recursive: true });
      cgroups.push(dir);
    }
    const procsFiles = cgroups.map((dir) => join(dir, "cgroup.procs"));
    const nspawnArgs = [
      "-D",
      rootfs,
      "-M",
      name,
      "--boot",
      "--keep-unit",
      "--register=no",
      "--volatile=overlay",
      "--console=passive",
      ...(options.bindRo ?? []).map((b) => `--bind-ro=${b}`),
      ...(options.bind ?? []).map((b) => `--bind=${b}`),
    ];
    // The shell moves itself into the subtrees, then becomes nspawn (same pid).
    const script = procsFiles.map((f) => `echo $$ > ${f}`).join("; ") +
      `${procsFiles.length > 0 ? "; " : ""}exec systemd-nspawn "$@" >>${logPath} 2>&1`;
    // No setsid(1): it forks when the caller leads a process group, and the pid would be lost.
    const child = new Deno.Command("sh", {
      args: ["-c", script, "sh", ...nspawnArgs],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + (options.bootTimeoutMs ?? 30_000);
    let leader = 0;
    for (;;) {
      if (Date.now() > deadline) {
        for (const pid of [leader, child.pid]) {
          try {
            if (pid !== 0) Deno.kill(pid, "SIGKILL");
          } catch {
            // gone
          }
        }
        await child.status;
        const log = Deno.readTextFileSync(logPath);
        await Deno.remove(logPath).catch(() => {});
        for (const dir of cgroups) removeCgroupTree(dir);
        throw new Error(`The box "${name}" did not boot in time; its log:\n${log.slice(-3000)}`);
      }
      // Read again each time: nspawn briefly has an intermediate child before the init.
      leader = readLeader(child.pid);
      if (leader !== 0) {
        const r = await run("nsenter", [
          "-t",
          String(leader),
          "-a",
          "systemctl",
          "is-system-running",
        ]);
        const state = r.stdout.trim();
        if (state === "running" || state === "degraded") break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return new SystemdBox(name, child, leader, logPath, cgroups);
  }

  /** The container's PID 1 as the host sees it. */
  get leader(): number {
    return this.#leader;
  }

  /** Runs a command inside the box (all namespaces of PID 1, a clean environment). */
  exec(
    cmd: string[],
    options: { stdin?: string; env?: Record<string, string> } = {},
  ): Promise<ExecResult> {
    const env = {
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      HOME: "/root",
      ...options.env,
    };
    const args = [
      "-t",
      String(this.#leader),
      "-a",
      "env",
      "-i",
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ...cmd,
    ];
    if (options.stdin === undefined) return run("nsenter", args);
    return (async () => {
      const child = new Deno.Command("nsenter", {
        args,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
      const out = await child.output();
      const decoder = new TextDecoder();
      return {
        code: out.code,
        stdout: decoder.decode(out.stdout),
        stderr: decoder.decode(out.stderr),
      };
    })();
  }

  /** The boot log so far (for failure messages). */
  bootLog(): string {
    try {
      return Deno.readTextFileSync(this.#logPath);
    } catch {
      return "";
    }
  }

  /** Powers the box off (SIGKILL after 10 s) and removes its cgroup subtrees. */
  async down(): Promise<void> {
    await run("nsenter", ["-t", String(this.#leader), "-a", "systemctl", "poweroff"]).catch(
      () => {},
    );
    const timer = setTimeout(() => {
      for (const pid of [this.#leader, this.#child.pid]) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
    }, 10_000);
    try {
      await this.#child.status;
    } finally {
      clearTimeout(timer);
    }
    for (const dir of this.#cgroups) {
      // Empty child groups may remain for a moment after poweroff.
      for (let i = 0; i < 20; i++) {
        if (removeCgroupTree(dir)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await Deno.remove(this.#logPath).catch(() => {});
  }

  /** Same as {@linkcode SystemdBox.down}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.down();
  }
}

/** The only child of the nspawn process: the container's init. 0 while not started. */
function readLeader(nspawnPid: number): number {
  try {
    const text = Deno.readTextFileSync(`/proc/${nspawnPid}/task/${nspawnPid}/children`).trim();
    const first = text.split(/\s+/)[0];
    return first === undefined || first === "" ? 0 : Number(first);
  } catch {
    return 0;
  }
}

/** Removes a cgroup directory and its (empty) children, deepest first; false if one is busy. */
function removeCgroupTree(dir: string): boolean {
  if (!exists(dir)) return true;
  try {
    for (const item of Deno.readDirSync(dir)) {
      if (item.isDirectory && !removeCgroupTree(join(dir, item.name))) return false;
    }
    Deno.removeSync(dir);
    return true;
  } catch {
    return false;
  }
}

// `deno run -A tests/support/systemd_box.ts` builds (or extracts) the cached rootfs ahead of the
// tests, e.g. from a CI setup step, so that the first test run does not pay for debootstrap.
if (import.meta.main) {
  const started = performance.now();
  const dir = await ensureRootfs();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  // deno-lint-ignore no-console -- a command-line entry point
  console.log(`rootfs ready in ${dir} (${seconds} s); tarball ${ROOTFS_TARBALL}`);
}
