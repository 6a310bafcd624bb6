/**
 * The server-time probe against servers as they are configured in the wild: each one's offsets
 * per source and skew, as measured, then applied where times are read (LIST, MLSD, MDTM) and set
 * (MFMT, two-argument MDTM); what is stored in the state directory; no probe with ServerTime;
 * a read-only account.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  connectRemoteFs,
  readServerTimes,
  type RemoteFs,
  ServerProfiles,
  type ServerTimeRecord,
} from "../../sync/ftp/mod.ts";
import {
  ignoreUnlessServer,
  type ServerOptions,
  startServer,
  type TestServer,
} from "../support/ftp_servers.ts";
import type { LabNeed } from "../support/ftp_server_availability.ts";
import { optionsFor } from "./ftp_layer_support.ts";

/** The offset (minutes east of UTC) of a zone now, from the client's ICU data. */
function zoneOffsetMinutes(timeZone: string, at = Date.now()): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"));
  return Math.round((local - Math.floor(at / 60_000) * 60_000) / 60_000);
}

const KOLKATA = 330;
const NEW_YORK = zoneOffsetMinutes("America/New_York");

/** A fresh profile (so that nothing learned by another test leaks in) and a state directory. */
async function learn(srv: TestServer, dir = "/") {
  const stateDir = await Deno.makeTempDir({ prefix: "ftp-clone-time-" });
  const profiles = new ServerProfiles({ stateDir });
  const connect = () => connectRemoteFs({ ...optionsFor(srv), profiles });
  const remote = await connect();
  const view = await remote.learnServerTime(dir);
  const stored = readServerTimes(stateDir);
  return { remote, view, stored, stateDir, connect };
}

/** No probe file is left behind in the server's root. */
function noProbeLeft(srv: TestServer): void {
  const left = [...Deno.readDirSync(srv.root)].filter((e) => e.name.includes("clock-probe"));
  assert.deepEqual(left, []);
}

interface Case {
  name: string;
  needs: LabNeed[];
  server: ServerOptions;
  /** Expected offsets per source, minutes. */
  offsets: { list: number; mlsd: number; mdtm: number; set: number };
  /** Expected skew, s (the server's clock minus ours beyond the offsets). */
  skewS: number;
  /** Times set through the server land on its disk as sent (no faked utime). */
  diskTrue: boolean;
  /**
   * The skew shows only in what the server stamps, not in times already on its disk (a real
   * wrong clock; libfaketime's FAKE_STAT shifts every stored time instead). @default {false}
   */
  stampsOnly?: boolean;
}

