/**
 * Process plumbing for test servers: launching with fd 0 on a log, readiness (first `220`), and
 * finding and killing a server's whole process tree.
 *
 * vsftpd's session processes call setsid(), so neither a process-group kill nor the listener's
 * death stops them. They are still descendants of the listener by ppid while it lives, so the
 * listener is frozen (SIGSTOP: no new forks) and its tree is collected BEFORE anything is killed.
 * Processes that were orphaned anyway (reparented to pid 1) are found by a fallback: their
 * chroot (/proc/PID/root) is the instance's FTP root, or their cmdline names the instance's dir.
 * @module
 */
import net from "node:net";
import tls from "node:tls";

interface ProcStat {
  readonly ppid: number;
  readonly state: string;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const close = s.lastIndexOf(")");
    const [state = "", ppid = "0"] = s.slice(close + 2).split(" ");
    return { ppid: Number(ppid), state };
  } catch {
    return undefined;
  }
}

/** True while the process exists and is not a zombie. */
export function alive(pid: number): boolean {
  const st = readStat(pid)?.state;
  return st !== undefined && st !== "Z" && st !== "X";
}

function allPids(): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (/^\d+$/.test(e.name)) pids.push(Number(e.name));
  }
  return pids;
}

/** Identifies one server instance for the orphan fallback. */
export interface InstanceMarks {
  /** Real path of the FTP root the sessions chroot into. */
  readonly root: string;
  /** The instance's own state directory (appears in vsftpd's cmdline as the config path). */
  readonly runDir: string;
}

/** True when `pid` runs a server binary (guards against reused pids): vsftpd, pure-ftpd, proftpd,
 * inetutils' ftpd, or python3 running one of the harness's scripts (pyftpdlib_server.py,
 * inetd.py). */
export function isServerExe(pid: number): boolean {
  try {
    const exe = Deno.readLinkSync(`/proc/${pid}/exe`);
    if (/\/(vsftpd|pure-ftpd|proftpd|ftpd)$/.test(exe)) return true;
    if (!/\/python3(\.\d+)?$/.test(exe)) return false;
    const args = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
    return args.some((arg) => /\/tests\/support\/(pyftpdlib_server|inetd)\.py$/.test(arg));
  } catch {
    return false;
  }
}

/** An orphaned (ppid 1) server process of this instance: chrooted into its FTP root, or with its
 * run dir in the cmdline (vsftpd keeps the config path there). Never matches anything else. */
function isOrphanOf(pid: number, stat: ProcStat, marks: InstanceMarks): boolean {
  if (stat.ppid !== 1 || !isServerExe(pid)) return false;
  if (!/^\/./.test(marks.root) || !/^\/./.test(marks.runDir)) return false;
  try {
    if (Deno.readLinkSync(`/proc/${pid}/root`) === marks.root) return true;
  } catch {
    // Gone, or not readable: fall through to the cmdline.
  }
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").some((arg) =>
      arg.startsWith(`${marks.runDir}/`)
    );
  } catch {
    return false;
  }
}

/**
 * The live processes of an instance: the listener's descendant tree (only if the listener runs a
 * server binary) plus, when `marks` are given, orphans of this instance. Never pid 1 or ourselves.
 */
export function instanceProcesses(
  listener: number | undefined,
  marks: InstanceMarks | undefined,
): number[] {
  const children = new Map<number, number[]>();
  const found = new Set<number>();
  for (const pid of allPids()) {
    const st = readStat(pid);
    if (!st || st.state === "Z" || st.state === "X") continue;
    const list = children.get(st.ppid);
    if (list) list.push(pid);
    else children.set(st.ppid, [pid]);
    if (marks && isOrphanOf(pid, st, marks)) found.add(pid);
  }
  if (listener !== undefined && alive(listener) && isServerExe(listener)) {
    const queue = [listener];
    const seen = new Set<number>();
    for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
      if (seen.has(pid)) continue;
      seen.add(pid);
      found.add(pid);
      queue.push(...(children.get(pid) ?? []));
    }
  }
  found.delete(1);
  found.delete(Deno.pid);
  return [...found];
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/**
 * Stop an instance: freeze the listener, collect its tree, send `sig` to all (then SIGKILL after
 * `graceMs`), repeat until nothing of the instance is left or `timeoutMs` passes.
 */
