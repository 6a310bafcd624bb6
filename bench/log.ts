// deno-lint-ignore-file no-console
/**
 * The benchmark's only output to the terminal: progress lines on stderr, the table on stdout.
 * @module
 */

/** A progress line on stderr, prefixed with the elapsed time. */
export function progress(message: string): void {
  const s = ((performance.now()) / 1000).toFixed(0).padStart(5);
  console.error(`[${s}s] ${message}`);
}

/** Text for stdout (the results table). */
export function print(text: string): void {
  console.log(text);
}
