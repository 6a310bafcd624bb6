/**
 * `connectRemoteFs`: open one FTP connection: TCP, TLS (implicit, or AUTH TLS), certificate pin,
 * then USER/PASS, FEAT (once per server: the profile keeps it) and the session settings, sent
 * together in one round trip (TYPE I, OPTS UTF8, OPTS MLST, PBSZ/PROT, PWD).
 * @module
 */
import { FTPError } from "basic-ftp";
import { DenoFtpClient } from "./deno_ftp_client.ts";
import { FtpError, toFtpError } from "./errors.ts";
import { noFeatures, parseFeatures } from "./features.ts";
import { FtpRemoteFs } from "./ftp_remote_fs.ts";
import { FtpSession } from "./ftp_session.ts";
import { ServerProfiles } from "./server_profile.ts";
import { configuredOffset } from "./server_time.ts";
import {
  certificateFingerprint,
  checkCertificate,
  tlsConnectOptions,
  type TlsPolicy,
  verificationFailureMessage,
} from "./tls_options.ts";

/** How to reach and log in to a server. */
export interface ConnectOptions {
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
  /**
   * Socket inactivity timeout in ms (0 = none). It also scales the total deadlines (see
   * `task_deadline.ts`): every reply, the greeting included, must be complete within 4 x this;
   * a transfer must average 4 KiB/s after a grace of 4 x this. @default {30000}
   */
  timeoutMs?: number | undefined;
  /** The clock, for LIST year inference and the time probe. @default {Date.now} */
  now?: (() => number) | undefined;
  /**
   * What the process learned about its servers, shared by every connection and section
   * (`server_profile.ts`). @default {a profile for this connection alone}
   */
  profiles?: ServerProfiles | undefined;
  /**
   * Where a server's measured time is kept between runs (the StateDirectory); used when
   * `profiles` is not given. @default {kept in memory only}
   */
  stateDir?: string | undefined;
  /**
   * The section's ServerTime: `auto` measures; `fixed` reads and sets every time at that offset
   * (minutes east of UTC) and measures nothing. @default {{ mode: "auto" }}
   */
  serverTime?: { mode: "auto" } | { mode: "fixed"; offsetMinutes: number } | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Open, secure and log in one connection. Rejects with an `FtpError`. */
export async function connectRemoteFs(options: ConnectOptions): Promise<FtpRemoteFs> {
  const { host, port, type } = options;
  const server = `${host}:${port}`;
  const profiles = options.profiles ??
    new ServerProfiles({
      stateDir: options.stateDir,
      ...(options.now ? { now: options.now } : {}),
    });
  const profile = profiles.get({ host, port, user: options.user });
  const client = new DenoFtpClient(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, {
    nativeControl: type === "ftp",
    epsv: () => profile.quirk("epsv"),
    onEpsv: (works, reply) => profile.learn("epsv", works, works ? undefined : reply),
  });
  const policy: TlsPolicy = { verify: options.tlsVerify, fingerprint: options.tlsFingerprint };
  const tlsOptions = tlsConnectOptions(host, policy);
  let step = `connect to ${server}`;
  try {
    let greeting: { message: string };
    if (type === "ftps") {
      step = `connect to ${server} with implicit TLS`;
      greeting = await client.connectImplicitTLS(host, port, tlsOptions);
    } else {
      greeting = await client.connect(host, port);
      if (type === "ftpes") {
        step = `start TLS (AUTH TLS) on ${server}`;
        await client.useTLS(tlsOptions);
      }
    }
    profile.greeted(greeting.message);
    if (type !== "ftp") {
      step = `check the TLS certificate of ${server}`;
      checkCertificate(client.tlsSocket?.getPeerCertificate(), { server, policy });
    }
    step = `log in to ${server} as "${options.user}"`;
    await client.login(options.user, options.password);
    let features = profile.features;
    if (features === undefined) {
      step = `read the features (FEAT) of ${server}`;
      const feat = await client.sendIgnoringError("FEAT");
      features = feat.code >= 200 && feat.code < 300 ? parseFeatures(feat.message) : noFeatures();
      profile.setFeatures(features);
    }
    step = `set up the session on ${server}`;
    // One round trip. pure-ftpd answers 504 to OPTS UTF8 ON although FEAT lists UTF8 (names are
    // UTF-8 bytes anyway); `unique` lets the engine follow a moved file where MLST offers it.
    const facts = ["type", "size", "modify", "unique"].filter((f) =>
      f !== "unique" || features.mlstFacts.includes("unique")
    );
    const setup = [
      "TYPE I",
      ...(features.utf8 ? ["OPTS UTF8 ON"] : []),
      ...(features.mlst ? [`OPTS MLST ${facts.join(";")};`] : []),
      ...(type !== "ftp" ? ["PBSZ 0", "PROT P"] : []),
      "PWD",
    ];
    const replies = await client.sendAll(setup);
    const reply = (command: string) => replies[setup.indexOf(command)];
    for (const required of ["TYPE I", "PROT P", "PWD"]) {
      const r = reply(required);
      if (r instanceof FTPError) throw r;
    }
    const pwd = reply("PWD");
    const home = /"((?:[^"]|"")*)"/.exec(pwd instanceof FTPError ? "" : pwd?.message ?? "")?.[1]
      ?.replaceAll('""', '"');
    if (home === undefined) {
      throw new Error(`cannot read the login directory in the PWD reply "${pwd?.message}"`);
    }
    const serverTime = options.serverTime;
    return new FtpRemoteFs(
      new FtpSession({
        client,
        profile,
        home,
        now: options.now ?? Date.now,
        tls: type !== "ftp",
        configuredOffsets: serverTime?.mode === "fixed"
          ? configuredOffset(serverTime.offsetMinutes).offsetMinutes
          : undefined,
      }),
    );
  } catch (err) {
    client.close();
    throw await connectError(err, step, options);
  }
}

/** Turn a connect-time failure into an FtpError; certificate failures show the fingerprint. */
async function connectError(err: unknown, step: string, options: ConnectOptions) {
  const secrets = [options.password];
  if (err instanceof FtpError) return err;
  const e = toFtpError(err, step, { secrets, action: step });
  if (options.type !== "ftp" && !e.transient && /cert|self[- ]signed/i.test(e.message)) {
    const server = `${options.host}:${options.port}`;
    const observed = await probeFingerprint(options).catch(() => undefined);
    const reason = (err instanceof Error ? err.message : String(err)).replace(/\.$/, "");
    return new FtpError(verificationFailureMessage(server, reason, observed), {
      ...(e.code !== undefined ? { code: e.code } : {}),
      command: "TLS handshake",
      transient: false,
      cause: err,
    });
  }
  return e;
}

/** Read the server certificate's fingerprint without verifying it (for error messages only). */
async function probeFingerprint(options: ConnectOptions): Promise<string | undefined> {
  const client = new DenoFtpClient(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const tlsOptions = tlsConnectOptions(options.host, { verify: false });
  try {
    if (options.type === "ftps") {
      await client.connectImplicitTLS(options.host, options.port, tlsOptions);
    } else {
      await client.connect(options.host, options.port);
      await client.useTLS(tlsOptions);
    }
    return certificateFingerprint(client.tlsSocket?.getPeerCertificate()) || undefined;
  } finally {
    client.close();
  }
}
