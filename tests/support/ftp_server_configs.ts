/**
 * Command lines and config files for vsftpd, pure-ftpd and proftpd (each pitfall is commented
 * where its setting is); the servers "as in the wild" (Debian's stock
 * vsftpd, scripted pyftpdlib, inetutils-ftpd) are in ftp_server_wild_configs.ts.
 * @module
 */
import type { TestCertificate } from "./cert.ts";
import type { TestUser } from "./ftp_server_user.ts";
import type { PyftpdlibDialect } from "./pyftpdlib_dialect.ts";
import {
  inetutilsFtpd,
  inetutilsPaths,
  pyftpdlib,
  pyftpdlibPaths,
  vsftpdDebianLines,
} from "./ftp_server_wild_configs.ts";

/** The FTP server programs the harness can run. */
export type ServerKind = "vsftpd" | "pure-ftpd" | "proftpd" | "pyftpdlib" | "inetutils-ftpd";
/** plain FTP, explicit FTPS (AUTH TLS) or implicit FTPS (TLS from the first byte). */
export type TlsMode = "plain" | "explicit" | "implicit";

/** Where pure-ftpd and proftpd were extracted (env FTP_CLONE_SERVERS_DIR overrides). */
export function serversDir(): string {
  return Deno.env.get("FTP_CLONE_SERVERS_DIR") ?? "/opt/ftp-clone-test-servers";
}

/** Binaries and module dirs each kind needs, by purpose. */
export function requiredPaths(kind: ServerKind): Record<string, string> {
  const dir = serversDir();
  switch (kind) {
    case "vsftpd":
      return { "vsftpd binary": "/usr/sbin/vsftpd", "PAM service": "/etc/pam.d/vsftpd" };
    case "pure-ftpd":
      return {
        "pure-ftpd binary": `${dir}/pure-ftpd/usr/sbin/pure-ftpd`,
        "pure-pw binary": `${dir}/pure-ftpd/usr/bin/pure-pw`,
      };
    case "proftpd":
      return {
        "proftpd binary": `${dir}/proftpd/usr/sbin/proftpd`,
        "proftpd mod_tls": `${dir}/proftpd/usr/lib/proftpd/mod_tls.so`,
        "proftpd mod_digest": `${dir}/proftpd/usr/lib/proftpd/mod_digest.so`,
      };
    case "pyftpdlib":
      return pyftpdlibPaths();
    case "inetutils-ftpd":
      return inetutilsPaths(dir);
  }
}

/** Everything a config needs about one instance. */
export interface LaunchInput {
  readonly kind: ServerKind;
  readonly mode: TlsMode;
  readonly port: number;
  readonly pasvMin: number;
  readonly pasvMax: number;
  /** FTP root (real path). */
  readonly root: string;
  /** Instance state dir: configs, logs. */
  readonly runDir: string;
  /** Root-owned empty dir (vsftpd secure_chroot_dir). */
  readonly emptyDir: string;
  readonly cert: TestCertificate;
  readonly user: TestUser;
  readonly maxClientsPerUser: number | undefined;
  readonly allowOverwrite: boolean;
  readonly allowRestart: boolean;
  readonly sessionReuseRequired: boolean;
  readonly extraConfig: readonly string[];
  /** vsftpd: start from Debian's stock /etc/vsftpd.conf (tests/fixtures/vsftpd/). */
  readonly stockConfig: boolean;
  /** proftpd: load mod_digest (HASH, XCRC, XMD5, XSHA1, XSHA256, XSHA512). */
  readonly digest: boolean;
  /** pyftpdlib: the dialect switches. */
  readonly dialect: PyftpdlibDialect;
}

/** What to run, and which files hold the command log. */
export interface LaunchSpec {
  readonly cmd: string;
  readonly args: string[];
  /** Log files concatenated by commandLog(), in order. */
  readonly commandLogFiles: string[];
}

