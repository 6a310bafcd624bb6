/**
 * An embedded FTP server (plain FTP, passive mode only) that serves one local directory as its
 * chrooted root to one user. It needs nothing installed, so `ftp-clone demo` can run anywhere,
 * and tests can run a server in process.
 *
 * Commands: USER PASS SYST FEAT OPTS (UTF8, MLST) TYPE STRU MODE PWD CWD CDUP NOOP QUIT PASV EPSV
 * REST LIST NLST MLSD MLST RETR STOR APPE DELE MKD RMD RNFR RNTO MDTM MFMT SIZE ABOR HELP; every
 * other verb gets 502. `intercept` lets fault tests answer or drop any command instead.
 * @module
 */
import { openChroot } from "./ftp_server_paths.ts";
import { type CommandInterceptor, FtpSession, type SessionOptions } from "./ftp_server_session.ts";

/** Options of {@linkcode startFtpServer}. */
export interface FtpServerOptions {
  /** The directory served as "/"; it must exist. */
  root: string;
  /** @default {"127.0.0.1"} */
  host?: string;
  /** 0 lets the system pick a free port. @default {0} */
  port?: number;
  /** The only user name accepted. */
  user: string;
  /** Its password. */
  password: string;
  /** Aborting it closes the server like {@linkcode FtpServer.close}. */
  signal?: AbortSignal;
  /** The clock (LIST shows the year for entries older than six months). @default {Date.now} */
  now?: () => number;
  /** Fault injection: see {@linkcode CommandInterceptor}. */
  intercept?: CommandInterceptor;
}

/** A running embedded server. */
export interface FtpServer {
  /** The port it listens on. */
  readonly port: number;
  /** Sessions connected right now. */
  readonly sessionCount: number;
  /** Stops listening, closes every session and data connection, and waits for them. */
  close(): Promise<void>;
}

/** Starts the server; resolves once it is listening. */
export async function startFtpServer(options: FtpServerOptions): Promise<FtpServer> {
  const chroot = await openChroot(options.root);
  const listener = Deno.listen({
    hostname: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    transport: "tcp",
  });
  const sessions = new Set<FtpSession>();
  const running = new Set<Promise<void>>();
  const sessionOptions: SessionOptions = {
    chroot,
    user: options.user,
    password: options.password,
    ...(options.now ? { now: options.now } : {}),
    ...(options.intercept ? { intercept: options.intercept } : {}),
  };
  let accepted = 0;

  const acceptLoop = (async () => {
    try {
      for await (const conn of listener) {
        const session = new FtpSession(conn, { ...sessionOptions, number: ++accepted });
        sessions.add(session);
        const done: Promise<void> = session.run().finally(() => {
          sessions.delete(session);
          running.delete(done);
        });
        running.add(done);
      }
    } catch {
      // The listener was closed.
    }
  })();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      options.signal?.removeEventListener("abort", onAbort);
      try {
        listener.close();
      } catch {
        // already closed
      }
      await acceptLoop;
      await Promise.all([...sessions].map((s) => s.close()));
      await Promise.all([...running]);
    })();
    return closing;
  };
  const onAbort = () => void close();
  if (options.signal?.aborted) await close();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  return {
    port: listener.addr.port,
    get sessionCount() {
      return sessions.size;
    },
    close,
  };
}
