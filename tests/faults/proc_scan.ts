/**
 * Reads processes' command lines from /proc, to prove that a secret is on none of them.
 * @module
 */

/** The parent pid of `pid`, or undefined once it has exited. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** Whether `pid` is `root` or one of its descendants. */
function descendsFrom(pid: number, root: number): boolean {
  let p: number | undefined = pid;
  // 64 hops: deeper than any real process tree, and a bound should /proc change under us.
  for (let hops = 0; p !== undefined && p > 1 && hops < 64; hops++) {
    if (p === root) return true;
    p = parentOf(p);
  }
  return false;
}

/**
 * The command lines that contain `needle`, as `pid: args` (NULs shown as spaces): of `root` and
 * its descendants when given (other programs on the machine are not ours to judge), else of every
 * process.
 */
export function processesShowing(needle: string, root?: number): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
      if (!cmdline.includes(needle)) continue;
      if (root === undefined || descendsFrom(pid, root)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}
