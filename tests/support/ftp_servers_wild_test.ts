/**
 * The lab's servers "as in the wild" start, show their dialect on the wire, and stop everything.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  ignoreUnlessServer,
  type ServerOptions,
  startServer,
  type TestServer,
} from "./ftp_servers.ts";
import { RawFtpClient } from "./ftp_server_probe.ts";
import { alive } from "./ftp_server_procs.ts";
import { DEBIAN_VSFTPD_CONF } from "./ftp_server_wild_configs.ts";
import { mountExfat } from "./local_fs_mounts.ts";

/** 2026-01-01T00:00:00Z: in Kolkata 05:30, in New York 2025-12-31 19:00. */
const KNOWN = new Date("2026-01-01T00:00:00Z");

async function login(srv: TestServer): Promise<RawFtpClient> {
  const c = await RawFtpClient.connect(srv.port);
  const reply = await c.login(srv.user, srv.password);
  assert.equal(reply.code, 230, reply.text);
  return c;
}

/** Starts `options`, runs `fn` on a logged-in client, then checks that nothing is left running. */
async function withServer(
  options: ServerOptions,
  fn: (srv: TestServer, c: RawFtpClient) => Promise<void>,
): Promise<void> {
  const srv = await startServer(options);
  let pids: number[] = [];
  try {
    await srv.writeFile("k.txt", "hello", { mtime: KNOWN });
    await srv.mkdir("d");
    await using c = await login(srv);
    pids = srv.processes();
    assert.ok(pids.length >= 1);
    await fn(srv, c);
  } finally {
    await srv[Symbol.asyncDispose]();
  }
  assert.deepEqual(srv.processes(), []);
  for (const pid of pids) assert.ok(!alive(pid), `pid ${pid} survived`);
}

async function list(c: RawFtpClient, command: string): Promise<string[]> {
  const { reply, data } = await c.dataCommand(command);
  assert.equal(reply.code, 226, `${command}: ${reply.text}`);
  return data.split("\r\n").filter((l) => l !== "");
}

function line(lines: string[], name: string): string {
  const found = lines.find((l) => l.endsWith(` ${name}`) || l.endsWith(`;${name}`));
  assert.ok(found, `no line for "${name}" in ${JSON.stringify(lines)}`);
  return found;
}

Deno.test({
  name: "Debian's stock vsftpd reports LIST and MDTM in its local zone (use_localtime=YES)",
  ignore: ignoreUnlessServer("vsftpd"),
  fn: async (t) => {
    const cases = [
      {
        tz: "Asia/Kolkata",
        mdtm: "20260101053000",
        list: /Jan 01 05:30 k\.txt$|Jan 01 {2}2026 k\.txt$/,
      },
      { tz: "America/New_York", mdtm: "20251231190000", list: /Dec 31 {2}2025 k\.txt$/ },
    ];
    for (const { tz, mdtm, list: listed } of cases) {
      await t.step(
        tz,
        () =>
          withServer({ kind: "vsftpd", stockConfig: true, env: { TZ: tz } }, async (srv, c) => {
            const conf = await Deno.readTextFile(`${srv.logDir}/vsftpd.conf`);
            assert.ok(conf.startsWith(await Deno.readTextFile(DEBIAN_VSFTPD_CONF)));
            assert.match(conf, /^use_localtime=YES$/m);
            assert.equal((await c.send("MDTM k.txt")).text, `213 ${mdtm}`);
            assert.match(line(await list(c, "LIST -a"), "k.txt"), listed);
            // The 2-argument MDTM is read in local time too.
            assert.equal((await c.send(`MDTM ${mdtm} k.txt`)).code, 213);
            assert.equal(
              Deno.statSync(`${srv.root}/k.txt`).mtime?.toISOString(),
              KNOWN.toISOString(),
            );
            assert.equal((await c.send("MLSD")).code, 500);
          }),
      );
    }
    await t.step(
      "stock local_umask 077: uploads are 0600",
      () =>
        withServer({ kind: "vsftpd", stockConfig: true }, async (srv, c) => {
          const { reply } = await c.dataCommand("STOR up.txt", { upload: "up" });
          assert.ok(reply.code === 226 || reply.code === 150, reply.text);
          await new Promise((r) => setTimeout(r, 100));
          assert.equal(Deno.statSync(`${srv.root}/up.txt`).mode! & 0o777, 0o600);
        }),
    );
  },
});

