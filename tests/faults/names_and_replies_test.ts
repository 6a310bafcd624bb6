/**
 * Names and replies that look like ours or like nothing at all: a user's file whose name starts
 * like ftp-clone's temporary files, one unreadable MDTM reply, duplicated names in one listing,
 * and control characters (terminal escapes) in server replies and in parametre.ini values.
 * Tests of bugs not fixed yet run only with FTP_CLONE_KNOWN_BUGS=1 (see fault_scale.ts).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { configFromText, formatIssue } from "../../config/mod.ts";
import { runCli } from "../support/cli.ts";
import { type HostileScript, startHostileServer } from "../support/hostile_ftp_server.ts";
import { makeScenario, walkLocal } from "../support/sync_scenario.ts";
import { runHostilePass } from "./hostile_setup.ts";

/** C0 controls other than tab and line feed, DEL, and C1 controls: terminal escapes start here. */
// deno-lint-ignore no-control-regex -- finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** Runs one pass of section FTP1 over a hostile server's `/d` into a fresh Local_dir. */
async function hostilePass(script: HostileScript) {
  await using srv = await startHostileServer(script);
  const root = await Deno.makeTempDir({ prefix: "ftp-clone-names-" });
  try {
    const local = join(root, "local");
    await Deno.mkdir(local);
    const outcome = await runHostilePass(srv, { localDir: local, stateDir: join(root, "state") });
    return { outcome, localPaths: walkLocal(local), outside: walkLocal(root) };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test({
  // Regression: isTemporaryName matched any name starting ".ftp-clone.", and the pass deleted
  // such "leftovers" (local at once, remote once a day old) without the trash.
  name: "a user's file named like a temporary file (.ftp-clone.*) is never deleted",
}, async () => {
  const s = await makeScenario({ precisionMs: 1000 });
  try {
    s.writeLocal(".ftp-clone.notes", "my notes");
    s.writeLocal("sub/.ftp-clone.up.txt", "precious");
    s.writeRemote(".ftp-clone.remote-notes", "remote notes", s.clock.ms - 5 * 86_400_000);
    await s.pass();
    const everywhere = [...s.localPaths(), ...s.remotePaths(), ...s.trashPaths()].join("\n");
    assert.match(everywhere, /\.ftp-clone\.notes/, "the local file is gone");
    assert.match(everywhere, /\.ftp-clone\.up\.txt/, "the local file in sub/ is gone");
    assert.match(everywhere, /\.ftp-clone\.remote-notes/, "the remote file is gone");
  } finally {
    await s.cleanup();
  }
});

Deno.test({
  // Regression: listRemote rethrew any MDTM failure other than 550/50x, so one file whose MDTM
  // reply could not be read failed the listing, hence the whole section, on every pass.
  name: "hostile: one unreadable MDTM reply fails that file only, not the section",
}, async () => {
  const { outcome, localPaths } = await hostilePass({
    features: ["UTF8", "SIZE", "MDTM"], // LIST only: recent files get an MDTM
    listings: {
      "/d": {
        list: "drwxr-xr-x 2 u g 4096 Nov 25 11:00 .\r\n" +
          "-rw-r--r-- 1 u g 5 Nov 25 11:00 bad.txt\r\n" +
          "-rw-r--r-- 1 u g 5 Nov 25 11:00 ok.txt\r\n",
      },
    },
    files: { "/d/bad.txt": "hello", "/d/ok.txt": "hello" },
    onCommand: (verb, arg) =>
      verb === "MDTM" && arg.includes("bad") ? "213 99999999999999" : undefined,
  });
  assert.ok(localPaths.includes("ok.txt"), JSON.stringify(outcome.report.errors));
});

Deno.test("hostile: duplicated names in one listing crash nothing and escape nowhere", async () => {
  const { outcome, localPaths, outside } = await hostilePass({
    listings: {
      "/d": {
        mlsd: "type=file;size=5;modify=20260101120000; x\r\n" +
          "type=dir;modify=20260101120000; x\r\n" +
          "type=file;size=5;modify=20260101120000; ok.txt\r\n" +
          "type=file;size=6;modify=20260101120000; ok.txt\r\n",
      },
      "/d/x": { mlsd: "type=file;size=5;modify=20260101120000; y\r\n" },
    },
    files: { "/d/x": "hello", "/d/x/y": "hello", "/d/ok.txt": "hello" },
  });
  assert.ok(["ok", "failed"].includes(outcome.report.outcome));
  for (const path of outside) {
    assert.ok(
      path.startsWith("local/") || path.startsWith("state/") || path === "local/" ||
        path === "state/",
      path,
    );
  }
  assert.ok(localPaths.every((p) => !p.includes("..")));
});

Deno.test({
  // Regression: errorMessage/toFtpError kept the server's reply as sent: a server can write terminal
  // escape sequences to the user's terminal or the journal.
  name: "hostile: control characters in a server reply are not printed raw",
}, async () => {
  await using srv = await startHostileServer({
    onCommand: (verb) => (verb === "PASS" ? "530 \x1b]0;owned\x07\x1b[2Jcleared" : undefined),
  });
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-escape-" });
  try {
    const ini = join(dir, "parametre.ini");
    await Deno.writeTextFile(
      ini,
      `[FTP1]\nServer = 127.0.0.1\nPort = ${srv.port}\nRemote_dir = /d\nLocal_dir = ${dir}\n`,
    );
    // The state directory must not lie inside Local_dir (a configuration error).
    const r = await runCli(["--config", ini, "--state-dir", `${dir}-state`, "check"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cleared/);
    assert.doesNotMatch(r.stderr + r.stdout, RAW_CONTROL, JSON.stringify(r.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(`${dir}-state`, { recursive: true }).catch(() => {});
  }
});

Deno.test({
  // Regression: value_parsers.ts `invalid()` quoted the raw value: `Port = 2<ESC>[2J` prints the escape.
  name: "config: control characters in a bad value are not printed raw",
}, async () => {
  const text = "[FTP1]\nServer = 127.0.0.1\nPort = 2\x1b]0;pwned\x07\x1b[2J\nRemote_dir = /\n" +
    "Local_dir = /srv/a\n";
  const result = await configFromText(text, { path: "/x/parametre.ini" });
  assert.equal(result.ok, false);
  if (result.ok) return;
  for (const issue of result.errors) {
    assert.doesNotMatch(formatIssue(issue), RAW_CONTROL, JSON.stringify(formatIssue(issue)));
  }
});

Deno.test({
  // Regression: parse_list.ts turned a negative, too large or NaN MLSD size into 0 without a
  // word; the download then failed on every pass ("5 bytes received, 0 listed").
  name: "hostile: an absurd MLSD size does not fail the section on every pass",
}, async () => {
  const { outcome, localPaths } = await hostilePass({
    listings: {
      "/d": {
        mlsd: "type=file;size=1180591620717411303424;modify=20260101120000; huge\r\n" +
          "type=file;size=5;modify=20260101120000; ok.txt\r\n",
      },
    },
    files: { "/d/huge": "hello", "/d/ok.txt": "hello" },
  });
  assert.ok(localPaths.includes("ok.txt"));
  assert.equal(outcome.report.outcome, "ok", JSON.stringify(outcome.report.errors));
});
