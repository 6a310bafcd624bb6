/**
 * The "not root" check of the commands that drive systemd (install, uninstall, start, stop,
 * restart): systemctl would fail later with a less helpful message.
 * @module
 */

/** Options of {@linkcode notRootError}. */
export interface NotRootOptions {
  /** The effective user id; null where there is none (Windows). @default {Deno.uid()} */
  uid?: number | null;
}

/**
 * The error to print when the process is not root, or undefined when it is. `command` is the
 * subcommand name, e.g. `install`.
 */
export function notRootError(command: string, options: NotRootOptions = {}): string | undefined {
  const uid = options.uid === undefined ? Deno.uid() : options.uid;
  if (uid === 0) return undefined;
  const who = uid === null ? "an unknown user" : `user id ${uid}`;
  return `"ftp-clone ${command}" must run as root (it runs systemctl and writes the systemd unit); ` +
    `it was run as ${who}: try "sudo ftp-clone ${command}"`;
}
