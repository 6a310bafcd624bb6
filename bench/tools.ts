/**
 * The programs the benchmark drives (installed from apt when missing), their versions, and a
 * description of the machine.
 * @module
 */
import { progress } from "./log.ts";

/** Program -> Debian package that provides it. */
const TOOLS: Record<string, string> = {
  lftp: "lftp",
  rclone: "rclone",
  curl: "curl",
  "/usr/bin/time": "time",
  timeout: "coreutils",
  cp: "coreutils",
};

function found(program: string): boolean {
  if (program.startsWith("/")) {
    try {
      return Deno.statSync(program).isFile;
    } catch {
      return false;
    }
  }
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${program}`).isFile) return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; text: string }> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    })
      .output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return { ok: out.success, text };
  } catch (e) {
    return { ok: false, text: e instanceof Error ? e.message : String(e) };
  }
}

/** Installs lftp, rclone, curl and GNU time with apt-get when any is missing. @throws when it cannot */
export async function ensureTools(): Promise<void> {
  const missing = Object.keys(TOOLS).filter((t) => !found(t));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((t) => TOOLS[t] ?? t))];
  progress(`installing ${packages.join(" ")} with apt-get (missing: ${missing.join(", ")})`);
  const aptGet = (...args: string[]) =>
    run("env", ["DEBIAN_FRONTEND=noninteractive", "apt-get", ...args]);
  const install = () => aptGet("install", "-y", "--no-install-recommends", ...packages);
  let result = await install();
  if (!result.ok) {
    // Package lists may be missing or stale on a fresh machine.
    await aptGet("update");
    result = await install();
  }
  const still = Object.keys(TOOLS).filter((t) => !found(t));
  if (!result.ok || still.length > 0) {
    throw new Error(
      `Cannot install ${packages.join(" ")} with apt-get (run as root?): ${
        result.text.trim().split("\n").slice(-3).join(" ")
      }`,
    );
  }
}

async function firstLine(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  return r.text.trim().split("\n")[0]?.trim() ?? "";
}

async function debVersion(pkg: string): Promise<string> {
  const r = await run("dpkg-query", ["-W", "-f=${Version}", pkg]);
  return r.ok ? r.text.trim() : "not installed";
}

/** Versions of everything in the table, and the commit of ftp-clone. */
export async function versions(repoRoot: string): Promise<Record<string, string>> {
  const commit = (await run("git", ["-C", repoRoot, "rev-parse", "--short=12", "HEAD"])).text
    .trim();
  const dirty =
    (await run("git", ["-C", repoRoot, "status", "--porcelain", "--untracked-files=no"])).text
      .trim() !== "";
  return {
    "ftp-clone": `${commit}${dirty ? " (uncommitted changes)" : ""}`,
    deno: `${Deno.version.deno} (V8 ${Deno.version.v8})`,
    vsftpd: await debVersion("vsftpd"),
    lftp: `${
      /Version ([\d.]+)/.exec(await firstLine("lftp", ["--version"]))?.[1] ?? "unknown"
    } (deb ${await debVersion("lftp")})`,
    rclone: `${await firstLine("rclone", ["version"])} (deb ${await debVersion("rclone")})`,
    curl: (await firstLine("curl", ["--version"])).split(" ").slice(0, 2).join(" "),
    "GNU time": await debVersion("time"),
  };
}

/** CPU, cores, memory, kernel, OS and the load when the run started. */
export async function machine(): Promise<Record<string, string>> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const memKiB = Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? NaN);
  const os = (await Deno.readTextFile("/etc/os-release").catch(() => "")).match(
    /PRETTY_NAME="(.*)"/,
  )?.[1];
  return {
    cpu: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? "unknown",
    nproc: (await firstLine("nproc", [])) || String(navigator.hardwareConcurrency),
    memory: Number.isFinite(memKiB) ? `${(memKiB / 1024 / 1024).toFixed(1)} GiB` : "unknown",
    kernel: Deno.osRelease(),
    os: os ?? "unknown",
    "load at start": Deno.loadavg().map((l) => l.toFixed(2)).join(" "),
  };
}
