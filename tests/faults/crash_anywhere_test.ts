/**
 * Crash anywhere: over a mixed workload against proftpd (uploads, downloads, local and remote
 * deletions, local and remote modifications, a conflict, two large files), the real CLI
 * (`deno run -A mod.ts sync`) is SIGKILLed at chosen points, three times in a row per workload.
 * The points are events observed from outside: every change of the file system (Local_dir, the
 * FTP root, the state directory with its baseline, WAL and trash, parametre.ini) counts as one,
 * and the kill lands after the k-th plus a few ms of jitter, so that kills fall in listings,
 * transfers, renames, baseline commits, trash moves and (first passes) the ini's Identifier write.
 * After each kill: no version of any file is lost (it is on a side or in the trash), no partial
 * file sits under a final name, parametre.ini is whole. Then a normal pass: no local temporary
 * file is left (remote ones once a day old), the trees are equal, and one more pass changes
 * nothing. Every other workload starts without a baseline (the killed pass is the first sync).
 * Counts: 2 workloads x 3 kills in CI, 8 x 3 with FTP_CLONE_FAULTS=large.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { encryptPassword, loadSecretKey } from "../../config/mod.ts";
import { TRASH_DIR_NAME } from "../../sync/exclude.ts";
import { cliEnv, MOD_TS, REPO_ROOT, runCli } from "../support/cli.ts";
import { ignoreUnlessServer, startServer, type TestServer } from "../support/ftp_servers.ts";
import { makeRng, type Rng } from "../support/fuzz_ini.ts";
import { FUZZ_SEED, scaled } from "./fault_scale.ts";
import { processesShowing } from "./proc_scan.ts";

const TEMP_PREFIX = ".ftp-clone.";
const BIG_BYTES = 6 * 1024 * 1024;
const encoder = new TextEncoder();

function sha(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Deterministic bytes (xorshift32). */
function bigBytes(length: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = seed || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, length);
}

/** Every file under `root`: relative path -> sha256 (temporary files included). */
function files(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string, rel: string): void => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      return;
    }
    for (const e of entries) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (path === TRASH_DIR_NAME) continue; // Local_dir's trash: read on its own
      if (e.isDirectory) walk(join(dir, e.name), path);
      else if (e.isFile) out.set(path, sha(Deno.readFileSync(join(dir, e.name))));
    }
  };
  walk(root, "");
  return out;
}

function isTemp(path: string): boolean {
  return path.split("/").some((c) => c.startsWith(TEMP_PREFIX));
}

/** One workload on its own remote directory, Local_dir, state directory and parametre.ini. */
interface Workload {
  name: string;
  ini: string;
  /** parametre.ini as written, before ftp-clone adds the Identifier. */
  iniText: string;
  local: string;
  remote: string;
  stateDir: string;
  /** The password (never on a command line). */
  password: string;
  /** sha256 of every version ever written on either side. */
  known: Set<string>;
  /** Versions that must never be lost (side, trash). */
  mustSurvive: Set<string>;
}

function cliArgs(w: Workload): string[] {
  return ["--config", w.ini, "--state-dir", w.stateDir, "sync"];
}

/** The Identifier ftp-clone wrote, once it has. */
function identifierOf(w: Workload): string | undefined {
  return /^Identifier = ([0-9a-f]{40})\r?$/m.exec(Deno.readTextFileSync(w.ini))?.[1];
}

