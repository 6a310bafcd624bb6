/**
 * The servers and local file systems of the wild matrix, one test file each (so they run as
 * parallel processes). What each shows on the wire: tests/support/README.md.
 * @module
 */
import type { Variant } from "./wild_lab.ts";

/** Issue 12: server zones, wrong clocks, hashes, a client in another zone. */
export const CLOCK_VARIANTS = {
  vsftpdKolkata: {
    name: "vsftpd-kolkata",
    server: { kind: "vsftpd", stockConfig: true, env: { TZ: "Asia/Kolkata" } },
    needs: ["vsftpd"],
    listing: "list",
    setsMtime: true,
    logsTransfers: true,
  },
  vsftpdNewYork: {
    name: "vsftpd-new-york",
    server: { kind: "vsftpd", stockConfig: true, env: { TZ: "America/New_York" } },
    needs: ["vsftpd"],
    listing: "list",
    setsMtime: true,
    logsTransfers: true,
  },
  vsftpdBehind: {
    name: "vsftpd-3h-behind",
    server: { kind: "vsftpd", faketime: "-3h" },
    needs: ["vsftpd", "faketime"],
    listing: "list",
    setsMtime: true,
    logsTransfers: true,
  },
  vsftpdAhead: {
    name: "vsftpd-7m-ahead",
    server: { kind: "vsftpd", faketime: "+7m" },
    needs: ["vsftpd", "faketime"],
    listing: "list",
    setsMtime: true,
    logsTransfers: true,
  },
  proftpdBehind: {
    name: "proftpd-3h-behind",
    server: { kind: "proftpd", faketime: "-3h" },
    needs: ["proftpd", "faketime"],
    listing: "mlsd",
    setsMtime: true,
    logsTransfers: true,
  },
  proftpdListAhead: {
    // FactsAdvertise off: FEAT offers neither MLST nor MFMT, so clients list with LIST.
    name: "proftpd-list-7m-ahead",
    server: { kind: "proftpd", faketime: "+7m", extraConfig: ["FactsAdvertise off"] },
    needs: ["proftpd", "faketime"],
    listing: "list",
    setsMtime: false,
    logsTransfers: true,
    shiftsStoredTimes: true,
  },
  pyftpdlibListAhead: {
    // A real wrong clock: what the server stores is stamped 7 min ahead, set times are kept
    // (libfaketime's FAKE_STAT, above, shifts every stored time instead).
    name: "pyftpdlib-list-7m-ahead",
    server: { kind: "pyftpdlib", dialect: { noMlsd: true, clockSkewS: 420 } },
    needs: ["pyftpdlib"],
    listing: "list",
    setsMtime: true,
    logsTransfers: true,
  },
  pyftpdlibLocal: {
    name: "pyftpdlib-mlsd-kolkata",
    server: { kind: "pyftpdlib", dialect: { mlsdLocalTime: true }, env: { TZ: "Asia/Kolkata" } },
    needs: ["pyftpdlib"],
    listing: "mlsd",
    setsMtime: true,
    logsTransfers: true,
  },
  proftpdDigest: {
    name: "proftpd-digest",
    server: { kind: "proftpd", digest: true },
    needs: ["proftpd"],
    listing: "mlsd",
    setsMtime: true,
    logsTransfers: true,
  },
  pyftpdlibHash: {
    name: "pyftpdlib-hash",
    server: { kind: "pyftpdlib", dialect: { hash: ["HASH", "XSHA256", "XSHA1", "XMD5", "XCRC"] } },
    needs: ["pyftpdlib"],
    listing: "mlsd",
    setsMtime: true,
    logsTransfers: true,
  },
  clientKolkata: {
    name: "client-tz-kolkata",
    server: { kind: "vsftpd" },
    needs: ["vsftpd"],
    clientTz: "Asia/Kolkata",
    listing: "list",
    setsMtime: true,
    logsTransfers: true,
  },
} as const satisfies Record<string, Variant>;

/** Issue 13: server dialects and local file systems. */
export const DIALECT_VARIANTS = {
  exfat: {
    name: "exfat-local",
    server: { kind: "vsftpd" },
    needs: ["vsftpd", "exfat"],
    local: "exfat",
    listing: "list",
    setsMtime: true,
    logsTransfers: true,
  },
  dosList: {
    name: "pyftpdlib-dos-list",
    server: { kind: "pyftpdlib", dialect: { dosList: "mixed", noMlsd: true } },
    needs: ["pyftpdlib"],
    listing: "list",
    setsMtime: true,
    logsTransfers: true,
  },
  listNoOptions: {
    name: "pyftpdlib-list-no-options",
    server: { kind: "pyftpdlib", dialect: { noMlsd: true, listNoOptions: true } },
    needs: ["pyftpdlib"],
    listing: "list",
    setsMtime: true,
    logsTransfers: true,
  },
  noRename: {
    name: "pyftpdlib-no-rename",
    server: { kind: "pyftpdlib", dialect: { noRename: 550 } },
    needs: ["pyftpdlib"],
    listing: "mlsd",
    setsMtime: true,
    logsTransfers: true,
  },
  pasvOnly: {
    name: "pyftpdlib-pasv-only",
    server: { kind: "pyftpdlib", dialect: { pasvOnly: true } },
    needs: ["pyftpdlib"],
    listing: "mlsd",
    setsMtime: true,
    logsTransfers: true,
  },
  noSizeRest: {
    name: "pyftpdlib-no-size-rest",
    server: { kind: "pyftpdlib", dialect: { noSize: true, noRest: true } },
    needs: ["pyftpdlib"],
    listing: "mlsd",
    setsMtime: true,
    logsTransfers: true,
  },
  inetutils: {
    name: "inetutils-ftpd",
    server: { kind: "inetutils-ftpd", env: { TZ: "UTC" } },
    needs: ["inetutils-ftpd"],
    listing: "list",
    setsMtime: false,
    logsTransfers: false,
  },
  perUserLimit: {
    name: "pyftpdlib-limit-3",
    server: { kind: "pyftpdlib", maxClientsPerUser: 3 },
    needs: ["pyftpdlib"],
    listing: "mlsd",
    setsMtime: true,
    logsTransfers: true,
  },
  vsftpdDebian: {
    name: "vsftpd-debian",
    server: { kind: "vsftpd", stockConfig: true },
    needs: ["vsftpd"],
    listing: "list",
    setsMtime: true,
    logsTransfers: true,
  },
} as const satisfies Record<string, Variant>;
