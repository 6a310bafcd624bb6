/**
 * sd_notify(3) from Deno: datagrams to `$NOTIFY_SOCKET` (READY=1, RELOADING=1, STOPPING=1,
 * STATUS=..., WATCHDOG=1). `Deno.listenDatagram({ transport: "unixpacket" })` is a unix
 * SOCK_DGRAM socket; it needs `--unstable-net` (deno.json sets `"unstable": ["net"]`, and the unit's
 * ExecStart passes the flag). The socket is bound to a throw-away abstract address, so no file is
 * left behind. The sender's pid is the main pid, so the unit's `NotifyAccess=main` accepts it.
 * Without `$NOTIFY_SOCKET` (not under systemd) every call does nothing.
 * @module
 */

/** Sends service state to systemd. */
export interface Notifier {
  /** Whether messages go anywhere (`$NOTIFY_SOCKET` was set). */
  readonly enabled: boolean;
  /**
   * How often to send WATCHDOG=1 (half of `$WATCHDOG_USEC`), in ms; undefined when systemd does
   * not watch this process.
   */
  readonly watchdogIntervalMs: number | undefined;
  /** Sends `KEY=value` lines, e.g. `{ READY: "1", STATUS: "Idle" }`; failures are not thrown. */
  notify(fields: Record<string, string>): Promise<void>;
  /** Closes the socket. */
  close(): void;
}

/** Options of {@linkcode createNotifier}. */
export interface NotifierOptions {
  /** @default {Deno.env.toObject()} */
  env?: Record<string, string | undefined>;
  /** Told when a message cannot be sent (the service logs it once). */
  onError?: (error: Error) => void;
}

/** `@name` (abstract) becomes `\0name`; a path stays as it is. */
export function socketAddress(notifySocket: string): string {
  return notifySocket.startsWith("@") ? `\0${notifySocket.slice(1)}` : notifySocket;
}

/** Formats fields as sd_notify's newline-separated `KEY=value` (a value's newlines become spaces). */
export function formatNotification(fields: Record<string, string>): string {
  return Object.entries(fields).map(([key, value]) => `${key}=${value.replace(/\n/g, " ")}`)
    .join("\n");
}

/** The watchdog period from `$WATCHDOG_USEC` / `$WATCHDOG_PID`: half the limit, in ms. */
export function watchdogInterval(
  env: Record<string, string | undefined>,
  pid: number,
): number | undefined {
  const usec = Number(env["WATCHDOG_USEC"] ?? "");
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  const forPid = env["WATCHDOG_PID"];
  if (forPid !== undefined && forPid !== "" && Number(forPid) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/** A {@linkcode Notifier} for `$NOTIFY_SOCKET`, or one that does nothing when it is not set. */
export function createNotifier(options: NotifierOptions = {}): Notifier {
  const env = options.env ?? Deno.env.toObject();
  const target = env["NOTIFY_SOCKET"];
  const watchdogIntervalMs = watchdogInterval(env, Deno.pid);
  if (target === undefined || target === "") {
    return {
      enabled: false,
      watchdogIntervalMs,
      notify: () => Promise.resolve(),
      close: () => {},
    };
  }
  const path = socketAddress(target);
  let socket: Deno.DatagramConn | undefined;
  let closed = false;
  const open = (): Deno.DatagramConn => {
    if (typeof Deno.listenDatagram !== "function") {
      throw new Error(
        "Cannot notify systemd: Deno.listenDatagram is missing (run deno with --unstable-net)",
      );
    }
    const random = crypto.getRandomValues(new Uint32Array(2)).join("-");
    return Deno.listenDatagram({
      path: `\0ftp-clone-notify-${Deno.pid}-${random}`,
      transport: "unixpacket",
    });
  };
  const encoder = new TextEncoder();
  return {
    enabled: true,
    watchdogIntervalMs,
    async notify(fields) {
      if (closed) return;
      try {
        socket ??= open();
        await socket.send(encoder.encode(formatNotification(fields)), {
          path,
          transport: "unixpacket",
        });
      } catch (error) {
        options.onError?.(error as Error);
      }
    },
    close() {
      closed = true;
      socket?.close();
      socket = undefined;
    },
  };
}