async function vsftpd(i: LaunchInput): Promise<LaunchSpec> {
  const conf = `${i.runDir}/vsftpd.conf`;
  const log = `${i.runDir}/vsftpd.log`;
  const lines = i.stockConfig ? await vsftpdDebianLines(i, log) : [
    "listen=YES",
    "listen_ipv6=NO",
    "listen_address=127.0.0.1",
    `listen_port=${i.port}`,
    "background=NO",
    "anonymous_enable=NO",
    "local_enable=YES",
    "write_enable=YES",
    "local_umask=022",
    `local_root=${i.root}`,
    "chroot_local_user=YES",
    "allow_writeable_chroot=YES",
    "pasv_enable=YES",
    "pasv_address=127.0.0.1",
    `pasv_min_port=${i.pasvMin}`,
    `pasv_max_port=${i.pasvMax}`,
    "port_enable=NO",
    "seccomp_sandbox=NO",
    `secure_chroot_dir=${i.emptyDir}`,
    "pam_service_name=vsftpd",
    "use_localtime=NO",
    "xferlog_enable=YES",
    "xferlog_std_format=NO",
    `vsftpd_log_file=${log}`,
    "log_ftp_protocol=YES",
    "max_clients=0",
    `max_per_ip=${i.maxClientsPerUser ?? 0}`,
  ];
  if (i.mode !== "plain") {
    lines.push(
      "ssl_enable=YES",
      `implicit_ssl=${i.mode === "implicit" ? "YES" : "NO"}`,
      `rsa_cert_file=${i.cert.certPath}`,
      `rsa_private_key_file=${i.cert.keyPath}`,
      "ssl_ciphers=HIGH",
      "allow_anon_ssl=NO",
      "force_local_logins_ssl=YES",
      "force_local_data_ssl=YES",
      `require_ssl_reuse=${i.sessionReuseRequired ? "YES" : "NO"}`,
    );
  }
  lines.push(...i.extraConfig);
  await Deno.writeTextFile(conf, lines.join("\n") + "\n");
  return { cmd: "/usr/sbin/vsftpd", args: [conf], commandLogFiles: [log] };
}

