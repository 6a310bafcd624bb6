/**
 * Test-server harness: runs vsftpd, pure-ftpd and proftpd (and, for plain FTP, the servers "as in
 * the wild": Debian's stock vsftpd, scripted pyftpdlib, inetutils-ftpd, any of them under
 * libfaketime; tests/support/README.md) as child processes on 127.0.0.1, on a
 * claimed port block (control port + 99 passive ports), in plain, explicit (AUTH TLS) or implicit
 * TLS mode, for the system user `ftptest`, with a self-signed certificate made once per process.
 * TLS session reuse on data connections stays required on vsftpd and proftpd (their default).
 *
 * ```ts
 * Deno.test("x", async () => {
 *   await using srv = await startServer({ kind: "proftpd", mode: "explicit" });
 *   await srv.writeFile("a.txt", "hello");
 *   // connect to srv.host:srv.port as srv.user/srv.password, pin srv.certFingerprint ...
 * }); // disposal stops the whole process tree and removes the temp dirs
 * ```
 * Needs root (the servers chroot and switch to ftptest's uid). Recipes: ftp_server_configs.ts; the wild lab: README.md here.
 * @module
 */
import { type TestCertificate, testCertificate } from "./cert.ts";
import {
  type LaunchInput,
  prepareLaunch,
  type ServerKind,
  type TlsMode,
} from "./ftp_server_configs.ts";
import { claimPortBlock } from "./ftp_server_ports.ts";
import { faketimeEnv, type FaketimeOffset } from "./faketime.ts";
import type { PyftpdlibDialect } from "./pyftpdlib_dialect.ts";
import { FtpTestServer, live } from "./ftp_server_instance.ts";
import { ensureTestUser, type TestUser } from "./ftp_server_user.ts";
import { serverMissing } from "./ftp_server_availability.ts";
export type { FaketimeOffset, PyftpdlibDialect };
export type { LabNeed, LabTool } from "./ftp_server_availability.ts";
export {
  ignoreUnlessServer,
  requireServer,
  serverAvailable,
  serverMissing,
} from "./ftp_server_availability.ts";
export type { ServerKind, TlsMode };

/** Every (kind, mode) pair the harness supports: 3 x plain, 3 x explicit, vsftpd+proftpd implicit. */
export const SERVER_MATRIX: ReadonlyArray<{ kind: ServerKind; mode: TlsMode }> = [
  { kind: "vsftpd", mode: "plain" },
  { kind: "pure-ftpd", mode: "plain" },
  { kind: "proftpd", mode: "plain" },
  { kind: "vsftpd", mode: "explicit" },
  { kind: "pure-ftpd", mode: "explicit" },
  { kind: "proftpd", mode: "explicit" },
  { kind: "vsftpd", mode: "implicit" },
  { kind: "proftpd", mode: "implicit" },
];

/** Options of startServer. */
export interface ServerOptions {
  /** Which server program. */
  kind: ServerKind;
  /** Default "plain". "implicit" is not available for pure-ftpd. */
  mode?: TlsMode;
  /** FTP root dir; default: a fresh temp dir. Created if missing; only its top level is chowned
   * to the FTP user, and ancestors lacking o+x get it (the servers enter it as that user). */
  root?: string;
  /** Per-user connection limit; default: none that matters (>= 49 sessions). Beyond it vsftpd
   * (max_per_ip) and pure-ftpd (-C) greet with 421 at connect; proftpd (MaxClientsPerUser)
   * greets with 220 and answers PASS with 530 "Sorry, the maximum number of clients (N) ...". */
  maxClientsPerUser?: number;
  /** proftpd AllowOverwrite; default true. */
  allowOverwrite?: boolean;
  /** proftpd AllowStoreRestart/AllowRetrieveRestart (APPE, REST+STOR); default true. */
  allowRestart?: boolean;
  /** Default true (server default). false sets vsftpd require_ssl_reuse=NO / proftpd
   * TLSOptions NoSessionReuseRequired. */
  sessionReuseRequired?: boolean;
  /** Raw lines appended to the vsftpd/proftpd config, or extra pure-ftpd flags. */
  extraConfig?: string[];
  /** Extra environment for the server process, e.g. { TZ: "Asia/Tokyo" }. */
  env?: Record<string, string>;
  /** vsftpd only: Debian's stock /etc/vsftpd.conf (use_localtime=YES, local_umask 077...) plus
   * only what a test instance needs (ftp_server_wild_configs.ts). Default false. */
  stockConfig?: boolean;
  /** proftpd only: mod_digest (HASH, XCRC, XMD5, XSHA1, XSHA256, XSHA512). Default false. */
  digest?: boolean;
  /** pyftpdlib only: the dialect switches (pyftpdlib_dialect.ts). Default: stock pyftpdlib. */
  dialect?: PyftpdlibDialect;
  /** Run the server under libfaketime with this clock offset (faketime.ts says what it shifts). */
  faketime?: FaketimeOffset;
}