Deno.test({
  name: "servers under libfaketime: a wrong clock, fully (proftpd) or only time() (vsftpd)",
  ignore: ignoreUnlessServer("vsftpd", "proftpd", "faketime"),
  fn: async (t) => {
    await t.step(
      "proftpd -3h shows and sets file times in its wrong clock",
      () =>
        withServer({ kind: "proftpd", faketime: "-3h" }, async (srv, c) => {
          assert.equal((await c.send("MDTM k.txt")).text, "213 20251231210000");
          assert.match(line(await list(c, "MLSD"), "k.txt"), /modify=20251231210000;/);
          assert.match((await c.send("MFMT 20260601000000 k.txt")).text, /^213 /);
          // The disk holds the true time: what a machine 3 h behind stamps as 00:00 is 03:00.
          assert.equal(
            Deno.statSync(`${srv.root}/k.txt`).mtime?.toISOString(),
            "2026-06-01T03:00:00.000Z",
          );
          assert.equal((await c.send("MDTM k.txt")).text, "213 20260601000000");
        }),
    );
    await t.step(
      "proftpd +7m",
      () =>
        withServer({ kind: "proftpd", faketime: "+7m" }, async (_srv, c) => {
          assert.equal((await c.send("MDTM k.txt")).text, "213 20260101000700");
        }),
    );
    await t.step(
      "vsftpd -3h: its clock only (a file stamped now lies in its future)",
      () =>
        withServer({ kind: "vsftpd", faketime: "-3h" }, async (srv, c) => {
          await srv.writeFile("now.txt", "x");
          assert.equal((await c.send("MDTM k.txt")).text, "213 20260101000000");
          // vsftpd shows the year instead of the time for a file newer than its clock.
          assert.match(line(await list(c, "LIST -a"), "now.txt"), / {2}\d{4} now\.txt$/);
          const log = await srv.commandLog();
          const stamp = /^(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4}) \[pid/m.exec(log)?.[1];
          assert.ok(stamp, log);
          const skew = Date.parse(`${stamp} UTC`) - Date.now();
          assert.ok(Math.abs(skew + 3 * 3_600_000) < 120_000, `log clock off by ${skew} ms`);
        }),
    );
  },
});

Deno.test({
  name: "proftpd with mod_digest answers HASH and the X* hash commands",
  ignore: ignoreUnlessServer("proftpd"),
  fn: () =>
    withServer({ kind: "proftpd", digest: true }, async (_srv, c) => {
      const sha256 = createHash("sha256").update("hello").digest("hex");
      assert.match((await c.send("FEAT")).text, /^ HASH CRC32;MD5;SHA-1\*;SHA-256;SHA-512;$/m);
      assert.equal((await c.send("OPTS HASH SHA-256")).code, 200);
      assert.match(
        (await c.send("HASH k.txt")).text,
        new RegExp(`^213 SHA-256 0-5 ${sha256} k.txt$`, "m"),
      );
      assert.match((await c.send("XSHA256 k.txt")).text, new RegExp(`^250 ${sha256}$`, "im"));
      assert.match((await c.send("XCRC k.txt")).text, /^250 3610A686$/m);
    }),
});

