/**
 * Opening a connection of the FTP engine: TCP, TLS (implicit, or explicit with AUTH TLS), the
 * certificate pin, then USER/PASS, FEAT and the session settings.
 *
 * TLS is node:tls with the options of `tls_options.ts` (a server name unique per connection, TLS
 * 1.2 at most, never `ca`); implicit TLS upgrades an already-connected TCP socket, the only way
 * its session is resumable by the data connections under Deno (measured, see `tls_options.ts`).
 * The pin is checked right after the handshake, before USER and PASS are sent.
 *
 * Round trips: with a server known to tolerate pipelining whose features are known (the caller
 * says so with `wantFeatures`), the whole login and set-up is one write (USER, PASS, the set-up
 * commands, PBSZ 0, PROT P, PWD); when FEAT is wanted, USER, PASS and FEAT go in one write and
 * the set-up (which FEAT decides) in a second. The first connection to a server learns whether
 * it tolerates pipelining: it logs in one command at a time, then sends the set-up as one write;
 * if a reply is missing after PROBE_WAIT_MS (at most half the timeout, plus 4 x the first reply's
 * delay), or a required set-up command is refused as unknown (a garbled line), the server does
 * not: the connection is dropped, and this one and every later one to the server send one
 * command at a time. Servers whose greeting names one known not to tolerate it (lftp's list) are
 * served one command at a time from the start.
 * @module
 */
import net from "node:net";
import tls from "node:tls";
import { FtpError, replyError, toFtpError } from "./errors.ts";
import { type Command, FtpControl } from "./ftp_control.ts";
import type { FtpReply } from "./ftp_reply.ts";
import { exchange, FtpConnection, type ProtocolQuirks, quirkRecord } from "./ftp_connection.ts";
import { DenoWire, NodeWire, type Wire, wireError } from "./ftp_wire.ts";
import {
  certificateFingerprint,
  checkCertificate,
  tlsConnectOptions,
  type TlsPolicy,
  verificationFailureMessage,
} from "./tls_options.ts";

/** How to reach and log in to a server. */
export interface ServerAccess {
  host: string;
  port: number;
  /** "ftp" plain, "ftps" implicit TLS, "ftpes" explicit TLS (AUTH TLS). */
  type: "ftp" | "ftps" | "ftpes";
  user: string;
  password: string;
  /** Verify the certificate with the default CA store (ignored when a fingerprint is set). */
  tlsVerify: boolean;
  /** SHA-256 of the certificate, 64 lower-case hex digits (see `normalizeFingerprint`). */
  tlsFingerprint?: string | undefined;
}

/** Options of {@linkcode openConnection}. */
export interface FtpConnectionOptions extends ServerAccess {
  /**
   * Inactivity timeout in ms (0 = none): connecting, the TLS handshake and each reply; it also
   * scales the total deadlines (`ftp_control.ts`, `ftp_data.ts`).
   */
  timeoutMs: number;
  /** What the server tolerates, shared by its connections (learned here when unknown). */
  quirks?: ProtocolQuirks | undefined;
  /** Told the greeting, before anything is sent. */
  onGreeting?: ((message: string) => void) | undefined;
  /**
   * Whether to send FEAT (asked once the greeting is in): false when the server's features are
   * known already. @default {always}
   */
  wantFeatures?: (() => boolean) | undefined;
  /**
   * The set-up commands after the login, from FEAT's reply (undefined when FEAT was not sent or
   * was refused). The engine adds PBSZ 0 and PROT P over TLS, and PWD; TYPE, PROT and PWD must
   * succeed, the others' refusals are ignored. @default {DEFAULT_SETUP}
   */
  setup?: ((feat: FtpReply | undefined) => readonly string[]) | undefined;
}

/**
 * The set-up without a `setup` option: binary transfers, UTF-8 names, the MLSD facts ftp-clone
 * reads (the OPTS are sent whatever FEAT says; a refusal is ignored).
 */