/** A running test server; `await using` stops it and removes its temp dirs. */
export interface TestServer extends AsyncDisposable {
  readonly kind: ServerKind;
  readonly mode: TlsMode;
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Local path of the FTP root (write into it with writeFile/mkdir so the FTP user owns files).
   * For a server that does not chroot (inetutils-ftpd) it is the login (home) directory, and
   * FTP paths are the machine's own (`PWD` answers this path). */
  readonly root: string;
  /** False when the FTP user sees the whole file system (inetutils-ftpd). */
  readonly chrooted: boolean;
  /** PEM of the server certificate (set in every mode). */
  readonly certPem: string;
  /** SHA-256 of the DER certificate, 64 lower-case hex digits, no colons. */
  readonly certFingerprint: string;
  /** Directory of the server's config and logs (removed on dispose). */
  readonly logDir: string;
  /** Passive port range of this instance (inclusive). */
  readonly passivePorts: { readonly min: number; readonly max: number };
  /** Milliseconds from the last spawn to the first 220 banner. */
  readonly startupMs: number;
  /** Text of the server's command log so far. vsftpd: log_ftp_protocol lines
   * (`FTP command: Client "127.0.0.1", "USER ftptest"`); proftpd: ExtendedLog
   * (`... "STOR a.txt" 226 5`); pure-ftpd: transfers only (CLF, `"PUT /a.txt"`), since it logs
   * commands only to syslog. */
  commandLog(): Promise<string>;
  /** Write a file into the root as the FTP user's uid/gid (mkdir -p parents, chown), optional mtime. */
  writeFile(relPath: string, data: Uint8Array | string, options?: { mtime?: Date }): Promise<void>;
  /** mkdir -p inside the root, owned by the FTP user. */
  mkdir(relPath: string): Promise<void>;
  /** Live pids of this instance (listener, sessions, orphaned sessions); [] when stopped. */
  processes(): number[];
  /** SIGTERM then (after a grace: 1 s, proftpd 50 ms) SIGKILL the whole process tree, and
   * await the exit. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL the whole tree at once (crash simulation), and await the exit. */
  kill(): Promise<void>;
  /** Start again on the same port, root and mode (stops first if running). */
  restart(): Promise<void>;
}

/** True when `err` looks like the server lost a race for its port. */
function isBindFailure(text: string): boolean {
  return /address already in use|could not bind|unable to bind|bind\(\)/i.test(text);
}

async function prepareRoot(root: string | undefined, user: TestUser): Promise<string> {
  const dir = root ?? (await Deno.makeTempDir({ prefix: "ftp-clone-root-" }));
  await Deno.mkdir(dir, { recursive: true });
  await Deno.chown(dir, user.uid, user.gid);
  await Deno.chmod(dir, 0o755);
  const real = await Deno.realPath(dir);
  // vsftpd and proftpd chdir into the root as the FTP user, so every ancestor must be searchable
  // by "other" (Deno.makeTempDir makes 0700 dirs): add only the o+x bit where it is missing.
  for (let p = real.slice(0, real.lastIndexOf("/")); p !== ""; p = p.slice(0, p.lastIndexOf("/"))) {
    const mode = (await Deno.stat(p)).mode ?? 0o755;
    if ((mode & 0o001) === 0) await Deno.chmod(p, (mode & 0o7777) | 0o001);
  }
  return real;
}

/** Start a server (root, user, cert, config) and resolve once it has sent its 220 banner. */
export async function startServer(options: ServerOptions): Promise<TestServer> {
  const kind = options.kind;
  const mode = options.mode ?? "plain";
  for (
    const [key, only] of [["stockConfig", "vsftpd"], ["digest", "proftpd"], [
      "dialect",
      "pyftpdlib",
    ]]
  ) {
    if (options[key as keyof ServerOptions] !== undefined && kind !== only) {
      throw new Error(`Cannot start ${kind} with option "${key}": it is for ${only} only`);
    }
  }
  if (kind === "pure-ftpd" && mode === "implicit") {
    throw new Error(
      'Cannot start pure-ftpd in mode "implicit": Debian\'s build has no implicit TLS',
    );
  }
  const missing = [
    ...serverMissing(kind),
    ...(options.faketime === undefined ? [] : serverMissing("faketime")),
  ];
  if (missing.length > 0) throw new Error(`Cannot start ${kind}: missing ${missing.join(", ")}`);
  const [cert, user]: [TestCertificate, TestUser] = await Promise.all([
    testCertificate(),
    ensureTestUser(),
  ]);
  const root = await prepareRoot(options.root, user);
  const runDir = await Deno.makeTempDir({ prefix: `ftp-clone-srv-${kind}-` });
  await Deno.chmod(runDir, 0o755);
  const emptyDir = `${runDir}/empty`;
  await Deno.mkdir(emptyDir, { mode: 0o755 });
  const env = {
    ...Deno.env.toObject(),
    ...options.env,
    ...(options.faketime === undefined ? {} : faketimeEnv(kind, options.faketime)),
  };
  for (let attempt = 1;; attempt++) {
    const block = await claimPortBlock();
    const input: LaunchInput = {
      kind,
      mode,
      port: block.port,
      pasvMin: block.pasvMin,
      pasvMax: block.pasvMax,
      root,
      runDir,
      emptyDir,
      cert,
      user,
      maxClientsPerUser: options.maxClientsPerUser,
      allowOverwrite: options.allowOverwrite ?? true,
      allowRestart: options.allowRestart ?? true,
      sessionReuseRequired: options.sessionReuseRequired ?? true,
      extraConfig: options.extraConfig ?? [],
      stockConfig: options.stockConfig ?? false,
      digest: options.digest ?? false,
      dialect: options.dialect ?? {},
    };
    const spec = await prepareLaunch(input);
    // Fresh output per attempt, so a retry's error message shows only its own failure.
    for (const f of ["stdout.log", "fd0.log"]) await Deno.writeTextFile(`${runDir}/${f}`, "");
    const srv = new FtpTestServer(input, spec, block, env, options.root === undefined);
    srv.track();
    try {
      await srv.launch();
      return srv;
    } catch (e) {
      live.delete(srv);
      await block.release();
      const message = e instanceof Error ? e.message : String(e);
      if (attempt < 4 && isBindFailure(message)) continue;
      await Deno.remove(runDir, { recursive: true }).catch(() => {});
      if (options.root === undefined) await Deno.remove(root, { recursive: true }).catch(() => {});
      throw e;
    }
  }
}
