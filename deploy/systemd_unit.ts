/**
 * The systemd unit of the service, rendered by a pure function (hardened; checked with
 * `systemd-analyze verify` and `security` in the tests).
 *
 * Writable paths: `ProtectSystem=full` makes /usr, /boot, /efi and /etc read-only and leaves the
 * rest writable, so a Local_dir anywhere else (/srv, /var, /opt, /mnt, /home) works without being
 * listed, and a section added later with a new Local_dir works after a reload without re-running
 * `install`. Only what lies under a read-only tree must be listed in `ReadWritePaths=`: the
 * configuration's directory (ftp-clone writes `Identifier` into parametre.ini with a temporary
 * file and a rename) and any Local_dir under /usr, /etc, /boot or /efi.
 * `ProtectSystem=strict` was rejected: every Local_dir would then have to be listed and exist at
 * start, and a new section would need `install` again.
 * @module
 */

/** The unit's file name. */
export const UNIT_NAME = "ftp-clone-service.service";

/** How the service is started. */
export type UnitExec =
  /** A compiled binary (`deno compile`): ExecStart runs it directly. */
  | { kind: "binary"; path: string }
  /** From source: ExecStart runs `deno run` on the repository's mod.ts. */
  | { kind: "source"; deno: string; modTs: string; denoConfig?: string };

/** Options of {@linkcode renderUnit}. */
export interface UnitOptions {
  exec: UnitExec;
  /** Absolute path of parametre.ini. */
  configPath: string;
  /** Absolute Local_dir of every section (those under a read-only tree get ReadWritePaths). */
  localDirs?: readonly string[];
  /** MetricsFile, when set (its directory gets ReadWritePaths when under a read-only tree). */
  metricsFile?: string;
  /** WatchdogSec= (the service sends WATCHDOG=1 at half that period). @default {WATCHDOG_SEC} */
  watchdogSec?: number;
}

/**
 * The watchdog's limit, in seconds: the service pings every half of it while healthy (sync/
 * service.ts). Long enough for the longest synchronous step measured (loading a 200,000-row
 * baseline, about 2 s) many times over; a blocked or wedged service is restarted within 5 min.
 */
export const WATCHDOG_SEC = 300;

/**
 * The exit status of a configuration error (EXIT_USAGE): systemd must not restart into the same
 * error five times (RestartPreventExitStatus=).
 */
export const CONFIG_ERROR_STATUS = 2;

/** Trees that `ProtectSystem=full` makes read-only. */
const READ_ONLY_TREES = ["/usr", "/boot", "/efi", "/etc"];

/**
 * V8's young generation capped at 4 MiB per semi-space (V8's default grows to 16 MiB): peak RSS of
 * a pass over 50,000 unchanged files 197 -> 138-144 MiB, with no more CPU (measured on vsftpd,
 * loopback, 2026-11-25). Every way of running ftp-clone passes it: the unit, the launcher of the
 * release tarball, the deno.json tasks, the benchmark.
 */
export const V8_FLAGS = "--v8-flags=--max-semi-space-size=4";

/** The flags `deno run` needs: every permission, Deno.listenDatagram for sd_notify, V8_FLAGS. */
export const DENO_RUN_FLAGS: readonly string[] = [
  "--allow-all",
  "--unstable-net",
  "--quiet",
  V8_FLAGS,
];

