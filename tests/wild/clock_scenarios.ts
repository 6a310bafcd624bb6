/**
 * Issue 12's "Done when" as scenarios: servers in other zones, with wrong clocks, with hashes, and
 * a client in another zone. Each asserts outcomes (conflicts, transfers, contents, mtimes).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Scenario } from "./known_failures.ts";
import {
  type Lab,
  mtimeAt,
  type PassResult,
  readAt,
  walkFiles,
  type WildSection,
  writeAt,
} from "./wild_lab.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Whole seconds, `ms` ago. */
function ago(ms: number): Date {
  return new Date(Math.floor((Date.now() - ms) / 1000) * 1000);
}

function ok(r: PassResult): void {
  assert.equal(r.report.outcome, "ok", r.report.errors.join("\n"));
}

function conflictCopies(s: WildSection): string[] {
  return [...walkFiles(s.local), ...walkFiles(s.remote)].map(([p]) => p).filter((p) =>
    p.includes(".conflict-")
  );
}

async function both(lab: Lab, s: WildSection, rel: string, content: string, mtime: Date) {
  writeAt(join(s.local, rel), content, mtime);
  await lab.srv.writeFile(`${s.section.name}/${rel}`, content, { mtime });
}

/** Files on both sides, same bytes, same mtimes (old: LIST year form; recent: time form). */
async function identicalTree(lab: Lab, s: WildSection): Promise<void> {
  await both(lab, s, "old.txt", "old content", ago(400 * DAY));
  await both(lab, s, "recent.txt", "recent content", ago(2 * 60 * MINUTE));
  await both(lab, s, "sub/deep.txt", "deep content", ago(3 * DAY));
  await both(lab, s, "month.txt", "month content", ago(40 * DAY));
}

const identicalFirstPass: Scenario = {
  id: "12a",
  name: "first pass over identical files: no conflict, no transfer",
  applies: (v) => !v.shiftsStoredTimes,
  async run(lab) {
    const s = await lab.section("identical");
    await identicalTree(lab, s);
    const before = await s.transfers();
    const r = await s.pass();
    ok(r);
    assert.equal(r.report.conflicts, 0, "conflicts");
    assert.deepEqual(conflictCopies(s), []);
    assert.equal(r.report.uploaded + r.report.downloaded, 0, "uploads + downloads");
    if (lab.variant.logsTransfers) assert.equal(await s.transfers() - before, 0, "STOR/RETR");
  },
};

const existingMirror: Scenario = {
  id: "12b",
  name: "existing mirror with upload-time mtimes: equal files adopted, a different one kept both",
  async run(lab) {
    const s = await lab.section("mirror");
    const localTime = ago(10 * DAY);
    const uploadTime = ago(1 * DAY);
    for (const name of ["a.txt", "b.txt", "dir/c.txt"]) {
      writeAt(join(s.local, name), `same ${name}`, localTime);
      await lab.srv.writeFile(`mirror/${name}`, `same ${name}`, { mtime: uploadTime });
    }
    writeAt(join(s.local, "diff.txt"), "local version", localTime);
    await lab.srv.writeFile("mirror/diff.txt", "remote versio", { mtime: uploadTime });
    const inodes = (root: string) =>
      ["a.txt", "b.txt", "dir/c.txt"].map((n) => Deno.statSync(join(root, n)).ino);
    const localInodes = inodes(s.local);
    const remoteInodes = inodes(s.remote);
    const r = await s.pass();
    ok(r);
    assert.equal(r.report.conflicts, 1, "only diff.txt is a conflict");
    assert.equal(r.report.uploaded + r.report.downloaded, 0, "uploads + downloads");
    assert.deepEqual(inodes(s.local), localInodes, "equal local files were replaced");
    assert.deepEqual(inodes(s.remote), remoteInodes, "equal remote files were replaced");
    for (const side of [s.local, s.remote]) {
      const contents = walkFiles(side).map(([, c]) => c);
      assert.ok(contents.includes("local version") && contents.includes("remote versio"), side);
    }
    const again = await s.pass();
    ok(again);
    assert.equal(again.actions, 0, "second pass");
  },
};

const rightMtimes: Scenario = {
  id: "12c",
  name: "downloads and uploads carry the true mtime (c); a second pass changes nothing (d)",
  applies: (v) => !v.shiftsStoredTimes,
  async run(lab) {
    const s = await lab.section("mtimes");
    const remoteTime = ago(5 * DAY + 7 * MINUTE);
    const localTime = ago(4 * DAY + 3 * MINUTE);
    await lab.srv.writeFile("mtimes/down.txt", "made on the server", { mtime: remoteTime });
    writeAt(join(s.local, "up.txt"), "made locally", localTime);
    ok(await s.pass());
    assert.equal(readAt(join(s.local, "down.txt")), "made on the server");
    assert.equal(
      new Date(mtimeAt(join(s.local, "down.txt"))!).toISOString(),
      remoteTime.toISOString(),
      "downloaded file's mtime",
    );
    assert.equal(readAt(join(s.remote, "up.txt")), "made locally");
    if (lab.variant.setsMtime) {
      assert.equal(
        new Date(mtimeAt(join(s.remote, "up.txt"))!).toISOString(),
        localTime.toISOString(),
        "uploaded file's mtime on the server's file system",
      );
    }
    const before = await s.transfers();
    const again = await s.pass();
    ok(again);
    assert.equal(again.actions, 0, "second pass actions");
    assert.deepEqual(conflictCopies(s), []);
    if (lab.variant.logsTransfers) assert.equal(await s.transfers() - before, 0, "STOR/RETR");
  },
};

