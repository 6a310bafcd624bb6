/**
 * A server whose clock is wrong: Debian's libfaketime preloaded into it (`faketime` package).
 *
 * Measured here (libfaketime 0.9.10-2.1, glibc 2.36; details in tests/support/README.md):
 * - `time()`, `gettimeofday()`, `clock_gettime()` are shifted by the offset in every program.
 * - `stat()`/`lstat()`/`fstat()` results are shifted too (FAKE_STAT), but only for programs that
 *   call the `stat@GLIBC_2.33` family: proftpd, pure-ftpd and inetutils-ftpd do. vsftpd calls
 *   `stat64`/`lstat64`/`fstat64`, which libfaketime 0.9.10 does not wrap, and Python uses
 *   `statx`/`fstatat`: their file times are the file system's, unshifted.
 * - `utime()`/`utimes()`/`utimensat()` with explicit times set them unchanged; with NULL ("now")
 *   they set the faked now.
 * So proftpd/pure-ftpd/inetutils-ftpd under faketime behave as a machine whose clock is wrong
 * (the files they store look stamped by the wrong clock); vsftpd only has a wrong `time()`.
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

/** The environment that runs a program under libfaketime with the given offset. */
export function faketimeEnv(offset: FaketimeOffset): Record<string, string> {
  offsetMs(offset); // Validates.
  return { LD_PRELOAD: LIBFAKETIME, FAKETIME: offset };
}
