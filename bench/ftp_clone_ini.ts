/**
 * The parametre.ini the ftp-clone contender runs with: one [FTP1] section, the password
 * encrypted with a secret.key beside the file, as `ftp-clone password` would store it.
 * @module
 */
import { encryptPassword, loadSecretKey } from "../config/mod.ts";
import type { Endpoint } from "./endpoint.ts";

/** Options of {@linkcode writeFtpCloneIni}. */
export interface FtpCloneIniOptions {
  endpoint: Endpoint;
  /** FTP path of the remote directory, e.g. `/S`. */
  remoteDir: string;
  /** Absolute local directory. */
  localDir: string;
  /** [Service] StateDirectory. */
  stateDir: string;
  /** ConcurrentConnections; the setting is 8. */
  connections?: number;
  /** [Service] Watch (for `service`); default no. */
  watch?: boolean;
}

/** Writes `<dir>/parametre.ini` (and `<dir>/secret.key`) and returns the ini's path. */
export async function writeFtpCloneIni(dir: string, options: FtpCloneIniOptions): Promise<string> {
  const path = `${dir}/parametre.ini`;
  const key = await loadSecretKey(path, { create: true });
  if (key === undefined) throw new Error(`Cannot create a secret key beside "${path}"`);
  const e = options.endpoint;
  const password = await encryptPassword(e.password, key, { section: "FTP1" });
  const lines = [
    "[Service]",
    `StateDirectory = ${options.stateDir}`,
    "LogLevel = warning",
    `Watch = ${options.watch === true ? "yes" : "no"}`,
    // Only the watcher may start passes while the watch latency is measured.
    ...(options.watch === true ? ["ServiceWait = 60"] : []),
    "",
    "[FTP1]",
    `Server = ${e.host}`,
    `Port = ${e.port}`,
    `Type = ${e.tls ? "ftpes" : "ftp"}`,
    ...(e.tls ? [`TlsFingerprint = ${e.fingerprint}`] : []),
    `User = ${e.user}`,
    `Password = ${password}`,
    `Remote_dir = ${options.remoteDir}`,
    `Local_dir = ${options.localDir}`,
    `ConcurrentConnections = ${options.connections ?? 8}`,
    "MaxDelete = 100",
    "",
  ];
  await Deno.writeTextFile(path, lines.join("\n"), { mode: 0o600 });
  return path;
}
