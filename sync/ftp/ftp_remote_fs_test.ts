import assert from "node:assert/strict";
import type { FtpConnection } from "./ftp_connection.ts";
import { parseFeatures } from "./features.ts";
import { FtpRemoteFs } from "./ftp_remote_fs.ts";
import { FtpSession } from "./ftp_session.ts";
import { ServerProfiles } from "./server_profile.ts";
import type { TimeOffsets } from "./server_time.ts";

/** A connection whose server keeps set times as `keep` says, over a fake control channel. */
function fakeRemote(options: {
  mfmt: boolean;
  mfmtReply?: (stamp: string, path: string) => string;
  keep?: (stamp: string) => string;
  offsets?: TimeOffsets;
}) {
  const times = new Map<string, string>();
  const sent: string[] = [];
  const batches: number[] = [];
  const client = {
    closed: false,
    command(command: string) {
      sent.push(command);
      const set = /^(MFMT|MDTM) (\d{14}) (.+)$/.exec(command);
      if (set !== null) {
        const [, verb, stamp, path] = set as unknown as [string, string, string, string];
        times.set(path, options.keep?.(stamp) ?? stamp);
        const message = verb === "MFMT"
          ? options.mfmtReply?.(stamp, path) ?? "213 UTIME OK"
          : "213 File modification time set.";
        return Promise.resolve({ code: 213, message });
      }
      const read = /^MDTM (.+)$/.exec(command);
      if (read !== null) {
        return Promise.resolve({ code: 213, message: `213 ${times.get(read[1]!)}` });
      }
      return Promise.reject(new Error(`unexpected ${command}`));
    },
    commands(commands: readonly string[]) {
      batches.push(commands.length);
      return Promise.all(commands.map((command) => client.command(command)));
    },
  } as unknown as FtpConnection;
  const profile = new ServerProfiles().get({ host: "fake", port: 21, user: "u" });
  profile.setFeatures(
    parseFeatures(`211-Features:\n MDTM\n${options.mfmt ? " MFMT\n" : ""}211 End`),
  );
  const fs = new FtpRemoteFs(
    new FtpSession({
      client,
      profile,
      home: "/",
      now: () => 0,
      tls: false,
      configuredOffsets: options.offsets,
    }),
  );
  return { fs, sent, batches, times };
}

const at = (second: number): number => Date.UTC(2024, 4, 6, 7, 8, second, 250);
const whole = (ms: number): number => Math.floor(ms / 1000) * 1000;

Deno.test("storedMtime", async (t) => {
  await t.step("an MFMT reply that states the time is taken as is", async () => {
    const { fs } = fakeRemote({
      mfmt: true,
      mfmtReply: (stamp, path) => `213 Modify=${stamp.slice(0, 12)}00; ${path}`,
    });
    assert.equal(await fs.setMtime("/a", at(7)), true);
    assert.equal(fs.storedMtime("/a"), Date.UTC(2024, 4, 6, 7, 8, 0));
    assert.equal(fs.storedMtime("/b"), undefined);
  });

  for (const mfmt of [true, false]) {
    await t.step(`${mfmt ? "MFMT" : "MDTM"}: trusted after two read-backs, one odd`, async () => {
      const { fs } = fakeRemote({ mfmt });
      const seen: (number | undefined)[] = [];
      for (const [i, second] of [10, 12, 13, 14].entries()) {
        const path = `/f${i}`;
        await fs.setMtime(path, at(second));
        const stored = fs.storedMtime(path);
        seen.push(stored);
        if (stored === undefined) assert.equal(await fs.mtime(path), whole(at(second)));
      }
      // Two even read-backs are not enough; the odd third one is.
      assert.deepEqual(seen, [undefined, undefined, undefined, whole(at(14))]);
    });
  }

  await t.step("a server keeping 2-second steps is never trusted", async () => {
    const { fs } = fakeRemote({
      mfmt: false,
      keep: (stamp) => stamp.slice(0, 13) + String(Number(stamp[13]) & ~1),
    });
    for (const second of [10, 12, 13, 14, 15, 16, 17]) {
      await fs.setMtime("/x", at(second));
      assert.equal(fs.storedMtime("/x"), undefined, `second ${second}`);
      await fs.mtime("/x");
    }
  });

  await t.step("one read-back that differs ends the trust on the connection", async () => {
    let shift = false;
    const { fs } = fakeRemote({
      mfmt: false,
      keep: (stamp) => shift ? `${stamp.slice(0, 12)}59` : stamp,
    });
    for (const second of [11, 12]) {
      await fs.setMtime("/y", at(second));
      await fs.mtime("/y");
    }
    await fs.setMtime("/y", at(13));
    assert.equal(fs.storedMtime("/y"), whole(at(13)));
    shift = true;
    await fs.setMtime("/z", at(14));
    // Trusted still (nothing read back differs yet): a read-back shows the difference.
    assert.equal(await fs.mtime("/z"), Date.UTC(2024, 4, 6, 7, 8, 59));
    await fs.setMtime("/w", at(15));
    assert.equal(fs.storedMtime("/w"), undefined);
  });

  await t.step("times outside 1980-2037 are never trusted", async () => {
    const { fs } = fakeRemote({ mfmt: false });
    for (const second of [11, 12]) {
      await fs.setMtime("/y", at(second));
      await fs.mtime("/y");
    }
    await fs.setMtime("/old", Date.UTC(1975, 0, 1));
    assert.equal(fs.storedMtime("/old"), undefined);
    await fs.setMtime("/new", Date.UTC(2040, 0, 1));
    assert.equal(fs.storedMtime("/new"), undefined);
    await fs.setMtime("/ok", at(20));
    assert.equal(fs.storedMtime("/ok"), whole(at(20)));
  });
});

Deno.test("times are set and read in the server's frames, the engine sees UTC", async () => {
  // vsftpd with use_localtime=YES in Asia/Kolkata: MDTM reads and sets local time.
  const kolkata = 330;
  const { fs, sent } = fakeRemote({
    mfmt: false,
    offsets: { list: kolkata, mlsd: kolkata, mdtm: kolkata, set: kolkata },
  });
  await fs.setMtime("/a", Date.UTC(2026, 0, 2, 3, 4, 5));
  assert.equal(sent.at(-1), "MDTM 20260102083405 /a");
  assert.equal(await fs.mtime("/a"), Date.UTC(2026, 0, 2, 3, 4, 5));
});

Deno.test("mtimes: MDTMs go out together, 100 per write, each time in UTC", async () => {
  const { fs, batches, times } = fakeRemote({
    mfmt: true,
    offsets: { list: 0, mlsd: 0, mdtm: 60, set: 0 },
  });
  const paths = Array.from({ length: 250 }, (_, i) => `/f${i}`);
  for (const path of paths) times.set(path, "20250101120000");
  const read = await fs.mtimes(paths);
  assert.deepEqual(batches, [100, 100, 50]);
  // MDTM reports UTC+01:00 here: the engine sees UTC.
  assert.ok(read.every((time) => time === Date.UTC(2025, 0, 1, 11)));
});