const CASES: Case[] = [
  {
    name: "vsftpd (Debian's stock config: use_localtime) in Asia/Kolkata",
    needs: ["vsftpd"],
    server: { kind: "vsftpd", stockConfig: true, env: { TZ: "Asia/Kolkata" } },
    offsets: { list: KOLKATA, mlsd: KOLKATA, mdtm: KOLKATA, set: KOLKATA },
    skewS: 0,
    diskTrue: true,
  },
  {
    name: "vsftpd (use_localtime) in America/New_York",
    needs: ["vsftpd"],
    server: { kind: "vsftpd", stockConfig: true, env: { TZ: "America/New_York" } },
    offsets: { list: NEW_YORK, mlsd: NEW_YORK, mdtm: NEW_YORK, set: NEW_YORK },
    skewS: 0,
    diskTrue: true,
  },
  {
    name: "vsftpd (use_localtime=NO) in Asia/Kolkata: UTC",
    needs: ["vsftpd"],
    server: { kind: "vsftpd", env: { TZ: "Asia/Kolkata" } },
    offsets: { list: 0, mlsd: 0, mdtm: 0, set: 0 },
    skewS: 0,
    diskTrue: true,
  },
  {
    name: "pure-ftpd in Asia/Kolkata: LIST local, MLSD and MDTM UTC",
    needs: ["pure-ftpd"],
    server: { kind: "pure-ftpd", env: { TZ: "Asia/Kolkata" } },
    offsets: { list: KOLKATA, mlsd: 0, mdtm: 0, set: 0 },
    skewS: 0,
    diskTrue: true,
  },
  {
    name: "proftpd: UTC",
    needs: ["proftpd"],
    server: { kind: "proftpd" },
    offsets: { list: 0, mlsd: 0, mdtm: 0, set: 0 },
    skewS: 0,
    diskTrue: true,
  },
  {
    name: "pyftpdlib use_gmt_times=False in Asia/Kolkata: MFMT still reads UTC",
    needs: ["pyftpdlib"],
    server: { kind: "pyftpdlib", dialect: { mlsdLocalTime: true }, env: { TZ: "Asia/Kolkata" } },
    offsets: { list: KOLKATA, mlsd: KOLKATA, mdtm: KOLKATA, set: 0 },
    skewS: 0,
    diskTrue: true,
  },
  {
    name: "proftpd whose clock is 3 h behind (libfaketime, stat and utime shifted)",
    needs: ["proftpd", "faketime"],
    server: { kind: "proftpd", faketime: "-3h" },
    offsets: { list: -180, mlsd: -180, mdtm: -180, set: -180 },
    skewS: 0,
    diskTrue: false,
  },
  {
    name: "proftpd, LIST only, whose clock is 7 min ahead",
    needs: ["proftpd", "faketime"],
    server: { kind: "proftpd", faketime: "+7m", extraConfig: ["FactsAdvertise off"] },
    offsets: { list: 0, mlsd: 0, mdtm: 0, set: 0 },
    skewS: 420,
    diskTrue: false,
  },
  {
    // A real wrong clock: the files it stores are stamped 7 min ahead, set times are kept.
    name: "pyftpdlib, LIST only, whose clock is 7 min ahead (stamps ahead, set times kept)",
    needs: ["pyftpdlib"],
    server: { kind: "pyftpdlib", dialect: { noMlsd: true, clockSkewS: 420 } },
    offsets: { list: 0, mlsd: 0, mdtm: 0, set: 0 },
    skewS: 420,
    diskTrue: true,
    stampsOnly: true,
  },
  {
    name: "GNU inetutils-ftpd in Asia/Kolkata (LIST by /bin/ls, no way to set times)",
    needs: ["inetutils-ftpd"],
    server: { kind: "inetutils-ftpd", env: { TZ: "Asia/Kolkata" } },
    offsets: { list: KOLKATA, mlsd: 0, mdtm: 0, set: 0 },
    skewS: 0,
    diskTrue: true,
  },
  {
    name: "vsftpd whose own clock is 7 min ahead: its files carry true times",
    needs: ["vsftpd", "faketime"],
    server: { kind: "vsftpd", faketime: "+7m" },
    offsets: { list: 0, mlsd: 0, mdtm: 0, set: 0 },
    skewS: 0,
    diskTrue: true,
  },
  {
    // libfaketime does not shift vsftpd's stat64: the files it stores carry true times; its
    // LIST shows a new file with its year (the file lies in its future).
    name: "vsftpd whose own clock is 3 h behind: its files carry true times",
    needs: ["vsftpd", "faketime"],
    server: { kind: "vsftpd", faketime: "-3h" },
    offsets: { list: 0, mlsd: 0, mdtm: 0, set: 0 },
    skewS: 0,
    diskTrue: true,
  },
];

const MINUTE = 60_000;

/** A time with odd seconds, `daysAgo` back, as a Date. */
function past(daysAgo: number): Date {
  return new Date(Math.floor((Date.now() - daysAgo * 86_400_000) / MINUTE) * MINUTE + 17_000);
}

async function checkApplied(c: Case, srv: TestServer, remote: RemoteFs): Promise<void> {
  const known = past(2);
  await srv.writeFile("known.txt", "known", { mtime: known });
  const entry = (await remote.list("/")).find((e) => e.name === "known.txt");
  assert.ok(entry?.mtimeMs !== undefined, "known.txt listed with a time");
  // Listed and read in UTC (as the server's clock sees it: its skew stays).
  const skewed = known.getTime() + (c.stampsOnly ? 0 : c.skewS * 1000);
  const precision = entry.mtimePrecisionMs;
  assert.equal(entry.mtimeMs, Math.floor(skewed / precision) * precision, "listed time");
  assert.equal(await remote.mtime("/known.txt"), Math.floor(skewed / 1000) * 1000, "MDTM");
  // Set in the server's frame: the disk gets the UTC time asked.
  const wanted = past(5).getTime();
  if (await remote.setMtime("/known.txt", wanted)) {
    assert.equal(await remote.mtime("/known.txt"), wanted, "read back after set");
    if (c.diskTrue) {
      assert.equal(Deno.statSync(join(srv.root, "known.txt")).mtime?.getTime(), wanted, "disk");
    }
  }
}

