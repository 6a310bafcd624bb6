/**
 * The FTP layer: the `RemoteFs` seam, its basic-ftp implementation, the connection pool, TLS.
 * @module
 */
export type * from "./remote_fs.ts";
export * from "./errors.ts";
