/**
 * Connecting the FTP layer and a section to a hostile server (tests/support/hostile_ftp_server.ts).
 * @module
 */
import type { SectionConfig } from "../../config/mod.ts";
import { connectRemoteFs } from "../../sync/ftp/mod.ts";
import type { HostileServer } from "../support/hostile_ftp_server.ts";

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
  return {
    name: "FTP1",
    line: 1,
    server: srv.host,
    type: "ftp",
    port: srv.port,
    user: srv.user,
    password: srv.password,
    concurrentConnections: 2,
    remoteDir: "/d",
    localDir,
    linuxChmod: [],
    tlsVerify: true,
    direction: "both",
    exclude: [],
    maxDeletePercent: 50,
    keepDeletedDays: 30,
  };
}