export async function killInstance(
  listener: number | undefined,
  marks: InstanceMarks,
  options: { graceful: boolean; graceMs?: number; timeoutMs?: number },
): Promise<void> {
  const graceMs = options.graceful ? (options.graceMs ?? 1000) : 0;
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  const started = Date.now();
  // Signal the listener only while it is really our server (its pid could have been reused).
  const own = listener !== undefined && alive(listener) && isServerExe(listener)
    ? listener
    : undefined;
  if (own !== undefined) signal(own, "SIGSTOP");
  let first = true;
  while (true) {
    const pids = instanceProcesses(own, marks);
    if (pids.length === 0) return;
    const hard = !options.graceful || Date.now() - started >= graceMs;
    if (hard) {
      for (const pid of pids) signal(pid, "SIGKILL");
    } else if (first) {
      // Sessions first, listener last, so it cannot replace them; SIGCONT lets it handle TERM.
      for (const pid of pids) if (pid !== own) signal(pid, "SIGTERM");
      if (own !== undefined) {
        signal(own, "SIGCONT");
        signal(own, "SIGTERM");
      }
    }
    first = false;
    if (Date.now() > deadline) {
      throw new Error(`Cannot stop the test server: processes ${pids.join(", ")} survive SIGKILL`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Number of children of `pid`, zombies included (a zombie still counts in the server's tally). */
export function childCount(pid: number): number {
  let n = 0;
  for (const p of allPids()) if (readStat(p)?.ppid === pid) n++;
  return n;
}

/** Connect once and read the greeting; resolves with it, rejects on refusal/timeout/close. */
export function readBanner(port: number, implicitTls: boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    let done = false;
    const sock: net.Socket = implicitTls
      ? tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false })
      : net.connect({ host: "127.0.0.1", port });
    const timer = setTimeout(
      () => finish(new Error(`Timeout reading the banner on ${port}`)),
      timeoutMs,
    );
    function finish(err?: Error): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        sock.destroy();
        reject(err);
      } else {
        // QUIT so the server's session ends at once instead of idling, and wait for its close
        // (bounded) so that the probe does not hold a per-IP connection slot afterwards.
        const quit = setTimeout(() => sock.destroy(), 1000);
        sock.once("close", () => {
          clearTimeout(quit);
          resolve(text);
        });
        sock.end("QUIT\r\n");
      }
    }
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      text += d;
      // The greeting ends with a line "220 ..." (pure-ftpd sends "220-" lines first).
      if (/(^|\n)220 [^\n]*\n/.test(text)) finish();
      else if (/(^|\n)[45]\d\d [^\n]*\n/.test(text)) {
        finish(new Error(`Server refused: ${text.trim()}`));
      }
    });
    sock.on("error", (e: Error) => finish(e));
    sock.on("close", () => finish(new Error(`Connection closed before a 220 banner: "${text}"`)));
  });
}

/** Launch `cmd args` with fd 0 read-write on `fd0Log` (vsftpd writes startup errors there) and
 * stdout/stderr appended to `outLog`; the returned child's pid is the server's (sh execs). */
export function launch(
  cmd: string,
  args: string[],
  options: { fd0Log: string; outLog: string; env: Record<string, string>; cwd: string },
): Deno.ChildProcess {
  return new Deno.Command("/bin/sh", {
    args: [
      "-c",
      'f=$1; o=$2; shift 2; exec "$@" 0<>"$f" >>"$o" 2>&1',
      "sh",
      options.fd0Log,
      options.outLog,
      cmd,
      ...args,
    ],
    env: options.env,
    clearEnv: true,
    cwd: options.cwd,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}
