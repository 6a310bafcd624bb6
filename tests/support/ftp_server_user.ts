/**
 * The one system user every test server logs in as: `ftptest` with a fixed password.
 *
 * vsftpd authenticates it through PAM (/etc/shadow); pure-ftpd and proftpd get their own
 * virtual-user files that map the same name and password onto its uid/gid. The password is
 * fixed so that parallel harnesses never race in chpasswd with different values, and the
 * check-then-create runs under an exclusive lock on a shared lock file.
 * @module
 */

/** Name of the FTP test user. */
export const TEST_USER = "ftptest";
/** Password of the FTP test user (fixed on purpose, see the module doc). */
export const TEST_PASSWORD = "S3cret-pw";

const LOCK_PATH = "/tmp/ftp-clone-test-user.lock";
/** Salt of the SHA-512 crypt hash (fixed: see setup). */
const SALT = "ftpclonetest";

/** The test user as the servers need it. */
export interface TestUser {
  readonly name: string;
  readonly password: string;
  readonly uid: number;
  readonly gid: number;
  /** SHA-512 crypt hash of the password (`$6$...`), for virtual-user files. */
  readonly hash: string;
}

let cached: Promise<TestUser> | undefined;

async function run(cmd: string, args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  if (!out.success) {
    throw new Error(
      `Cannot set up the FTP test user "${TEST_USER}": "${cmd} ${args.join(" ")}" failed: ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
  return new TextDecoder().decode(out.stdout).trim();
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

function field(file: string, name: string): string[] | undefined {
  const line = Deno.readTextFileSync(file).split("\n").find((l) => l.startsWith(`${name}:`));
  return line?.split(":");
}

async function setup(): Promise<TestUser> {
  const lock = await Deno.open(LOCK_PATH, { create: true, write: true });
  try {
    await lock.lock(true);
    if (!field("/etc/passwd", TEST_USER)) {
      // -M: the servers chroot into their own roots, but vsftpd chdir()s to the home first, so
      // it must exist: "/" always does.
      await run("useradd", ["-M", "-d", "/", "-s", "/bin/sh", TEST_USER]);
    }
    let pw = field("/etc/passwd", TEST_USER);
    if (pw && !isDir(pw[5] ?? "")) {
      await run("usermod", ["-d", "/", TEST_USER]);
      pw = field("/etc/passwd", TEST_USER);
    }
    if (!pw) throw new Error(`Cannot find "${TEST_USER}" in "/etc/passwd" after useradd`);
    const shell = pw[6] ?? "";
    const shells = Deno.readTextFileSync("/etc/shells").split("\n").map((l) => l.trim());
    if (!shells.includes(shell)) {
      throw new Error(
        `The FTP test user "${TEST_USER}" has shell "${shell}", which is not in "/etc/shells" (PAM would refuse vsftpd logins)`,
      );
    }
    const banned = Deno.readTextFileSync("/etc/ftpusers").split("\n").map((l) => l.trim());
    if (banned.includes(TEST_USER)) {
      throw new Error(`The FTP test user "${TEST_USER}" is listed in "/etc/ftpusers"`);
    }
    // A fixed salt makes the hash deterministic, so "already set" is a plain string compare and
    // chpasswd -e (no PAM, no yescrypt) runs only when the shadow entry differs.
    const hash = await run("openssl", ["passwd", "-6", "-salt", SALT, "-stdin"], TEST_PASSWORD);
    if (field("/etc/shadow", TEST_USER)?.[1] !== hash) {
      await run("chpasswd", ["-e"], `${TEST_USER}:${hash}\n`);
    }
    return {
      name: TEST_USER,
      password: TEST_PASSWORD,
      uid: Number(pw[2]),
      gid: Number(pw[3]),
      hash,
    };
  } finally {
    lock.close(); // Closing releases the flock.
  }
}

/** Create the test user if missing and set its password if it differs (once per process). */
export function ensureTestUser(): Promise<TestUser> {
  if (!cached) {
    cached = setup();
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}
