import assert from "node:assert/strict";
import { type Contender, type Job, makeContenders } from "./contenders.ts";

const ctx = {
  repoRoot: "/repo",
  baseEnv: { PATH: "/usr/bin", HOME: "/root" },
  toolHome: "/w/home",
  rcloneObscuredPassword: "OBSCURED",
};

function job(kind: Job["kind"], extra: Partial<Job> = {}): Job {
  return {
    kind,
    dataset: kind === "pass" ? "X" : "S",
    endpoint: {
      host: "127.0.0.1",
      port: 2121,
      user: "u",
      password: "p",
      tls: false,
      fingerprint: "ab".repeat(32),
    },
    remoteDir: "/S",
    remoteFsDir: "/srv/S",
    localDir: "/l/S",
    stateDir: "/st",
    bigFile: "big-0.bin",
    ...extra,
  };
}

function byName(name: string): Contender {
  const c = makeContenders(ctx).find((c) => c.name === name);
  if (c === undefined) throw new Error(name);
  return c;
}

Deno.test("lftp mirror: one process, mirror for fills, both directions --only-newer for a pass", async (t) => {
  const lftp = byName("lftp mirror");
  const rows: Array<[Job["kind"], RegExp[]]> = [
    ["down", [/; mirror --parallel=8 \/S \/l\/S$/]],
    ["up", [/; mirror -R --parallel=8 \/l\/S \/S$/]],
    [
      "pass",
      [/; mirror --parallel=8 --only-newer \/S \/l\/S; mirror -R --parallel=8 --only-newer \/l\/S \/S$/],
    ],
  ];
  for (const [kind, patterns] of rows) {
    await t.step(kind, async () => {
      const commands = await lftp.commands(job(kind));
      assert.equal(commands.length, 1);
      const [argv] = commands;
      assert.equal(argv?.[0], "lftp");
      for (const p of patterns) assert.match(argv?.[2] ?? "", p);
      assert.match(
        argv?.[2] ?? "",
        /set ftp:ssl-allow false; .*open -u u,p -p 2121 ftp:\/\/127\.0\.0\.1/,
      );
    });
  }
  assert.equal(lftp.env(job("down")).HOME, "/w/home");
});

Deno.test("rclone copy and bisync: commands, priming and the remote in the environment", async () => {
  const copy = byName("rclone copy");
  assert.deepEqual(await copy.commands(job("pass")), [
    ["rclone", "copy", "-q", "--transfers", "8", "--update", "bench:/S", "/l/S"],
    ["rclone", "copy", "-q", "--transfers", "8", "--update", "/l/S", "bench:/S"],
  ]);
  const tlsJob = job("down", { endpoint: { ...job("down").endpoint, tls: true } });
  const env = copy.env(tlsJob);
  assert.equal(env.RCLONE_CONFIG_BENCH_PASS, "OBSCURED");
  assert.equal(env.RCLONE_CONFIG_BENCH_EXPLICIT_TLS, "true");
  assert.equal(env.RCLONE_CONFIG_BENCH_WRITING_MDTM, undefined);
  const bisync = byName("rclone bisync");
  assert.equal(bisync.env(job("down")).RCLONE_CONFIG_BENCH_WRITING_MDTM, "true");
  const up = (await bisync.commands(job("up")))[0] ?? [];
  assert.deepEqual(up.slice(-3), ["/l/S", "bench:/S", "--resync"]);
  assert.deepEqual(await bisync.prime(job("down")), []);
  const prime = (await bisync.prime(job("pass")))[0] ?? [];
  assert.equal(prime.at(-1), "--resync");
  const pass = (await bisync.commands(job("pass")))[0] ?? [];
  assert.deepEqual(pass.slice(-2), ["bench:/S", "/l/S"]);
});

Deno.test("ceilings: cp for fills only, curl for one file of L only", async () => {
  const cp = byName("cp -r (ceiling)");
  assert.equal(cp.supports(job("pass")), false);
  assert.deepEqual(await cp.commands(job("down")), [["cp", "-r", "/srv/S/.", "/l/S"]]);
  const curl = byName("curl 1 file (ceiling)");
  assert.equal(curl.supports(job("down")), false);
  const l = job("up", { dataset: "L", remoteDir: "/runs/7", localDir: "/l/L" });
  assert.equal(curl.supports(l), true);
  assert.deepEqual(await curl.commands(l), [[
    "curl",
    "-sS",
    "--fail",
    "--user",
    "u:p",
    "-T",
    "/l/L/big-0.bin",
    "ftp://127.0.0.1:2121/runs/7/big-0.bin",
  ]]);
});

Deno.test("ftp-clone: writes an ini with an encrypted password once, runs sync", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench-contenders-test-" });
  try {
    const ftpClone = byName("ftp-clone");
    const j = job("down", { stateDir: dir });
    const [argv] = await ftpClone.commands(j);
    assert.deepEqual(argv?.slice(-8), [
      "/repo/mod.ts",
      "--config",
      `${dir}/parametre.ini`,
      "--state-dir",
      `${dir}/state`,
      "--log-level",
      "warning",
      "sync",
    ]);
    const ini = await Deno.readTextFile(`${dir}/parametre.ini`);
    assert.match(ini, /\nPassword = v1:[\w-]+:[\w-]+\n/);
    assert.match(ini, /\nPort = 2121\nType = ftp\nUser = u\n/);
    assert.match(ini, /\nConcurrentConnections = 8\nMaxDelete = 100\n/);
    assert.ok((await Deno.stat(`${dir}/secret.key`)).isFile);
    await Deno.writeTextFile(`${dir}/parametre.ini`, ini + "Identifier = kept\n");
    await ftpClone.commands(j);
    assert.match(await Deno.readTextFile(`${dir}/parametre.ini`), /Identifier = kept/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