export const DEFAULT_SETUP: readonly string[] = [
  "TYPE I",
  "OPTS UTF8 ON",
  "OPTS MLST type;size;modify;",
];

/** Longest wait for the rest of a pipelined set-up on the first connection to a server (ms). */
export const PROBE_WAIT_MS = 2_000;

/**
 * Greetings of servers known not to tolerate pipelining, taken from lftp's `auto-sync-mode`
 * (old IIS, MadGoat): they are served one command at a time without a probe.
 */
const NO_PIPELINING_GREETING = /icrosoft FTP Service|MadGoat/;

/** The server did not answer a pipelined set-up: retried one command at a time. */
class PipeliningRefused extends Error {
  constructor(what: string) {
    super(`commands sent together: ${what}`);
  }
}

/** Open, secure and log in one connection. Rejects with an `FtpError` (never holding the password). */
export async function openConnection(options: FtpConnectionOptions): Promise<FtpConnection> {
  const quirks = options.quirks ?? quirkRecord();
  try {
    return await open(options, quirks);
  } catch (error) {
    if (!(error instanceof PipeliningRefused)) throw error;
    quirks.learn("pipelining", false, error.message);
    return await open(options, quirks);
  }
}

async function open(options: FtpConnectionOptions, quirks: ProtocolQuirks): Promise<FtpConnection> {
  const { host, port, type, timeoutMs } = options;
  const server = `${host}:${port}`;
  const policy: TlsPolicy = { verify: options.tlsVerify, fingerprint: options.tlsFingerprint };
  const tlsOptions = type === "ftp" ? undefined : tlsConnectOptions(host, policy);
  let step = `connect to ${server}${type === "ftps" ? " with implicit TLS" : ""}`;
  let control: FtpControl | undefined;
  try {
    const wire = await connectWire(host, port, type, tlsOptions, timeoutMs);
    control = new FtpControl(wire, { timeoutMs });
    const greeting = await control.greeting;
    if (greeting.code >= 400) throw replyError(greeting, "", step);
    options.onGreeting?.(greeting.message);
    if (
      quirks.quirk("pipelining") === undefined && NO_PIPELINING_GREETING.test(greeting.message)
    ) {
      quirks.learn("pipelining", false, "its greeting names a server known not to tolerate it");
    }
    let secure = wire;
    if (type === "ftpes") {
      step = `start TLS (AUTH TLS) on ${server}`;
      const [auth] = await Promise.all(control.send([{ line: "AUTH TLS" }]));
      if (auth!.code !== 234) throw replyError(auth!, "AUTH TLS", step);
      await control.upgrade(async (plain) => {
        secure = await deadline(upgrade((plain as NodeWire).detach(), tlsOptions!), timeoutMs, {
          what: `the TLS handshake with ${server}`,
          late: (w) => w.close(),
        });
        return secure;
      });
    }
    let dataTls: (() => tls.ConnectionOptions) | undefined;
    if (tlsOptions !== undefined) {
      step = `check the TLS certificate of ${server}`;
      const socket = (secure as NodeWire).socket as tls.TLSSocket;
      checkCertificate(socket.getPeerCertificate(), { server, policy });
      dataTls = () => ({ ...tlsOptions, session: socket.getSession() });
    }
    step = `log in to ${server} as "${options.user}"`;
    const wantFeatures = options.wantFeatures?.() ?? true;
    const login: Command[] = [
      { line: `USER ${options.user}`, label: "USER" },
      { line: `PASS ${options.password}`, label: "PASS" },
      ...(wantFeatures ? [{ line: "FEAT" }] : []),
    ];
    const setupOf = (feat: FtpReply | undefined): string[] => [
      ...(options.setup?.(feat) ?? DEFAULT_SETUP),
      ...(tlsOptions !== undefined ? ["PBSZ 0", "PROT P"] : []),
      "PWD",
    ];
    const pipelining = quirks.quirk("pipelining");
    let feat: FtpReply | undefined;
    let setup: string[];
    let replies: FtpReply[];
    if (pipelining === true && !wantFeatures) {
      // Everything in one write.
      setup = setupOf(undefined);
      const sent = control.send([...login, ...setup.map((line) => ({ line }))]);
      await checkLogin(sent[0]!, sent[1]!, step);
      step = `set up the session on ${server}`;
      replies = await Promise.all(sent.slice(2));
    } else {
      const sent = exchange(control, login, pipelining === true);
      await checkLogin(sent[0]!, sent[1]!, step);
      step = `set up the session on ${server}`;
      const featReply = wantFeatures ? await sent[2]! : undefined;
      feat = featReply !== undefined && featReply.code < 400 ? featReply : undefined;
      setup = setupOf(feat);
      const lines = setup.map((line) => ({ line }));
      if (pipelining === undefined) {
        // Decided before the reply deadline would fail the connection.
        const probeMs = timeoutMs > 0 ? Math.min(PROBE_WAIT_MS, timeoutMs / 2) : PROBE_WAIT_MS;
        replies = await probed(control.send(lines), probeMs);
      } else {
        replies = await Promise.all(exchange(control, lines, pipelining));
      }
    }
    const requiredOf = (line: string) => /^(TYPE|PROT|PWD)\b/.test(line);
    for (const [i, reply] of replies.entries()) {
      if (reply.code < 400 || !requiredOf(setup[i]!)) continue;
      if (pipelining === undefined && reply.code >= 500 && reply.code <= 502) {
        // A garbled line reads as an unknown command.
        throw new PipeliningRefused(`"${setup[i]}" was answered "${reply.message}"`);
      }
      throw replyError(reply, setup[i]!, step);
    }
    if (pipelining === undefined) quirks.learn("pipelining", true);
    return new FtpConnection(control, {
      timeoutMs,
      quirks,
      dataTls,
      feat,
      home: parsePwd(replies.at(-1)!),
    });
  } catch (error) {
    control?.fail(Object.assign(new Error("Login failed"), { code: "ECONNABORTED" }));
    if (error instanceof PipeliningRefused) throw error;
    throw await connectError(error, step, options);
  }
}

