/**
 * Whether a test server can run here, and the skip-locally / fail-in-CI policy.
 *
 * With env CI=true a missing server, tool or file system is a test FAILURE, never a skip. A "need"
 * is a server kind, or one of the lab's tools: `faketime` (libfaketime), `exfat` (mountExfat) and
 * `tmpfs` (mountTmpfs).
 * Two ways to use it:
 * ```ts
 * // 1. Decided at registration: ignored locally when missing, runs (and fails) in CI.
 * Deno.test({ name: "x", ignore: ignoreUnlessServer("proftpd"), fn: async () => { ... } });
 * // 2. Decided inside the test: returns false locally (return early), throws in CI.
 * Deno.test("y", async (t) => { if (!(await requireServer(t, "vsftpd"))) return; ... });
 * ```
 * @module
 */
import { requiredPaths, type ServerKind } from "./ftp_server_configs.ts";
import { LIBFAKETIME } from "./faketime.ts";
import { EXFAT_TOOLS, TMPFS_TOOLS } from "./local_fs_mounts.ts";

/** A tool of the lab that is not a server. */
export type LabTool = "faketime" | "exfat" | "tmpfs";
/** What a test needs: a server kind or a tool. */
export type LabNeed = ServerKind | LabTool;

function pathsOf(need: LabNeed): Record<string, string> {
  switch (need) {
    case "faketime":
      return { "libfaketime (package libfaketime)": LIBFAKETIME };
    case "exfat":
      return { ...EXFAT_TOOLS };
    case "tmpfs":
      return { ...TMPFS_TOOLS };
    default:
      return requiredPaths(need);
  }
}

function onPath(name: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return true;
    } catch {
      // Not in this dir.
    }
  }
  return false;
}

/** What is missing to run `kind` here (binaries, tools, root privileges); [] when all is present. */
export function serverMissing(kind: LabNeed): string[] {
  const missing: string[] = [];
  for (const [what, path] of Object.entries(pathsOf(kind))) {
    try {
      Deno.statSync(path);
    } catch {
      missing.push(`${what} "${path}"`);
    }
  }
  for (const tool of ["openssl", "useradd", "chpasswd"]) {
    if (!onPath(tool)) missing.push(`tool "${tool}" on PATH`);
  }
  if (Deno.uid() !== 0) missing.push(`root privileges (running as uid ${Deno.uid()})`);
  return missing;
}

function inCi(): boolean {
  return Deno.env.get("CI") === "true";
}

function missingMessage(kind: LabNeed, missing: string[], test?: string): string {
  return `Cannot run ${test ? `test "${test}" against ` : ""}${kind}: missing ${
    missing.join(", ")
  } (see .ci/run; set FTP_CLONE_SERVERS_DIR if the servers are extracted elsewhere)`;
}

/** True when `kind` can run; false when it cannot (locally); throws naming what is missing when CI=true. */
export function serverAvailable(kind: LabNeed): Promise<boolean> {
  const missing = serverMissing(kind);
  if (missing.length === 0) return Promise.resolve(true);
  if (inCi()) return Promise.reject(new Error(missingMessage(kind, missing)));
  return Promise.resolve(false);
}

/** Inside a test: true to go on, false to return early (missing, local run); throws when CI=true. */
export function requireServer(
  t: Deno.TestContext | undefined,
  kind: LabNeed,
): Promise<boolean> {
  const missing = serverMissing(kind);
  if (missing.length === 0) return Promise.resolve(true);
  if (inCi()) return Promise.reject(new Error(missingMessage(kind, missing, t?.name)));
  return Promise.resolve(false);
}

/** For `Deno.test({ ignore })`: true only when one of `kinds` is missing and CI is not "true". */
export function ignoreUnlessServer(...kinds: LabNeed[]): boolean {
  return !inCi() && kinds.some((kind) => serverMissing(kind).length > 0);
}
