/**
 * A server whose clock is wrong: Debian's libfaketime preloaded into it (`faketime` package).
 *
 * Measured here (libfaketime 0.9.10-2.1, glibc 2.36; details in tests/support/README.md):
 * - `time()`, `gettimeofday()`, `clock_gettime()` are shifted by the offset in every program.
 * - `stat()`/`lstat()`/`fstat()` results are shifted too (FAKE_STAT), but only in programs that
 *   call the `stat@GLIBC_2.33` family: proftpd and pure-ftpd do (inetutils-ftpd too, but its LIST
 *   runs /bin/ls, which uses `statx`). vsftpd calls `stat64`/`lstat64`/`fstat64` and Python
 *   `statx`/`fstatat`, which libfaketime 0.9.10 does not wrap: their file times stay true.
 * - `utime()`/`utimes()`/`utimensat()`: with NULL ("now") they set the faked now; explicit times
 *   are set unchanged, unless FAKE_UTIME=1, which shifts them back (a program that sets T stores
 *   T - offset on disk, and then reads T again through the shifted stat).
 * So proftpd and pure-ftpd with FAKE_UTIME=1 behave exactly as a machine whose clock is wrong:
 * the disk holds true times, the server shows and sets them in its wrong clock ("full" skew).
 * vsftpd and pyftpdlib only have a wrong clock of their own; the files they store carry true
 * times, as on a server whose files live on a correctly clocked NFS server ("clock" skew).
 * @module
 */

/** Debian's preload library (package libfaketime). */
export const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/** A relative libfaketime offset: `-3h`, `+7m`, `-90s`, `+1d`. */
export type FaketimeOffset = `${"+" | "-"}${number}${"s" | "m" | "h" | "d"}`;

/** The offset in ms (`-3h` -> -10_800_000). */
export function offsetMs(offset: FaketimeOffset): number {
  const m = /^([+-])(\d+)([smhd])$/.exec(offset);
  if (!m) throw new Error(`Cannot read the faketime offset "${offset}" (expected e.g. "-3h")`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[3] as "s" | "m" | "h" | "d"];
  return (m[1] === "-" ? -1 : 1) * Number(m[2]) * unit;
}

/** How a server kind is skewed by libfaketime (see the module doc). */
export function skewKind(kind: string): "full" | "clock" {
  return kind === "proftpd" || kind === "pure-ftpd" ? "full" : "clock";
}

/** The environment that runs server `kind` under libfaketime with the given offset. */
export function faketimeEnv(kind: string, offset: FaketimeOffset): Record<string, string> {
  offsetMs(offset); // Validates.
  return {
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME: offset,
    // Only where stat() is shifted too: elsewhere it would make set and read disagree.
    ...(skewKind(kind) === "full" ? { FAKE_UTIME: "1" } : {}),
  };
}
