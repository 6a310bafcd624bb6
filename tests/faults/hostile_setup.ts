/**
 * Connecting the FTP layer and a section to a hostile server (tests/support/hostile_ftp_server.ts).
 * @module
 */
import type { SectionConfig } from "../../config/mod.ts";
import { connectRemoteFs, FtpPool } from "../../sync/ftp/mod.ts";
import { type PassOutcome, runPass } from "../../sync/mod.ts";
import type { HostileServer } from "../support/hostile_ftp_server.ts";
import { serverSection } from "../support/section_config.ts";

/** The clock of the hostile tests (LIST year inference), ms since the epoch. */
export const NOW: number = Date.parse("2026-11-25T12:00:00Z");

/** Connection options for a hostile server, with a short timeout (ms). */
export function hostileConnect(
  srv: Pick<HostileServer, "host" | "port" | "user" | "password">,
  timeoutMs = 2_000,
): () => ReturnType<typeof connectRemoteFs> {
  return () =>
    connectRemoteFs({
      host: srv.host,
      port: srv.port,
      type: "ftp",
      user: srv.user,
      password: srv.password,
      tlsVerify: true,
      timeoutMs,
      now: () => NOW,
    });
}

/** A section over a hostile server's `/d`. */
export function hostileSection(srv: HostileServer, localDir: string): SectionConfig {
  return serverSection(srv, { concurrentConnections: 2, remoteDir: "/d", localDir });
}

/** The Identifier of the hostile tests' sections. */
export const HOSTILE_IDENTIFIER = "0123456789abcdef0123456789abcdef01234567";

/** Options of {@linkcode runHostilePass}. */
export interface HostilePassOptions {
  localDir: string;
  stateDir: string;
  /** Overrides of {@linkcode hostileSection} (its password is also the one logged in with). */
  section?: Partial<SectionConfig>;
  /** The pass's clock. @default {new Date(NOW)} */
  now?: Date;
}

/**
 * One pass of a section over `srv`'s `/d`, on a pool of the section's ConcurrentConnections that
 * is closed afterwards; retries wait 1 ms.
 */
export async function runHostilePass(
  srv: HostileServer,
  options: HostilePassOptions,
): Promise<PassOutcome> {
  const section = { ...hostileSection(srv, options.localDir), ...options.section };
  const pool = new FtpPool(hostileConnect({ ...srv, password: section.password }), {
    size: section.concurrentConnections,
  });
  try {
    return await runPass({
      section,
      stateDir: options.stateDir,
      binDirectory: "/bin",
      dryRun: false,
      now: options.now ?? new Date(NOW),
      pool,
      identifier: HOSTILE_IDENTIFIER,
      retryDelaysMs: [1, 1],
    });
  } finally {
    await pool.close();
  }
}