/** USER's reply, then PASS's when USER asked for it (331); a refusal rejects. */
async function checkLogin(user: Promise<FtpReply>, pass: Promise<FtpReply>, step: string) {
  const u = await user;
  if (u.code === 230) return; // no password needed: the PASS's reply (503) means nothing
  if (u.code !== 331) throw replyError(u, "USER", step);
  const p = await pass;
  if (p.code !== 230 && p.code !== 202) throw replyError(p, "PASS", step);
}

/** The replies of a pipelined set-up on a server not known to tolerate it (see the module). */
async function probed(sent: Promise<FtpReply>[], probeMs: number): Promise<FtpReply[]> {
  const started = performance.now();
  const replies = [await sent[0]!];
  const waitMs = probeMs + 4 * (performance.now() - started);
  for (const reply of sent.slice(1)) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) =>
      timer = setTimeout(() => resolve(undefined), waitMs)
    );
    const got = await Promise.race([reply, late]).finally(() => clearTimeout(timer));
    if (got === undefined) {
      throw new PipeliningRefused(`no reply to the command after ${Math.round(waitMs)} ms`);
    }
    replies.push(got);
  }
  return replies;
}

/** The directory of `257 "/a ""b"" c" is the current directory` (`/a "b" c`). */
function parsePwd(reply: FtpReply): string {
  const m = /^257 "((?:[^"]|"")*)"/.exec(reply.message);
  if (m === null) {
    throw Object.assign(new Error(`Cannot read the directory in "${reply.message}"`), {
      code: "EPROTO",
    });
  }
  return m[1]!.replaceAll('""', '"');
}