async function prepare(
  srv: TestServer,
  tmp: string,
  n: number,
  rng: Rng,
  withBaseline: boolean,
): Promise<Workload> {
  const name = `s${n}`;
  await srv.mkdir(name);
  const dir = join(tmp, name);
  const local = join(dir, "local");
  await Deno.mkdir(local, { recursive: true });
  const ini = join(dir, "parametre.ini");
  const key = await loadSecretKey(ini, { create: true });
  assert.ok(key);
  const iniText =
    `[Service]\nLogLevel = debug\n\n[FTP1]\nServer = ${srv.host}\nPort = ${srv.port}\n` +
    `User = ${srv.user}\nPassword = ${await encryptPassword(srv.password, key, {
      section: "FTP1",
    })}\n` +
    `Remote_dir = /${name}\nLocal_dir = ${local}\nConcurrentConnections = 4\nMaxDelete = 90\n`;
  await Deno.writeTextFile(ini, iniText);
  const w: Workload = {
    name,
    ini,
    iniText,
    local,
    remote: join(srv.root, name),
    stateDir: join(dir, "state"),
    password: srv.password,
    known: new Set(),
    mustSurvive: new Set(),
  };
  const writeLocal = async (path: string, data: Uint8Array | string) => {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    await Deno.mkdir(dirname(join(local, path)), { recursive: true });
    await Deno.writeFile(join(local, path), bytes);
    w.known.add(sha(bytes));
  };
  const writeRemote = async (path: string, data: Uint8Array | string) => {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    await srv.writeFile(`${name}/${path}`, bytes, { mtime: new Date(Date.now() + 5_000) });
    w.known.add(sha(bytes));
  };
  for (let i = 0; i < 16; i++) await writeLocal(`base/f${i}.txt`, `base-${i}-${name}`);
  if (withBaseline) {
    const first = await runCli(cliArgs(w));
    assert.equal(first.code, 0, first.stderr);
  }
  // The mixed workload.
  for (let i = 0; i < 6; i++) await writeLocal(`up/n${i}.txt`, `up-${i}-${name}-${rng.int(1e9)}`);
  await writeLocal("up/big-local.bin", bigBytes(BIG_BYTES, 1 + n * 2));
  for (let i = 0; i < 3; i++) await writeLocal(`base/f${i}.txt`, `local-mod-${i}-${name}-longer`);
  for (const i of [3, 4]) await Deno.remove(join(local, `base/f${i}.txt`));
  for (let i = 0; i < 6; i++) {
    await writeRemote(`down/r${i}.txt`, `down-${i}-${name}-${rng.int(1e9)}`);
  }
  await writeRemote("down/big-remote.bin", bigBytes(BIG_BYTES, 2 + n * 2));
  for (const i of [5, 6, 7]) await writeRemote(`base/f${i}.txt`, `remote-mod-${i}-${name}-longer`);
  for (const i of [8, 9]) await Deno.remove(join(w.remote, `base/f${i}.txt`)).catch(() => {});
  await writeLocal("base/f14.txt", `conflict-local-${name}`);
  await writeRemote("base/f14.txt", `conflict-remote-${name}-longer`);
  // Every local version, and every remote one except those the local side replaced or deleted
  // (with a baseline: a local change or deletion legitimately replaces the remote version).
  for (const hash of files(local).values()) w.mustSurvive.add(hash);
  for (const [path, hash] of files(w.remote)) {
    if (!withBaseline || !/^base\/f[0-4]\.txt$/.test(path)) w.mustSurvive.add(hash);
  }
  return w;
}

/** No version lost; nothing unknown under a final name; parametre.ini whole. */
function checkInvariants(w: Workload, when: string): void {
  const local = files(w.local);
  const remote = files(w.remote);
  const id = identifierOf(w);
  const trash = files(join(w.local, TRASH_DIR_NAME));
  const everywhere = new Set([...local.values(), ...remote.values(), ...trash.values()]);
  for (const hash of w.mustSurvive) {
    assert.ok(everywhere.has(hash), `${when}: a version was lost (${hash.slice(0, 12)})`);
  }
  for (const [side, map] of [["local", local], ["remote", remote], ["trash", trash]] as const) {
    for (const [path, hash] of map) {
      if (side !== "trash" && isTemp(path)) continue;
      assert.ok(w.known.has(hash), `${when}: ${side} "${path}" is not a complete version`);
    }
  }
  const ini = Deno.readTextFileSync(w.ini);
  const expected = id === undefined
    ? w.iniText
    : w.iniText.replace(/(MaxDelete = 90\n)/, `$1Identifier = ${id}\n`);
  assert.equal(ini, expected, `${when}: parametre.ini is not whole`);
}

/** Names and sizes of everything a pass can change: one string, compared between polls. */
function fingerprint(w: Workload): string {
  const parts: string[] = [];
  const walk = (dir: string): void => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      return;
    }
    for (const e of entries) {
      const abs = join(dir, e.name);
      if (e.isDirectory) {
        parts.push(abs);
        walk(abs);
        continue;
      }
      try {
        const info = Deno.statSync(abs);
        parts.push(`${abs}:${info.size}:${info.mtime?.getTime()}`);
      } catch {
        // Renamed or removed meanwhile: the next poll sees it.
      }
    }
  };
  for (const dir of [w.local, w.remote, w.stateDir]) walk(dir);
  parts.push(Deno.readTextFileSync(w.ini));
  return parts.sort().join("\n");
}

