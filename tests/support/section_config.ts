/**
 * A whole `[FTPn]` section for tests, with the defaults parametre.ini gives: only what a test
 * cares about is written at its call.
 * @module
 */
import type { SectionConfig } from "../../config/mod.ts";

/** A section with every default applied (no Identifier yet); `localDir` and what differs given. */
export function testSection(fields: Partial<SectionConfig> & { localDir: string }): SectionConfig {
  return {
    name: "FTP1",
    line: 1,
    server: "127.0.0.1",
    type: "ftp",
    port: 21,
    user: "test",
    password: "",
    concurrentConnections: 4,
    remoteDir: "/data",
    linuxChmod: [],
    tlsVerify: true,
    direction: "both",
    exclude: [],
    maxDeletePercent: 50,
    keepDeletedDays: 30,
    serverTime: { mode: "auto" },
    verifyEveryMs: 86_400_000,
    ...fields,
  };
}

/** The section of a test server's account (host, port, user, password), plain FTP. */
export function serverSection(
  srv: { host: string; port: number; user: string; password: string },
  fields: Partial<SectionConfig> & { localDir: string },
): SectionConfig {
  return testSection({
    server: srv.host,
    port: srv.port,
    user: srv.user,
    password: srv.password,
    ...fields,
  });
}
