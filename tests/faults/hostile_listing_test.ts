/**
 * A hostile server's listings, through the FTP layer (`connectRemoteFs().list`), the remote
 * lister (`listRemote` over an `FtpPool`) and a whole pass (`runPass`) into a temp Local_dir:
 * nothing is written outside Local_dir, nothing crashes, every refused entry is a warning that
 * names it, and every returned entry has sane fields.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FtpPool, type RemoteEntry } from "../../sync/ftp/mod.ts";
import { listRemote } from "../../sync/mod.ts";
import { checkRemoteName } from "../../sync/names.ts";
import { type HostileScript, startHostileServer } from "../support/hostile_ftp_server.ts";
import { walkLocal } from "../support/sync_scenario.ts";
import { HOSTILE_ENTRIES } from "./hostile_entries.ts";
import { hostileConnect, NOW, runHostilePass } from "./hostile_setup.ts";

const GOOD = "good.txt";

function script(format: "mlsd" | "list"): HostileScript {
  const lines = HOSTILE_ENTRIES.flatMap((e) => {
    const line = format === "mlsd" ? e.mlsd : e.list;
    return line === undefined ? [] : [line];
  });
  const good = format === "mlsd"
    ? `type=file;size=5;modify=20260101120000; ${GOOD}`
    : `-rw-r--r-- 1 u g 5 Jan 01 12:00 ${GOOD}`;
  const dot = format === "mlsd"
    ? "type=cdir;modify=20260101120000; ."
    : "drwxr-xr-x 2 u g 4096 Jan 01 12:00 .";
  const text = [dot, ...lines, good].join("\r\n") + "\r\n";
  const files: Record<string, string> = {};
  for (const e of HOSTILE_ENTRIES) files[`/d/${e.name}`] = "hello";
  files[`/d/${GOOD}`] = "hello";
  return {
    ...(format === "mlsd" ? {} : { features: ["UTF8", "SIZE", "MDTM"] }),
    listings: { "/d": { [format]: text } },
    files,
  };
}

function assertSane(entry: RemoteEntry, what: string): void {
  assert.ok(Number.isSafeInteger(entry.size) && entry.size >= 0, `${what}: size ${entry.size}`);
  assert.ok(
    entry.mtimeMs === undefined || Number.isFinite(entry.mtimeMs),
    `${what}: mtime ${entry.mtimeMs}`,
  );
  assert.notEqual(entry.name, "");
  assert.ok(!entry.name.includes("/") && !entry.name.includes("\0"), `${what}: ${entry.name}`);
  assert.ok(entry.name !== "." && entry.name !== "..", `${what}: ${entry.name}`);
}

for (const format of ["mlsd", "list"] as const) {
  const entries = HOSTILE_ENTRIES.filter((e) =>
    (format === "mlsd" ? e.mlsd : e.list) !== undefined
  );

  Deno.test(`hostile ${format}: the FTP layer returns only sane entries`, async (t) => {
    await using srv = await startHostileServer(script(format));
    const remote = await hostileConnect(srv)();
    const refused: { name: string; reason: string }[] = [];
    let listed: RemoteEntry[];
    try {
      listed = await remote.list("/d", {
        onRefused: (name, reason) => refused.push({ name, reason }),
      });
    } finally {
      await remote.close();
    }
    for (const entry of listed) assertSane(entry, `${format} ${JSON.stringify(entry.name)}`);
    assert.ok(listed.some((e) => e.name === GOOD), "the good file is missing");
    await t.step(
      `${entries.length} entries tried, ${refused.length} refused by the FTP layer`,
      () => {
        for (const r of refused) assert.ok(r.reason !== "", JSON.stringify(r));
      },
    );
  });

  Deno.test(`hostile ${format}: the remote lister warns about every refused entry`, async (t) => {
    await using srv = await startHostileServer(script(format));
    const pool = new FtpPool(hostileConnect(srv), { size: 2 });
    const warnings: string[] = [];
    try {
      const listing = await listRemote(pool, "/d", {
        exclude: () => false,
        onWarning: (m) => warnings.push(m),
        now: new Date(NOW),
      });
      for (const [path, entry] of listing) {
        assert.equal(checkRemoteName(path), undefined, `${format}: ${JSON.stringify(path)} listed`);
        assert.ok(Number.isSafeInteger(entry.size) && entry.size >= 0, `${path}: ${entry.size}`);
        assert.ok(Number.isFinite(entry.mtimeMs), `${path}: ${entry.mtimeMs}`);
      }
      assert.ok(listing.has(GOOD));
      for (const e of entries) {
        await t.step(`${e.what}: ${e.expect}`, () => {
          const warned = warnings.some((w) =>
            w.includes(JSON.stringify(e.name).slice(1, -1)) || w.includes(e.name)
          );
          const returned = listing.has(e.name);
          if (e.expect === "refused") {
            assert.ok(!returned, `${JSON.stringify(e.name)} was listed`);
            assert.ok(
              warned,
              `no warning names ${JSON.stringify(e.name)}:\n${warnings.join("\n")}`,
            );
          } else if (e.expect === "skipped") {
            assert.ok(!returned);
          } else {
            assert.ok(
              returned || warned,
              `${JSON.stringify(e.name)} neither listed nor warned about`,
            );
          }
        });
      }
    } finally {
      await pool.close();
    }
  });

  Deno.test(`hostile ${format}: a whole pass writes nothing outside Local_dir`, async () => {
    await using srv = await startHostileServer(script(format));
    const root = await Deno.makeTempDir({ prefix: "ftp-clone-hostile-" });
    try {
      const local = join(root, "a", "b", "local");
      const stateDir = join(root, "state");
      await Deno.mkdir(local, { recursive: true });
      await Deno.mkdir(join(root, "outside"));
      await Deno.writeTextFile(join(root, "outside", "keep.txt"), "untouched");
      const outside = () =>
        walkLocal(root).filter((p) => !p.startsWith("a/b/local/") && !p.startsWith("state/"));
      const before = outside();
      const outcome = await runHostilePass(srv, { localDir: local, stateDir });
      assert.deepEqual(outside(), before, "something was written outside Local_dir");
      assert.equal(await Deno.readTextFile(join(local, GOOD)), "hello");
      for (const path of walkLocal(local)) {
        const name = path.replace(/\/$/, "");
        assert.equal(checkRemoteName(name), undefined, `local file ${JSON.stringify(name)}`);
      }
      assert.ok(["ok", "failed"].includes(outcome.report.outcome), outcome.report.outcome);
      // The server-time probe's own file (stored and deleted at once) is not the pass's doing.
      assert.ok(
        !srv.commands.some((c) =>
          /^(STOR|DELE|RNFR|RNTO|MKD|RMD|APPE|MFMT)/.test(c) && !c.endsWith(".clock-probe.part")
        ),
        srv.commands.join("\n"),
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}

Deno.test("hostile: a directory of 10,000 entries lists in a few seconds", async () => {
  const lines = Array.from(
    { length: 10_000 },
    (_, i) => `type=file;size=${i};modify=20260101120000; f${i}`,
  );
  await using srv = await startHostileServer({
    listings: { "/d": { mlsd: { data: lines.join("\r\n") + "\r\n", chunkSize: 4096 } } },
  });
  const pool = new FtpPool(hostileConnect(srv), { size: 2 });
  try {
    const started = performance.now();
    const listing = await listRemote(pool, "/d", {
      exclude: () => false,
      onWarning: () => {},
      now: new Date(NOW),
    });
    assert.equal(listing.size, 10_000);
    assert.equal(listing.get("f9999")?.size, 9999);
    assert.ok(performance.now() - started < 10_000);
  } finally {
    await pool.close();
  }
});

Deno.test("hostile: a remote directory named like a local symlink is not written through it", async () => {
  const root = await Deno.makeTempDir({ prefix: "ftp-clone-hostile-link-" });
  await using srv = await startHostileServer({
    listings: {
      "/d": {
        mlsd:
          "type=dir;modify=20260101120000; link\r\ntype=file;size=5;modify=20260101120000; ok.txt\r\n",
      },
      "/d/link": { mlsd: "type=file;size=5;modify=20260101120000; pwn.txt\r\n" },
    },
    files: { "/d/link/pwn.txt": "owned", "/d/ok.txt": "hello" },
  });
  try {
    const local = join(root, "local");
    await Deno.mkdir(local);
    await Deno.mkdir(join(root, "outside"));
    // A symbolic link inside Local_dir that points outside it.
    await Deno.symlink(join(root, "outside"), join(local, "link"));
    await runHostilePass(srv, { localDir: local, stateDir: join(root, "state") });
    assert.deepEqual(walkLocal(join(root, "outside")), [], "written through the symbolic link");
    assert.equal(await Deno.readTextFile(join(local, "ok.txt")), "hello");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