for (const c of CASES) {
  Deno.test({
    name: `server time: ${c.name}`,
    ignore: ignoreUnlessServer(...c.needs),
    fn: async () => {
      await using srv = await startServer(c.server);
      const { remote, view, stored, stateDir } = await learn(srv);
      try {
        assert.equal(view.source, "measured");
        const record: ServerTimeRecord = stored[0]!.record;
        assert.deepEqual(record.offsetMinutes, c.offsets);
        assert.deepEqual(view.offsetMinutes, {
          list: c.offsets.list,
          mlsd: c.offsets.mlsd,
          mdtm: c.offsets.mdtm,
        });
        assert.ok(
          Math.abs(view.skewMs / 1000 - c.skewS) <= 2.5,
          `skew ${view.skewMs} ms, expected ${c.skewS} s`,
        );
        assert.deepEqual(stored.map((s) => s.server), [`${srv.user}@${srv.host}:${srv.port}`]);
        noProbeLeft(srv);
        await checkApplied(c, srv, remote);
      } finally {
        await remote.close();
        await Deno.remove(stateDir, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "server time: measured once, then reused by every connection and by a new process",
  ignore: ignoreUnlessServer("vsftpd"),
  fn: async () => {
    await using srv = await startServer({
      kind: "vsftpd",
      stockConfig: true,
      env: { TZ: "Asia/Kolkata" },
    });
    const { remote, stateDir, connect } = await learn(srv);
    const stors = async () => ((await srv.commandLog()).match(/"STOR /g) ?? []).length;
    try {
      assert.equal(await stors(), 1);
      const other = await connect();
      assert.equal((await other.learnServerTime("/")).offsetMinutes.list, KOLKATA);
      await other.close();
      // A new process: a new profile, the stored measurement.
      const fresh = await connectRemoteFs({
        ...optionsFor(srv),
        profiles: new ServerProfiles({ stateDir }),
      });
      assert.equal((await fresh.learnServerTime("/")).offsetMinutes.mdtm, KOLKATA);
      await fresh.close();
      assert.equal(await stors(), 1, "no second probe");
    } finally {
      await remote.close();
      await Deno.remove(stateDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "server time: ServerTime = +05:30 is applied and nothing is measured",
  ignore: ignoreUnlessServer("vsftpd"),
  fn: async () => {
    await using srv = await startServer({
      kind: "vsftpd",
      stockConfig: true,
      env: { TZ: "Asia/Kolkata" },
    });
    const remote = await connectRemoteFs({
      ...optionsFor(srv),
      serverTime: { mode: "fixed", offsetMinutes: KOLKATA },
    });
    try {
      const view = await remote.learnServerTime("/");
      assert.equal(view.source, "configured");
      assert.deepEqual(view.offsetMinutes, { list: KOLKATA, mlsd: KOLKATA, mdtm: KOLKATA });
      assert.equal(((await srv.commandLog()).match(/"STOR /g) ?? []).length, 0);
      const known = past(3);
      await srv.writeFile("k.txt", "k", { mtime: known });
      assert.equal(await remote.mtime("/k.txt"), known.getTime());
    } finally {
      await remote.close();
    }
  },
});

Deno.test({
  name: "server time: a read-only account is assumed UTC, a missing directory measured later",
  ignore: ignoreUnlessServer("vsftpd"),
  fn: async () => {
    await using srv = await startServer({ kind: "vsftpd", extraConfig: ["write_enable=NO"] });
    const { remote, view, stored, stateDir } = await learn(srv);
    try {
      assert.equal(view.source, "assumed");
      assert.match(stored[0]?.record.notes?.[0] ?? "", /storing a probe file in "\/" failed/);
    } finally {
      await remote.close();
      await Deno.remove(stateDir, { recursive: true });
    }
    await using writable = await startServer({ kind: "vsftpd" });
    const missing = await learn(writable, "/no-such-dir");
    try {
      assert.equal(missing.view.source, "assumed");
      assert.deepEqual(missing.stored, [], "nothing stored: measured at the next pass");
      assert.equal((await missing.remote.learnServerTime("/")).source, "measured");
    } finally {
      await missing.remote.close();
      await Deno.remove(missing.stateDir, { recursive: true });
    }
  },
});
