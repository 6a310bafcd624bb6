/**
 * Total deadlines of one control-connection task (a command, or the greeting): basic-ftp's
 * inactivity timeout only ends silences; these end replies and transfers that trickle.
 * @module
 */

/**
 * Deadlines, as multiples of the inactivity timeout so that one setting (`timeoutMs`) scales
 * them: a control reply (greeting or any command's reply) must be COMPLETE within 4 x timeoutMs
 * (120 s at the default 30 s), else the connection is closed with a transient error (the pool
 * replaces it). 0 disables them with the timeout.
 */
export const DEADLINE_FACTOR = 4;
/**
 * Minimum average throughput of a data transfer (listing, download, upload), in bytes per
 * second, counted from its 1xx reply after a grace of DEADLINE_FACTOR x timeoutMs: 4 KiB/s. A
 * link slower than that on average is treated as a server dripping bytes forever.
 */
export const MIN_BYTES_PER_S = 4096;

/** A running deadline. */
export interface TaskDeadline {
  /** The first 1xx reply: the transfer's own deadline starts. */
  dataStarted(): void;
  stop(): void;
}

/**
 * Starts the deadline of one task: its reply must be complete within `graceMs`; once a 1xx reply
 * started a transfer, the data must keep an average of MIN_BYTES_PER_S after a new grace period
 * of `graceMs`. `bytes()` reads the bytes moved so far; `fail` closes the connection with the
 * error (the task then rejects with it). `command` undefined: the greeting; "": pipelined
 * commands. Only the verb is ever shown (the PASS line holds the password).
 */
export function startDeadline(
  command: string | undefined,
  graceMs: number,
  bytes: () => number,
  fail: (error: Error) => void,
): TaskDeadline {
  let from = performance.now();
  let transfer = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const what = command === undefined
    ? "the greeting"
    : command === ""
    ? "pipelined commands"
    : `"${command.split(" ")[0]}"`;
  const check = (): void => {
    const moved = bytes();
    const allowed = graceMs + (transfer ? moved / MIN_BYTES_PER_S * 1000 : 0);
    const left = from + allowed - performance.now();
    // Re-armed at most every 50 ms while bytes keep the deadline moving.
    if (left > 0) {
      timer = setTimeout(check, Math.max(left, 50));
      return;
    }
    timer = undefined;
    const message = transfer
      ? `Timeout: the transfer of ${what} moved ${moved} bytes in ${Math.round(allowed)} ms, ` +
        `below the minimum of ${MIN_BYTES_PER_S} bytes/s after a grace of ${graceMs} ms`
      : `Timeout: the reply to ${what} was not complete after ${graceMs} ms`;
    fail(Object.assign(new Error(message), { code: "ETIMEDOUT" }));
  };
  timer = setTimeout(check, graceMs);
  return {
    dataStarted: (): void => {
      if (transfer) return;
      transfer = true;
      from = performance.now();
    },
    stop: (): void => clearTimeout(timer),
  };
}
