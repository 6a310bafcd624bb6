/**
 * The demo: an embedded FTP server (also usable by tests as an in-process server) and the
 * `ftp-clone demo` scenario.
 * @module
 */
export { type DemoOptions, runDemo } from "./demo.ts";
export { type FtpServer, type FtpServerOptions, startFtpServer } from "./ftp_server.ts";
export type { CommandInterceptor, Interception } from "./ftp_server_session.ts";