/**
 * A local edit never overwrites a remote version the pass did not see: the server's file is
 * rewritten, same size, backdated into the same second-precision/minute/day as the baseline's
 * version, then the local copy is edited.
 */
function lostUpdate(precision: "seconds" | "minute" | "day"): Scenario {
  return {
    id: `12e-${precision}`,
    name: `a local edit never overwrites an unseen remote version (${precision})`,
    applies: (v) => (precision === "seconds" ? v.listing === "mlsd" : v.listing === "list"),
    async run(lab) {
      const s = await lab.section(`lost-${precision}`);
      // 06:00:10 UTC is the same calendar day in UTC, Kolkata (11:30), New York (01:00) and on a
      // clock 3 h behind; +3 h stays in it. In the recent cases :10 s leaves room in the minute.
      const base = precision === "day"
        ? new Date(`${new Date(Date.now() - 400 * DAY).toISOString().slice(0, 10)}T06:00:10Z`)
        : new Date(Math.floor((Date.now() - 2 * 60 * MINUTE) / MINUTE) * MINUTE + 10_000);
      const rewritten = new Date(
        base.getTime() + { seconds: 7_000, minute: 20_000, day: 3 * 3_600_000 }[precision],
      );
      await lab.srv.writeFile(`${s.section.name}/f.txt`, "version 1 seen", { mtime: base });
      ok(await s.pass());
      assert.equal(readAt(join(s.local, "f.txt")), "version 1 seen");
      await lab.srv.writeFile(`${s.section.name}/f.txt`, "version 2 NEW!", { mtime: rewritten });
      writeAt(join(s.local, "f.txt"), "local edit of version 1", ago(0));
      const r = await s.pass();
      assert.notEqual(r.report.outcome, "aborted");
      const remote = walkFiles(s.remote).map(([, c]) => c);
      assert.ok(remote.includes("version 2 NEW!"), `remote version lost: ${remote}`);
      const all = [...remote, ...walkFiles(s.local).map(([, c]) => c)];
      assert.ok(all.includes("local edit of version 1"), "the local edit was lost");
    },
  };
}

const rewriteBound: Scenario = {
  id: "12f",
  name: "a same-size rewrite, backdated or not, arrives within VerifyEvery",
  async run(lab) {
    const verifyEveryMs = 3_000;
    const s = await lab.section("bound", { verifyEveryMs });
    const base = new Date(Math.floor((Date.now() - 2 * 60 * MINUTE) / MINUTE) * MINUTE + 10_000);
    await lab.srv.writeFile("bound/back.txt", "back v1", { mtime: base });
    await lab.srv.writeFile("bound/fresh.txt", "fresh v1", { mtime: base });
    const start = Date.now();
    ok(await s.pass({ nowMs: start }));
    await lab.srv.writeFile("bound/back.txt", "back v2", {
      mtime: new Date(base.getTime() + 20_000),
    });
    await lab.srv.writeFile("bound/fresh.txt", "fresh v2");
    // The engine's clock moves on by half a VerifyEvery per pass (no sleeps); the bound allows
    // two VerifyEvery periods (a file verified just before its rewrite waits one full period).
    let arrivedAt: number | undefined;
    for (let k = 1; k <= 5; k++) {
      ok(await s.pass({ nowMs: start + k * (verifyEveryMs / 2) }));
      if (
        readAt(join(s.local, "back.txt")) === "back v2" &&
        readAt(join(s.local, "fresh.txt")) === "fresh v2"
      ) {
        arrivedAt = k * (verifyEveryMs / 2);
        break;
      }
    }
    assert.ok(
      arrivedAt !== undefined,
      `not arrived after ${2.5 * verifyEveryMs} ms of engine time: back.txt "${
        readAt(join(s.local, "back.txt"))
      }", fresh.txt "${readAt(join(s.local, "fresh.txt"))}"`,
    );
  },
};

/** Issue 12's scenarios, in the order they run on one server. */
export const CLOCK_SCENARIOS: readonly Scenario[] = [
  identicalFirstPass,
  existingMirror,
  rightMtimes,
  lostUpdate("seconds"),
  lostUpdate("minute"),
  lostUpdate("day"),
  rewriteBound,
];