Deno.test({
  name: "pyftpdlib dialects: local times, DOS LIST, missing commands, hashes, per-user limit",
  ignore: ignoreUnlessServer("pyftpdlib"),
  fn: async (t) => {
    await t.step("--mlsd-local-time under TZ=Asia/Kolkata", () =>
      withServer(
        { kind: "pyftpdlib", dialect: { mlsdLocalTime: true }, env: { TZ: "Asia/Kolkata" } },
        async (_srv, c) => {
          assert.match(line(await list(c, "MLSD"), "k.txt"), /modify=20260101053000;/);
          assert.equal((await c.send("MDTM k.txt")).text, "213 20260101053000");
        },
      ));
    await t.step(
      "stock: UTC, LIST -a alone is the cwd but LIST -a /d is a path",
      () =>
        withServer({ kind: "pyftpdlib", env: { TZ: "Asia/Kolkata" } }, async (_srv, c) => {
          assert.match(line(await list(c, "MLSD"), "k.txt"), /modify=20260101000000;/);
          assert.ok((await list(c, "LIST -a")).some((l) => l.endsWith(" k.txt")));
          assert.equal((await c.dataCommand("LIST -a /d")).reply.code, 550);
        }),
    );
    await t.step("--dos-list=mixed, --no-mlsd, --list-no-options", () =>
      withServer(
        { kind: "pyftpdlib", dialect: { dosList: "mixed", noMlsd: true, listNoOptions: true } },
        async (srv, c) => {
          for (const name of ["with space.txt", "b", "c.bin", "e", "f", "g"]) {
            await srv.writeFile(name, "12345", { mtime: new Date("2026-05-12T22:15:00Z") });
          }
          const lines = await list(c, "LIST");
          assert.match(line(lines, "d"), /^\d\d-\d\d-\d{2,4} {2}\d\d:\d\d(AM|PM)? {7}<DIR> {10}d$/);
          assert.match(line(lines, "with space.txt"), / {16}5 with space\.txt$/);
          const forms = new Set(
            lines.map((l) => /^\d\d-\d\d-(\d+) {2}\d\d:\d\d(AM|PM)?/.exec(l)!)
              .map((m) => `${m[1]!.length}${m[2] ? "12h" : "24h"}`),
          );
          assert.ok(forms.size >= 3, `only ${[...forms]} in ${lines.join("\n")}`);
          assert.ok(lines.some((l) => l.startsWith("05-12-26  10:15PM ")), lines.join("\n"));
          assert.ok(lines.some((l) => /^05-12-(26|2026) {2}22:15 /.test(l)), lines.join("\n"));
          assert.equal((await c.send("MLSD")).code, 500);
          assert.doesNotMatch((await c.send("FEAT")).text, /MLST/);
          assert.equal((await c.dataCommand("LIST -a")).reply.code, 550);
        },
      ));
    await t.step(
      "--no-rename, --pasv-only, --no-size, --no-rest, --no-mdtm, --no-mfmt",
      () =>
        withServer({
          kind: "pyftpdlib",
          dialect: {
            noRename: 502,
            pasvOnly: true,
            noSize: true,
            noRest: true,
            noMdtm: true,
            noMfmt: true,
          },
        }, async (_srv, c) => {
          assert.equal((await c.send("RNFR k.txt")).code, 502);
          assert.equal((await c.send("EPSV")).code, 500);
          for (const cmd of ["SIZE k.txt", "REST 1", "MDTM k.txt", "MFMT 20260101000000 k.txt"]) {
            assert.equal((await c.send(cmd)).code, 500, cmd);
          }
          const feat = (await c.send("FEAT")).text;
          for (const f of ["EPSV", "SIZE", "REST", "MDTM", "MFMT"]) {
            assert.doesNotMatch(feat, new RegExp(f));
          }
          assert.equal((await list(c, "LIST")).length, 2);
        }),
    );
    await t.step(
      "--no-rename (550)",
      () =>
        withServer({ kind: "pyftpdlib", dialect: { noRename: 550 } }, async (_srv, c) => {
          assert.equal((await c.send("RNFR k.txt")).code, 550);
        }),
    );
    await t.step(
      "--hash",
      () =>
        withServer(
          { kind: "pyftpdlib", dialect: { hash: ["HASH", "XSHA256", "XCRC"] } },
          async (_srv, c) => {
            const sha256 = createHash("sha256").update("hello").digest("hex");
            const md5 = createHash("md5").update("hello").digest("hex");
            assert.match((await c.send("FEAT")).text, /^ HASH SHA-256\*;SHA-1;MD5$/m);
            assert.equal((await c.send("HASH k.txt")).text, `213 SHA-256 0-5 ${sha256} /k.txt`);
            assert.equal((await c.send("OPTS HASH MD5")).text, "200 MD5");
            assert.equal((await c.send("HASH k.txt")).text, `213 MD5 0-5 ${md5} /k.txt`);
            assert.equal((await c.send("XSHA256 k.txt")).text, `250 ${sha256}`);
            assert.equal((await c.send("XCRC k.txt")).text, "250 3610A686");
            assert.equal((await c.send("XMD5 k.txt")).code, 500);
          },
        ),
    );
    await t.step(
      "per-user limit and the command log",
      () =>
        withServer({ kind: "pyftpdlib", maxClientsPerUser: 2 }, async (srv, c) => {
          await using b = await login(srv);
          await using extra = await RawFtpClient.connect(srv.port);
          assert.equal((await extra.login(srv.user, srv.password)).code, 421);
          await c.dataCommand("STOR up.txt", { upload: "up" });
          await b.send("MDTM k.txt");
          const log = await srv.commandLog();
          assert.equal((log.match(/"STOR /g) ?? []).length, 1);
          assert.equal((log.match(/"MDTM /g) ?? []).length, 1);
          assert.equal((log.match(/REFUSED /g) ?? []).length, 1);
          assert.doesNotMatch(log, new RegExp(srv.password));
        }),
    );
  },
});

Deno.test({
  name: "inetutils-ftpd: not chrooted, logs in to the root as its home, LIST via ls, no MLSD",
  ignore: ignoreUnlessServer("inetutils-ftpd"),
  fn: () =>
    withServer({ kind: "inetutils-ftpd", env: { TZ: "UTC" } }, async (srv, c) => {
      assert.equal(srv.chrooted, false);
      assert.equal((await c.send("PWD")).text, `257 "${srv.root}" is current directory.`);
      const lines = await list(c, "LIST -a");
      assert.match(lines[0]!, /^total \d+$/);
      assert.match(line(lines, "k.txt"), /^-rw-r--r-- +1 ftptest +\S+ +5 Jan {2}1 {2}2026 k\.txt$/);
      assert.equal((await c.send("MDTM k.txt")).text, "213 20260101000000");
      assert.equal((await c.send("MLSD")).code, 500);
      assert.equal((await c.send("MFMT 20260101000000 k.txt")).code, 500);
      assert.equal((await c.send("MDTM 20260101000000 k.txt")).code, 550);
      assert.equal((await c.send("CWD /etc")).code, 250);
      // The machine's own passwd is untouched: only the server's mount namespace sees the copy.
      const own = Deno.readTextFileSync("/etc/passwd").split("\n").find((l) =>
        l.startsWith("ftptest:")
      );
      assert.equal(own?.split(":")[5], "/");
    }),
});

Deno.test({
  name: "mountExfat: a case-insensitive file system, unmounted on dispose, two at once",
  ignore: ignoreUnlessServer("exfat"),
  fn: async () => {
    let paths: string[] = [];
    {
      await using a = await mountExfat();
      await using b = await mountExfat();
      paths = [a.path, b.path];
      assert.notEqual(a.device, b.device);
      Deno.writeTextFileSync(`${a.path}/A.txt`, "upper");
      Deno.writeTextFileSync(`${a.path}/a.txt`, "lower");
      assert.deepEqual([...Deno.readDirSync(a.path)].map((e) => e.name), ["A.txt"]);
      assert.equal(Deno.readTextFileSync(`${a.path}/A.TXT`), "lower");
      assert.deepEqual([...Deno.readDirSync(b.path)], []);
      // exFAT stores UTF-16 names: a name that is not valid UTF-8 cannot be created (EILSEQ).
      const out = await new Deno.Command("/usr/bin/python3", {
        args: [
          "-c",
          "import os,sys; open(os.fsencode(sys.argv[1]) + b'/caf\\xe9.txt', 'w')",
          a.path,
        ],
        stderr: "piped",
      }).output();
      assert.equal(out.success, false);
      assert.match(new TextDecoder().decode(out.stderr), /Invalid or incomplete multibyte/);
    }
    const mounts = Deno.readTextFileSync("/proc/self/mounts");
    for (const p of paths) {
      assert.ok(!mounts.includes(p), `${p} still mounted`);
      assert.throws(() => Deno.statSync(p));
    }
  },
});