async function pureFtpd(i: LaunchInput): Promise<LaunchSpec> {
  const base = `${serversDir()}/pure-ftpd/usr`;
  const passwd = `${i.runDir}/pureftpd.passwd`;
  const pdb = `${i.runDir}/pureftpd.pdb`;
  const xfer = `${i.runDir}/transfer.log`;
  // "/./" marks the chroot point. A SHA-512 crypt hash, never pure-pw useradd (argon2: 4 s logins).
  await Deno.writeTextFile(
    passwd,
    `${i.user.name}:${i.user.hash}:${i.user.uid}:${i.user.gid}::${i.root}/./::::::::::::\n`,
    { mode: 0o600 },
  );
  const out = await new Deno.Command(`${base}/bin/pure-pw`, {
    args: ["mkdb", pdb, "-f", passwd],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `Cannot build the pure-ftpd user database "${pdb}": ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  const perIp = i.maxClientsPerUser ?? 50;
  const args = [
    ...["-S", `127.0.0.1,${i.port}`, "-4", "-p", `${i.pasvMin}:${i.pasvMax}`, "-P", "127.0.0.1"],
    ...["-l", `puredb:${pdb}`, "-E", "-A", "-H", "-D", "-U", "133:022"],
    ...["-O", `clf:${xfer}`, "-c", String(Math.max(50, perIp)), "-C", String(perIp)],
  ];
  if (i.mode === "implicit") throw new Error("pure-ftpd (Debian build) has no implicit TLS");
  if (i.mode === "explicit") args.push("-Y", "3", "-2", `${i.cert.certPath},${i.cert.keyPath}`);
  else args.push("-Y", "0");
  args.push(...i.extraConfig);
  return { cmd: `${base}/sbin/pure-ftpd`, args, commandLogFiles: [xfer] };
}

async function proftpd(i: LaunchInput): Promise<LaunchSpec> {
  const base = `${serversDir()}/proftpd/usr`;
  const r = i.runDir;
  const conf = `${r}/proftpd.conf`;
  const on = (b: boolean) => (b ? "on" : "off");
  await Deno.writeTextFile(
    `${r}/ftpd.passwd`,
    `${i.user.name}:${i.user.hash}:${i.user.uid}:${i.user.gid}::${i.root}:/bin/sh\n`,
    { mode: 0o600 },
  );
  await Deno.writeTextFile(`${r}/ftpd.group`, `${i.user.name}:x:${i.user.gid}:\n`, { mode: 0o600 });
  const lines = [
    'ServerName "ftp-clone test proftpd"',
    "ServerType standalone",
    `Port ${i.port}`,
    "DefaultAddress 127.0.0.1",
    "SocketBindTight on",
    "UseIPv6 off",
    "User nobody",
    "Group nogroup",
    `PidFile ${r}/proftpd.pid`,
    `ScoreboardFile ${r}/proftpd.scoreboard`,
    // The controls socket defaults to the global /run/proftpd.sock, which parallel instances
    // would unlink under each other.
    "<IfModule mod_ctrls.c>",
    "  ControlsEngine off",
    `  ControlsSocket ${r}/proftpd.sock`,
    "</IfModule>",
    "DelayEngine off",
    "WtmpLog off",
    "UseReverseDNS off",
    `SystemLog ${r}/proftpd.log`,
    `TransferLog ${r}/xferlog`,
    `ExtendedLog ${r}/commands.log ALL`,
    "AuthPAM off",
    "AuthOrder mod_auth_file.c",
    `AuthUserFile ${r}/ftpd.passwd`,
    `AuthGroupFile ${r}/ftpd.group`,
    "RequireValidShell off",
    "UseFtpUsers off",
    "DefaultRoot ~",
    `PassivePorts ${i.pasvMin} ${i.pasvMax}`,
    "Umask 022",
    `AllowOverwrite ${on(i.allowOverwrite)}`,
    `AllowStoreRestart ${on(i.allowRestart)}`,
    `AllowRetrieveRestart ${on(i.allowRestart)}`,
    "TimesGMT on",
    "MaxInstances 100",
    `ModulePath ${base}/lib/proftpd`,
  ];
  if (i.maxClientsPerUser !== undefined) lines.push(`MaxClientsPerUser ${i.maxClientsPerUser}`);
  if (i.digest) {
    // mod_digest: FEAT "HASH SHA-256*;...", HASH and the X* commands; all algorithms on.
    lines.push("LoadModule mod_digest.c", "DigestEngine on", "DigestAlgorithms all");
  }
  try {
    await Deno.stat(`${base}/lib/proftpd/mod_site_misc.so`);
    lines.push("LoadModule mod_site_misc.c"); // SITE UTIME/MKDIR/...: optional.
  } catch {
    // Not extracted: SITE UTIME is unavailable, everything else works.
  }
  if (i.mode !== "plain") {
    const options = [
      ...(i.mode === "implicit" ? ["UseImplicitSSL"] : []),
      ...(i.sessionReuseRequired ? [] : ["NoSessionReuseRequired"]),
    ];
    lines.push(
      "LoadModule mod_tls.c",
      "TLSEngine on",
      `TLSLog ${r}/tls.log`,
      "TLSProtocol TLSv1.2 TLSv1.3",
      `TLSRSACertificateFile ${i.cert.certPath}`,
      `TLSRSACertificateKeyFile ${i.cert.keyPath}`,
      "TLSRequired on",
      "TLSVerifyClient off",
      "TLSRenegotiate none",
      ...(options.length > 0 ? [`TLSOptions ${options.join(" ")}`] : []),
    );
  }
  lines.push(...i.extraConfig);
  await Deno.writeTextFile(conf, lines.join("\n") + "\n");
  return {
    cmd: `${base}/sbin/proftpd`,
    args: ["-n", "-c", conf],
    commandLogFiles: [`${r}/commands.log`],
  };
}

/** Write the instance's config files and return its command line. */
export function prepareLaunch(input: LaunchInput): Promise<LaunchSpec> {
  switch (input.kind) {
    case "vsftpd":
      return vsftpd(input);
    case "pure-ftpd":
      return pureFtpd(input);
    case "proftpd":
      return proftpd(input);
    case "pyftpdlib":
      return pyftpdlib(input);
    case "inetutils-ftpd":
      return inetutilsFtpd(input, serversDir());
  }
}