/** The control connection, TLS set up for implicit TLS; bounded by `timeoutMs`. */
function connectWire(
  host: string,
  port: number,
  type: FtpConnectionOptions["type"],
  tlsOptions: tls.ConnectionOptions | undefined,
  timeoutMs: number,
): Promise<Wire> {
  const label = "control connection";
  const connecting: Promise<Wire> = type === "ftp"
    ? DenoWire.connect(host, port, label)
    : new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once("connect", () => {
        socket.removeAllListeners("error");
        resolve(socket);
      });
      socket.once("error", (error) => {
        socket.destroy();
        reject(wireError(error, `Cannot connect to ${host}:${port} (${label})`));
      });
    }).then((socket) =>
      type === "ftps" ? upgrade(socket, tlsOptions!) : new NodeWire(socket, label)
    );
  return deadline(connecting, timeoutMs, {
    what: `connecting to ${host}:${port}`,
    late: (wire) => wire.close(),
  });
}

/** A TLS connection over a connected socket, resolved once its handshake is done. */
function upgrade(socket: net.Socket, tlsOptions: tls.ConnectionOptions): Promise<NodeWire> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ ...tlsOptions, socket });
    secure.once("secureConnect", () => {
      secure.removeAllListeners("error");
      resolve(new NodeWire(secure, "control connection"));
    });
    secure.once("error", (error) => {
      secure.destroy();
      reject(wireError(error, "TLS handshake"));
    });
  });
}

/** `promise`, or an ETIMEDOUT error after `ms` (0: no limit); a late value goes to `late`. */
async function deadline<T>(
  promise: Promise<T>,
  ms: number,
  options: { what: string; late: (value: T) => void },
): Promise<T> {
  if (ms <= 0) return await promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        timer = setTimeout(() => {
          promise.then(options.late, () => {});
          reject(
            Object.assign(new Error(`Timeout: ${options.what} took more than ${ms} ms`), {
              code: "ETIMEDOUT",
            }),
          );
        }, ms)
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A connect-time failure as an FtpError; a refused certificate shows its fingerprint. */
async function connectError(error: unknown, step: string, options: FtpConnectionOptions) {
  const secret = options.password;
  if (error instanceof FtpError) {
    // A server may repeat what it was sent ("530 Bad password "..."").
    if (secret === "" || !error.message.includes(secret)) return error;
    return new FtpError(error.message.split(secret).join("***"), {
      ...(error.code !== undefined ? { code: error.code } : {}),
      command: step,
      transient: error.transient,
      meaning: error.meaning,
    });
  }
  const e = toFtpError(error, step, { secrets: [secret], action: step });
  if (options.type === "ftp" || e.transient || !/cert|self[- ]signed/i.test(e.message)) return e;
  const server = `${options.host}:${options.port}`;
  const observed = await probeFingerprint(options).catch(() => undefined);
  const reason = (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
  return new FtpError(verificationFailureMessage(server, reason, observed), {
    ...(e.code !== undefined ? { code: e.code } : {}),
    command: "TLS handshake",
    transient: false,
    cause: error,
  });
}

/** The server certificate's fingerprint, read without verifying it (for messages only). */
async function probeFingerprint(options: FtpConnectionOptions): Promise<string | undefined> {
  const tlsOptions = tlsConnectOptions(options.host, { verify: false });
  const { host, port, type, timeoutMs } = options;
  const wire = await connectWire(host, port, type, tlsOptions, timeoutMs);
  const control = new FtpControl(wire, { timeoutMs });
  try {
    let secure = wire;
    if (type === "ftpes") {
      await control.greeting;
      const [auth] = await Promise.all(control.send([{ line: "AUTH TLS" }]));
      if (auth!.code !== 234) return undefined;
      await control.upgrade(async (plain) => {
        secure = await upgrade((plain as NodeWire).detach(), tlsOptions);
        return secure;
      });
    }
    const socket = (secure as NodeWire).socket as tls.TLSSocket;
    return certificateFingerprint(socket.getPeerCertificate()) || undefined;
  } finally {
    control.fail(Object.assign(new Error("Probe done"), { code: "ECONNABORTED" }));
  }
}
