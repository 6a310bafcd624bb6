/**
 * The FTP layer: the `RemoteFs` seam, its basic-ftp implementation, the connection pool, TLS,
 * what is learned per server (capabilities, quirks, time).
 * @module
 */
export type * from "./remote_fs.ts";
export * from "./errors.ts";
export { type ListFormat, nameRefusal, parseListing } from "./parse_list.ts";
export { normalizeFingerprint, type TlsPolicy } from "./tls_options.ts";
export { type ConnectOptions, connectRemoteFs } from "./connect_remote_fs.ts";
export { FtpRemoteFs } from "./ftp_remote_fs.ts";
export { ConnectionBudget, ConnectionBudgets, FtpPool, type FtpPoolOptions } from "./pool.ts";
export { type ServerKey, serverLabel, ServerProfiles } from "./server_profile.ts";
export { describeServerTime, type ServerTimeRecord } from "./server_time.ts";
export { readServerTimes, type StoredServerTime } from "./server_store.ts";
export { describeStoredServerTime } from "./server_time_report.ts";
