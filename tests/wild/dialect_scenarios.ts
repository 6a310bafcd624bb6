/**
 * Issue 13's "Done when" as scenarios: first pass, changes and deletions both ways, an idempotent
 * second pass and nothing lost, on every dialect and local file system; plus the specific cases
 * (case collisions, growing files, bad names, a directory replaced by a file, connection budget,
 * Remote_dir outside the login directory).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { SectionRuntime } from "../../cli/section_runtime.ts";
import { syncSections } from "../../sync/run_sections.ts";
import type { Scenario } from "./known_failures.ts";
import {
  contentsOf,
  lostContents,
  type PassResult,
  readAt,
  walkFiles,
  type WildSection,
  writeAt,
} from "./wild_lab.ts";

function ok(r: PassResult): void {
  assert.equal(r.report.outcome, "ok", r.report.errors.join("\n"));
}

function sameTrees(s: WildSection): void {
  const strip = (files: [string, string][]) => files.filter(([p]) => !p.includes(".ftp-clone."));
  assert.deepEqual(strip(walkFiles(s.local)), strip(walkFiles(s.remote)));
}

const roundTrip: Scenario = {
  id: "13-roundtrip",
  name: "first pass, changes and deletions both ways, idempotent, nothing lost",
  async run(lab) {
    const s = await lab.section("roundtrip");
    for (const n of ["a", "b", "c", "d"]) writeAt(join(s.local, `${n}.txt`), `local ${n} v1`);
    writeAt(join(s.local, "dir with space/l.txt"), "local nested");
    for (const n of ["e", "f"]) await lab.srv.writeFile(`roundtrip/${n}.txt`, `remote ${n} v1`);
    await lab.srv.writeFile("roundtrip/sub dir/r.txt", "remote nested");
    let before = contentsOf(s);
    ok(await s.pass());
    sameTrees(s);
    assert.deepEqual(lostContents(before, s), []);

    writeAt(join(s.local, "a.txt"), "local a v2, longer");
    await lab.srv.writeFile("roundtrip/e.txt", "remote e v2, longer");
    Deno.removeSync(join(s.local, "b.txt"));
    Deno.removeSync(join(s.remote, "c.txt"));
    writeAt(join(s.local, "new local.txt"), "new local");
    await lab.srv.writeFile("roundtrip/new remote.txt", "new remote");
    before = contentsOf(s);
    const r = await s.pass();
    ok(r);
    assert.equal(readAt(join(s.remote, "a.txt")), "local a v2, longer");
    assert.equal(readAt(join(s.local, "e.txt")), "remote e v2, longer");
    assert.equal(readAt(join(s.remote, "b.txt")), undefined);
    assert.equal(readAt(join(s.local, "c.txt")), undefined);
    assert.ok([...s.trash().values()].includes("local c v1"), "c.txt is not in the trash");
    assert.equal(readAt(join(s.local, "new remote.txt")), "new remote");
    assert.equal(readAt(join(s.remote, "new local.txt")), "new local");
    sameTrees(s);
    // Gone by the user's will: b.txt deleted locally, a.txt's old version edited away locally.
    assert.deepEqual(lostContents(before, s, ["local b v1", "local a v1"]), []);

    const before2 = await s.transfers();
    const again = await s.pass();
    ok(again);
    assert.equal(again.actions, 0, "second pass actions");
    if (lab.variant.logsTransfers) assert.equal(await s.transfers() - before2, 0, "STOR/RETR");
  },
};

const caseCollision: Scenario = {
  id: "13.1-collision",
  name: "A.txt and a.txt on the server: both kept there, one synced, a warning names both",
  applies: (v) => v.local === "exfat",
  async run(lab) {
    const s = await lab.section("collide");
    await lab.srv.writeFile("collide/A.txt", "upper case");
    await lab.srv.writeFile("collide/a.txt", "lower case");
    const warnings: string[] = [];
    for (let i = 0; i < 2; i++) warnings.push(...(await s.pass()).warnings);
    assert.equal(readAt(join(s.remote, "A.txt")), "upper case");
    assert.equal(readAt(join(s.remote, "a.txt")), "lower case");
    const local = walkFiles(s.local);
    assert.equal(local.length, 1, JSON.stringify(local));
    assert.ok(["upper case", "lower case"].includes(local[0]![1]));
    assert.ok(
      warnings.some((w) => w.includes("A.txt") && w.includes("a.txt")),
      `no warning names both: ${JSON.stringify(warnings)}`,
    );
  },
};

const caseRename: Scenario = {
  id: "13.1-case-rename",
  name: "a case-only rename on the server ends as that name locally, nothing deleted",
  applies: (v) => v.local === "exfat",
  async run(lab) {
    const s = await lab.section("rename");
    await lab.srv.writeFile("rename/Photo.JPG", "jpeg bytes");
    ok(await s.pass());
    Deno.renameSync(join(s.remote, "Photo.JPG"), join(s.remote, "photo.jpg"));
    for (let i = 0; i < 2; i++) await s.pass();
    assert.deepEqual(walkFiles(s.local), [["photo.jpg", "jpeg bytes"]]);
    assert.deepEqual(walkFiles(s.remote), [["photo.jpg", "jpeg bytes"]]);
  },
};

const growingFile: Scenario = {
  id: "13.3-growing",
  name: "a file appended every few ms reaches the server, consistent, within 4 passes",
  async run(lab) {
    const s = await lab.section("growing");
    const path = join(s.local, "app.log");
    writeAt(path, "");
    let written = "";
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const line = `line ${i} ${"x".repeat(200)}\n`;
        await Deno.writeTextFile(path, line, { append: true });
        written += line;
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    try {
      let arrived = false;
      for (let i = 0; i < 4 && !arrived; i++) {
        await s.pass();
        const remote = readAt(join(s.remote, "app.log"));
        if (remote !== undefined) {
          assert.ok(written.startsWith(remote), "the server's copy is torn");
          arrived = remote.length > 0;
        }
      }
      assert.ok(arrived, "app.log never reached the server");
    } finally {
      stop = true;
      await writer;
    }
  },
};

/** Creates a file whose name has raw bytes (not valid UTF-8) with Debian's python. */
async function rawName(dir: string, name: string, content: string): Promise<void> {
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [
      "-c",
      "import os,sys; open(os.fsencode(sys.argv[1]) + b'/' + bytes.fromhex(sys.argv[2]), 'w').write(sys.argv[3])",
      dir,
      name,
      content,
    ],
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

const badLocalNames: Scenario = {
  id: "13.4-local-names",
  name: "local names not valid UTF-8 or with a newline: a warning shows them escaped, every pass",
  applies: (v) => v.local === undefined,
  async run(lab) {
    const s = await lab.section("badnames");
    await rawName(s.local, "636166e92e747874", "latin-1 name"); // caf\xe9.txt
    writeAt(join(s.local, "new\nline.txt"), "newline name");
    writeAt(join(s.local, "fine.txt"), "fine");
    for (let i = 0; i < 2; i++) {
      const r = await s.pass();
      assert.equal(readAt(join(s.remote, "fine.txt")), "fine");
      assert.ok(
        r.warnings.some((w) => /caf(\\xe9|\\u00e9|%E9|\\351)/i.test(w)),
        `pass ${i + 1}: no warning shows caf\\xe9 escaped: ${JSON.stringify(r.warnings)}`,
      );
      assert.ok(
        r.warnings.some((w) => w.includes("new\\nline")),
        `pass ${i + 1}: no warning shows new\\nline escaped: ${JSON.stringify(r.warnings)}`,
      );
    }
  },
};

const remoteNewlineDir: Scenario = {
  id: "13.4-remote-newline",
  name: "a remote directory with a newline in its name is skipped with a warning",
  async run(lab) {
    const s = await lab.section("nldir");
    await lab.srv.writeFile("nldir/bad\nname/inside.txt", "inside");
    await lab.srv.writeFile("nldir/good.txt", "good");
    writeAt(join(s.local, "up.txt"), "up");
    const r = await s.pass();
    ok(r);
    assert.equal(readAt(join(s.local, "good.txt")), "good");
    assert.equal(readAt(join(s.remote, "up.txt")), "up");
    assert.ok(r.warnings.some((w) => w.includes("bad\\nname")), JSON.stringify(r.warnings));
  },
};

const dirReplacedByFile: Scenario = {
  id: "13.1-dir-to-file",
  name: "a directory replaced by a file on the server only ends as that file locally",
  async run(lab) {
    const s = await lab.section("kind");
    await lab.srv.writeFile("kind/x/one.txt", "one");
    await lab.srv.writeFile("kind/x/two.txt", "two");
    ok(await s.pass());
    Deno.removeSync(join(s.remote, "x"), { recursive: true });
    await lab.srv.writeFile("kind/x", "now a file");
    const r = await s.pass();
    ok(r);
    assert.equal(readAt(join(s.local, "x")), "now a file");
    const trashed = [...s.trash().values()];
    assert.ok(trashed.includes("one") && trashed.includes("two"), JSON.stringify(trashed));
    assert.deepEqual(walkFiles(s.remote).map(([p]) => p), ["x"]);
  },
};

const connectionBudget: Scenario = {
  id: "13.5-budget",
  name: "two sections (2 and 4 connections) on a server allowing 3 per user: never refused twice",
  async run(lab) {
    const a = await lab.section("budget-a", { concurrentConnections: 2 });
    const b = await lab.section("budget-b", { concurrentConnections: 4 });
    for (let i = 0; i < 12; i++) {
      writeAt(join(a.local, `a${i}.txt`), `a ${i}`);
      writeAt(join(b.local, `b${i}.txt`), `b ${i}`);
    }
    const runtime = new SectionRuntime({ configPath: join(lab.tmp, "unused.ini") });
    const outcomes = await syncSections([a.section, b.section], {
      concurrency: 2,
      stateDir: a.stateDir,
      binDirectory: "/bin",
      dryRun: false,
      identifierOf: (section) => section.identifier!,
      makePool: (section) => runtime.makePool(section),
    });
    for (const o of outcomes) {
      assert.equal(o.outcome.report.outcome, "ok", o.outcome.report.errors.join("\n"));
    }
    assert.equal(walkFiles(a.remote).length, 12);
    assert.equal(walkFiles(b.remote).length, 12);
    const refused = ((await lab.srv.commandLog()).match(/REFUSED /g) ?? []).length;
    assert.ok(refused <= 1, `${refused} logins refused over the per-user limit of 3`);
  },
};

const remoteDirOutsideHome: Scenario = {
  id: "13.6-remote-dir",
  name: "Remote_dir for a non-chrooted user: login root, exact path in errors, //absolute",
  async run(lab) {
    const s = await lab.section("home");
    await lab.srv.writeFile("home/h.txt", "under the login dir");
    ok(await s.pass());
    assert.equal(readAt(join(s.local, "h.txt")), "under the login dir");

    const missing = await lab.section("missing", { remoteDir: "/no-such-dir" });
    const r = await missing.pass();
    assert.equal(r.report.outcome, "failed");
    assert.ok(
      r.report.errors.some((e) => e.includes(`${lab.srv.root}/no-such-dir`)),
      `the error does not name "${lab.srv.root}/no-such-dir": ${r.report.errors}`,
    );

    const outside = join(lab.tmp, "outside-www");
    Deno.mkdirSync(outside);
    writeAt(join(outside, "index.html"), "outside the home");
    const owner = Deno.statSync(lab.srv.root);
    Deno.chownSync(outside, owner.uid, owner.gid);
    Deno.chownSync(join(outside, "index.html"), owner.uid, owner.gid);
    const abs = await lab.section("abs", { remoteDir: `/${outside}` });
    ok(await abs.pass());
    assert.equal(readAt(join(abs.local, "index.html")), "outside the home");
  },
};

/** The round trip every dialect and file system runs. */
export const DIALECT_SCENARIOS: readonly Scenario[] = [roundTrip];

/** Specific scenarios, added to the variants they concern. */
export const SPECIFIC = {
  caseCollision,
  caseRename,
  growingFile,
  badLocalNames,
  remoteNewlineDir,
  dirReplacedByFile,
  connectionBudget,
  remoteDirOutsideHome,
} as const;