/** Quotes one ExecStart word the way systemd splits them (systemd.service(5), "Command lines"). */
export function quoteExecArg(arg: string): string {
  if (arg !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg.replaceAll("%", "%%");
  const escaped = arg.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("%", "%%")
    .replaceAll("$", "$$$$");
  return `"${escaped}"`;
}

/** Escapes a path for ReadWritePaths= (space separated; `\` escapes, `%` specifiers). */
function quotePath(path: string): string {
  return path.replaceAll("\\", "\\\\").replaceAll(" ", "\\x20").replaceAll("%", "%%");
}

function isUnder(path: string, tree: string): boolean {
  return path === tree || path.startsWith(`${tree}/`);
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

/** The argument vector that runs ftp-clone with `args` (before quoting). */
function programArgs(exec: UnitExec, args: string[]): string[] {
  if (exec.kind === "binary") return [exec.path, ...args];
  return [
    exec.deno,
    "run",
    ...DENO_RUN_FLAGS,
    ...(exec.denoConfig === undefined ? [] : ["--config", exec.denoConfig]),
    exec.modTs,
    ...args,
  ];
}

/** The ExecStart argument vector (before quoting). */
export function execStartArgs(exec: UnitExec, configPath: string): string[] {
  return programArgs(exec, ["--config", configPath, "service"]);
}

/**
 * The ExecReload= line: `ftp-clone reload --pid $MAINPID`, which validates the file, signals the
 * service and waits for its answer, so that `systemctl reload` fails when the file is refused.
 */
export function execReloadLine(exec: UnitExec, configPath: string): string {
  const args = programArgs(exec, ["--config", configPath, "reload", "--pid"]);
  // $MAINPID is the one word systemd must expand: not quoted.
  return `${args.map(quoteExecArg).join(" ")} $MAINPID`;
}

/**
 * The paths the unit lists in ReadWritePaths= (config dir first, then the Local_dirs and the
 * MetricsFile's directory that lie under a read-only tree), deduplicated.
 */
export function writablePaths(
  configPath: string,
  localDirs: readonly string[],
  metricsFile?: string,
): string[] {
  const paths = [dirOf(configPath)];
  const others = [...localDirs, ...(metricsFile === undefined ? [] : [dirOf(metricsFile)])];
  for (const dir of others) {
    if (READ_ONLY_TREES.some((tree) => isUnder(dir, tree))) paths.push(dir);
  }
  return [...new Set(paths)];
}

/** Renders the unit file's text (pure). */
export function renderUnit(options: UnitOptions): string {
  const { exec, configPath } = options;
  const execStart = execStartArgs(exec, configPath).map(quoteExecArg).join(" ");
  const rw = writablePaths(configPath, options.localDirs ?? [], options.metricsFile)
    .map((path) => `ReadWritePaths=-${quotePath(path)}`);
  const fromSource = exec.kind === "source"
    ? [
      "# Running from source: deno needs a writable cache.",
      "CacheDirectory=ftp-clone",
      "Environment=DENO_DIR=/var/cache/ftp-clone/deno",
      "Environment=NO_COLOR=1",
    ]
    : [];
  const watchdog = [
    "# The service sends WATCHDOG=1 every WatchdogSec/2 while it is healthy (its main loop",
    "# runs, no reload hangs, every section's loop is alive); a miss means SIGABRT and a restart.",
    `WatchdogSec=${options.watchdogSec ?? WATCHDOG_SEC}s`,
  ];
  return [
    `# /etc/systemd/system/${UNIT_NAME}`,
    "# Generated by `ftp-clone install`: the next install overwrites edits; use",
    "# `systemctl edit ftp-clone-service` (a drop-in) for local changes.",
    "[Unit]",
    "Description=ftp-clone FTP/FTPS synchronisation service",
    "After=network-online.target",
    "Wants=network-online.target",
    "# Stop restarting after 5 failed starts within 5 min (`ftp-clone start` clears it).",
    "StartLimitIntervalSec=300",
    "StartLimitBurst=5",
    "",
    "[Service]",
    "# READY=1 comes once the configuration and state are loaded.",
    "Type=notify",
    "NotifyAccess=main",
    `ExecStart=${execStart}`,
    "# Validates parametre.ini, sends SIGHUP, waits for the service's answer: `systemctl reload`",
    "# fails (the reason in `systemctl status`) when the file is refused.",
    `ExecReload=${execReloadLine(exec, configPath)}`,
    "Restart=on-failure",
    "# A configuration error (exit 2) is not retried: the same file would fail the same way.",
    `RestartPreventExitStatus=${CONFIG_ERROR_STATUS}`,
    "RestartSec=10s",
    "TimeoutStartSec=60s",
    "# SIGTERM to the main process (it stops at a safe point), SIGKILL to all after 30 s.",
    "KillMode=mixed",
    "TimeoutStopSec=30s",
    ...watchdog,
    "StateDirectory=ftp-clone",
    "StateDirectoryMode=0700",
    "# /run/ftp-clone: where the service answers reloads.",
    "RuntimeDirectory=ftp-clone",
    "RuntimeDirectoryMode=0700",
    ...fromSource,
    "SyslogIdentifier=ftp-clone",
    "UMask=0022",
    "",
    "# Hardening. Runs as root: synced files are chowned/chmodded to any owner.",
    "NoNewPrivileges=yes",
    "CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_FSETID CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH",
    "AmbientCapabilities=",
    "# /usr /boot /efi /etc read-only; a Local_dir anywhere else is writable without a listing.",
    "ProtectSystem=full",
    "# The configuration's directory (Identifier is written into parametre.ini by a rename), and",
    "# each Local_dir under a read-only tree. '-': a missing path is not an error.",
    ...rw,
    "# Local_dir may be under /home or /root.",
    "ProtectHome=no",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "PrivateMounts=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "ProtectProc=invisible",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "LockPersonality=yes",
    "RemoveIPC=yes",
    "KeyringMode=private",
    "# FTP over IPv4/IPv6; AF_UNIX for sd_notify and the journal.",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources",
    "# @privileged contains @chown: chown(2) is why the service runs as root.",
    "SystemCallFilter=@chown",
    "SystemCallErrorNumber=EPERM",
    "# Not set on purpose: MemoryDenyWriteExecute (V8's JIT needs W+X pages), PrivateUsers",
    "# (chown to real uids), RestrictSUIDSGID (Linux_chmod 2775), ProtectSystem=strict (see above).",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
