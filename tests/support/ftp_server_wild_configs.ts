/**
 * Launch specs of the servers "as in the wild": vsftpd with Debian's stock configuration, the
 * scripted pyftpdlib (tests/support/pyftpdlib_server.py) and GNU inetutils-ftpd. What each one
 * shows on the wire (measured): tests/support/README.md.
 * @module
 */
import { fileURLToPath } from "node:url";
import type { LaunchInput, LaunchSpec } from "./ftp_server_configs.ts";
import { dialectArgs } from "./pyftpdlib_dialect.ts";

/** Debian's /etc/vsftpd.conf as the vsftpd 3.0.3-13+b2 package ships it (md5 0ed7ed3a...). */
export const DEBIAN_VSFTPD_CONF: string = fileURLToPath(
  new URL("../fixtures/vsftpd/debian-vsftpd.conf", import.meta.url),
);
const PYFTPDLIB_SCRIPT = fileURLToPath(new URL("./pyftpdlib_server.py", import.meta.url));
const INETD_SCRIPT = fileURLToPath(new URL("./inetd.py", import.meta.url));
/** Debian's python3 (a pyenv python3 earlier in PATH lacks Debian's python3-pyftpdlib). */
const PYTHON = "/usr/bin/python3";

/** What pyftpdlib needs. */
export function pyftpdlibPaths(): Record<string, string> {
  return {
    "Debian's python3": PYTHON,
    "python3-pyftpdlib": "/usr/lib/python3/dist-packages/pyftpdlib/__init__.py",
  };
}

/** What inetutils-ftpd needs (extracted, never installed: it conflicts with vsftpd). */
export function inetutilsPaths(serversDir: string): Record<string, string> {
  return {
    "inetutils-ftpd binary": `${serversDir}/inetutils-ftpd/usr/sbin/ftpd`,
    "Debian's python3": PYTHON,
    "unshare": "/usr/bin/unshare",
    "mount": "/usr/bin/mount",
  };
}

/**
 * Debian's stock vsftpd.conf, verbatim, then only what a test instance needs. vsftpd keeps the
 * last value of a repeated option, so the additions override the stock lines they repeat.
 */
export async function vsftpdDebianLines(i: LaunchInput, log: string): Promise<string[]> {
  const stock = await Deno.readTextFile(DEBIAN_VSFTPD_CONF);
  return [
    ...stock.trimEnd().split("\n"),
    "# ---- Added by the ftp-clone test harness; everything above is Debian's file, verbatim ----",
    "# Listen on 127.0.0.1 and the claimed port, in the foreground (stock: [::]:21, a daemon).",
    "listen=YES",
    "listen_ipv6=NO",
    "listen_address=127.0.0.1",
    `listen_port=${i.port}`,
    "background=NO",
    "# The one line an admin adds to allow uploads (commented out in the stock file).",
    "write_enable=YES",
    "# Chroot into the test root, as the harness does for every server (stock: no chroot).",
    `local_root=${i.root}`,
    "chroot_local_user=YES",
    "allow_writeable_chroot=YES",
    "# The claimed passive ports.",
    "pasv_address=127.0.0.1",
    `pasv_min_port=${i.pasvMin}`,
    `pasv_max_port=${i.pasvMax}`,
    "# This VM: the seccomp sandbox kills data commands; /var/run/vsftpd/empty is made at boot",
    "# by systemd-tmpfiles, which does not run here.",
    "seccomp_sandbox=NO",
    `secure_chroot_dir=${i.emptyDir}`,
    "# The command log behind commandLog(), and the per-user limit when a test sets one.",
    `vsftpd_log_file=${log}`,
    "log_ftp_protocol=YES",
    `max_per_ip=${i.maxClientsPerUser ?? 0}`,
  ];
}

/** pyftpdlib: the script binds, opens its command log, then drops to the FTP user. */
export function pyftpdlib(i: LaunchInput): Promise<LaunchSpec> {
  if (i.mode !== "plain") {
    return Promise.reject(new Error("The scripted pyftpdlib server speaks plain FTP only"));
  }
  const log = `${i.runDir}/commands.log`;
  const args = [
    PYFTPDLIB_SCRIPT,
    ...["--port", String(i.port), "--pasv", `${i.pasvMin}-${i.pasvMax}`, "--root", i.root],
    ...["--user", i.user.name, "--password", i.user.password],
    ...["--uid", String(i.user.uid), "--gid", String(i.user.gid), "--log", log],
    ...(i.maxClientsPerUser === undefined ? [] : ["--max-per-user", String(i.maxClientsPerUser)]),
    ...dialectArgs(i.dialect),
    ...i.extraConfig,
  ];
  return Promise.resolve({ cmd: PYTHON, args, commandLogFiles: [log] });
}

/**
 * GNU inetutils-ftpd, run per connection by tests/support/inetd.py on 127.0.0.1 (its daemon
 * mode binds the wildcard address and reads its port from /etc/services). It is not chrooted:
 * the user sees the whole file system and logs in to its home directory, which is the test's
 * root: a private mount namespace binds a copy of /etc/passwd where ftptest's home is the root,
 * so the machine's own files are never touched. It logs commands only to syslog (there is no
 * /dev/log here): the command log holds the connections only.
 */
export async function inetutilsFtpd(i: LaunchInput, serversDir: string): Promise<LaunchSpec> {
  if (i.mode !== "plain") throw new Error("inetutils-ftpd speaks plain FTP only");
  const passwd = `${i.runDir}/passwd`;
  const lines = (await Deno.readTextFile("/etc/passwd")).split("\n").map((line) => {
    const f = line.split(":");
    if (f[0] !== i.user.name || f.length < 7) return line;
    f[5] = i.root;
    return f.join(":");
  });
  await Deno.writeTextFile(passwd, lines.join("\n"), { mode: 0o644 });
  const log = `${i.runDir}/inetd.log`;
  const ftpd = inetutilsPaths(serversDir)["inetutils-ftpd binary"]!;
  return {
    cmd: "/usr/bin/unshare",
    args: [
      ...["--mount", "--propagation", "private", "/bin/sh", "-c"],
      'mount --bind "$1" /etc/passwd && shift && exec "$@"',
      ...["sh", passwd, PYTHON, INETD_SCRIPT, "--port", String(i.port), "--log", log, "--"],
      ftpd,
      ...i.extraConfig,
    ],
    commandLogFiles: [log],
  };
}
