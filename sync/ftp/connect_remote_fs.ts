/**
 * `connectRemoteFs`: open one FTP connection (`ftp_login.ts`: TCP, TLS, the certificate pin,
 * USER/PASS, the session settings, pipelined where the server tolerates it) with what its
 * server's profile knows: FEAT is read once per server, the settings follow from it (TYPE I,
 * OPTS UTF8, OPTS MLST), the quirks the engine learns (pipelining, EPSV) are the profile's.
 * @module
 */
import { noFeatures, parseFeatures } from "./features.ts";
import { openConnection, type ServerAccess } from "./ftp_login.ts";
import { FtpRemoteFs } from "./ftp_remote_fs.ts";
import { FtpSession } from "./ftp_session.ts";
import { ServerProfiles } from "./server_profile.ts";
import { configuredOffset } from "./server_time.ts";

/** How to reach and log in to a server, and what the connection shares with others. */
export interface ConnectOptions extends ServerAccess {
  /**
   * Socket inactivity timeout in ms (0 = none). It also scales the total deadlines (see
   * `ftp_control.ts`, `ftp_data.ts`): every reply, the greeting included, must be complete within
   * 4 x this; a transfer must average 4 KiB/s after a grace of 4 x this. @default {30000}
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
  const { host, port, type, user } = options;
  const profiles = options.profiles ??
    new ServerProfiles({
      stateDir: options.stateDir,
      ...(options.now ? { now: options.now } : {}),
    });
  const profile = profiles.get({ host, port, user });
  const connection = await openConnection({
    host,
    port,
    type,
    user,
    password: options.password,
    tlsVerify: options.tlsVerify,
    tlsFingerprint: options.tlsFingerprint,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    quirks: profile,
    onGreeting: (message) => profile.greeted(message),
    wantFeatures: () => profile.features === undefined,
    setup: (feat) => {
      if (profile.features === undefined) {
        profile.setFeatures(feat === undefined ? noFeatures() : parseFeatures(feat.message));
      }
      const features = profile.features!;
      // pure-ftpd answers 504 to OPTS UTF8 ON although FEAT lists UTF8 (names are UTF-8 bytes
      // anyway); `unique` lets the engine follow a moved file where MLST offers it.
      const facts = ["type", "size", "modify", "unique"].filter((f) =>
        f !== "unique" || features.mlstFacts.includes("unique")
      );
      return [
        "TYPE I",
        ...(features.utf8 ? ["OPTS UTF8 ON"] : []),
        ...(features.mlst ? [`OPTS MLST ${facts.join(";")};`] : []),
      ];
    },
  });
  const serverTime = options.serverTime;
  return new FtpRemoteFs(
    new FtpSession({
      client: connection,
      profile,
      home: connection.home,
      now: options.now ?? Date.now,
      tls: type !== "ftp",
      configuredOffsets: serverTime?.mode === "fixed"
        ? configuredOffset(serverTime.offsetMinutes).offsetMinutes
        : undefined,
    }),
  );
}