/** Runs `sync` and SIGKILLs it after `events` observed changes (+ jitter ms); true when killed. */
async function killAt(w: Workload, events: number, jitterMs: number): Promise<boolean> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MOD_TS, ...cliArgs(w)],
    cwd: REPO_ROOT,
    env: cliEnv(),
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  const status = child.status.finally(() => exited = true);
  let seen = 0;
  let last = fingerprint(w);
  let checkedArgs = false;
  while (!exited && seen < events) {
    await new Promise((resolve) => setTimeout(resolve, 3));
    const now = fingerprint(w);
    if (now !== last) {
      seen++;
      last = now;
    }
    if (!checkedArgs && seen > 0) {
      // While the pass runs: the password is on none of its processes' command lines.
      assert.deepEqual(processesShowing(w.password, child.pid), [], "password on a command line");
      checkedArgs = true;
    }
  }
  if (!exited && jitterMs > 0) await new Promise((resolve) => setTimeout(resolve, jitterMs));
  let killed = false;
  if (!exited) {
    try {
      child.kill("SIGKILL");
      killed = true;
    } catch {
      // It has just exited.
    }
  }
  const result = await status;
  return killed && result.signal === "SIGKILL";
}

Deno.test({
  name: "crash anywhere: SIGKILL of sync mid-pass loses nothing and the next pass converges",
  ignore: ignoreUnlessServer("proftpd"),
}, async (t) => {
  const workloads = scaled(2, 8);
  const killsPerWorkload = 3;
  await using srv = await startServer({ kind: "proftpd" });
  const tmp = await Deno.makeTempDir({ prefix: "ftp-clone-crash-" });
  let survived = 0;
  let leftRemote = 0;
  /** Kills that left a temporary file (they hit a transfer), or came before the ini write. */
  let midTransfer = 0;
  let beforeIdentifier = 0;
  try {
    for (let n = 0; n < workloads; n++) {
      const rng = makeRng(FUZZ_SEED + n);
      const w = await prepare(srv, tmp, n, rng, n % 2 === 0);
      for (let k = 0; k < killsPerWorkload; k++) {
        // First kill of a workload without baseline: by time alone, around start-up and the
        // ini's Identifier write; the others after the k-th observed change.
        const early = k === 0 && n % 2 === 1;
        const events = early ? 0 : 1 + rng.int(k === 0 ? 40 : k === 1 ? 20 : 8);
        const jitter = early ? 100 + rng.int(500) : rng.pick([0, 0, 2, 5, 10, 25, 60]);
        const killed = await killAt(w, events, jitter);
        checkInvariants(w, `${w.name} after kill ${k} (event ${events} + ${jitter} ms)`);
        if (killed) survived++;
        const leftovers = [...files(w.local).keys(), ...files(w.remote).keys()].filter(isTemp);
        if (killed && leftovers.length > 0) midTransfer++;
        if (killed && identifierOf(w) === undefined) beforeIdentifier++;
      }
      const final = await runCli(cliArgs(w));
      assert.equal(final.code, 0, `${w.name}: recovery pass\n${final.stderr}`);
      checkInvariants(w, `${w.name} after the recovery pass`);
      // Local temporaries go at once; remote ones only once a day old (another machine may be
      // uploading into the same Remote_dir): age them, and the next pass removes them.
      assert.deepEqual([...files(w.local).keys()].filter(isTemp), [], `${w.name}: local temps`);
      const remoteTemps = [...files(w.remote).keys()].filter(isTemp);
      leftRemote += remoteTemps.length;
      const old = new Date(Date.now() - 3 * 86_400_000);
      for (const path of remoteTemps) await Deno.utime(join(w.remote, path), old, old);
      const cleanup = await runCli(cliArgs(w));
      assert.equal(cleanup.code, 0, cleanup.stderr);
      const local = files(w.local);
      const remote = files(w.remote);
      const temps = [...local.keys(), ...remote.keys()].filter(isTemp);
      assert.deepEqual(temps, [], `${w.name}: temporary files left`);
      assert.deepEqual(
        [...local].sort(),
        [...remote].sort(),
        `${w.name}: the trees differ after the recovery pass`,
      );
      const again = await runCli(cliArgs(w));
      assert.equal(again.code, 0, again.stderr);
      assert.match(
        again.stdout,
        /0 uploaded, 0 downloaded, 0 deleted locally, 0 deleted on the server, 0 conflicts, 0 errors/,
        `${w.name}: the pass after recovery still changed something`,
      );
    }
    const summary = `${workloads * killsPerWorkload} kills tried, ${survived} landed mid-pass ` +
      `(${midTransfer} mid-transfer, ${beforeIdentifier} before the Identifier write), ` +
      `${leftRemote} remote temporary files left for the day-old cleanup`;
    await t.step(summary, () => {
      assert.ok(survived >= workloads, `only ${survived} kills landed before the pass ended`);
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
