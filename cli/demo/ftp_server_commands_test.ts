import assert from "node:assert/strict";
import { startFtpServer } from "./ftp_server.ts";
import { RawFtpClient } from "../../tests/support/raw_ftp_client.ts";

/** A server on a fresh root with a logged-in raw client. */
async function withClient(fn: (client: RawFtpClient, root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "ftp_commands_test_" });
  const server = await startFtpServer({ root, user: "u", password: "p" });
  const { client } = await RawFtpClient.connect(server.port);
  try {
    assert.equal((await client.login("u", "p")).code, 230);
    await fn(client, root);
  } finally {
    client.close();
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("CWD, CDUP and PWD move within the root", async () => {
  await withClient(async (client, root) => {
    await Deno.mkdir(`${root}/a b/c`, { recursive: true });
    await Deno.writeTextFile(`${root}/file`, "x");
    const steps: [string, number, string][] = [
      ["CWD a b", 250, "/a b"],
      ["CWD c", 250, "/a b/c"],
      ["CDUP", 250, "/a b"],
      ["CWD ./c/../c/.", 250, "/a b/c"],
      ["CWD /", 250, "/"],
      ["CWD missing", 550, "/"],
      ["CWD file", 550, "/"],
      ["CWD ../a b", 550, "/"],
      ["CWD a b/../..", 550, "/"],
    ];
    for (const [line, code, cwd] of steps) {
      assert.equal((await client.command(line)).code, code, line);
      assert.equal((await client.command("PWD")).lines[0], `257 "${cwd}" is the current directory`);
    }
  });
});

Deno.test("MKD quotes the created path, doubling quotes", async () => {
  await withClient(async (client, root) => {
    assert.deepEqual((await client.command('MKD say "hi"')).lines, ['257 "/say ""hi""" created']);
    assert.ok((await Deno.stat(`${root}/say "hi"`)).isDirectory);
    assert.equal((await client.command("MKD nodir/x")).code, 550);
    assert.equal((await client.command("MKD /")).code, 550);
  });
});

Deno.test("SIZE, MDTM and MFMT", async (t) => {
  await withClient(async (client, root) => {
    await Deno.mkdir(`${root}/d`);
    await Deno.writeFile(`${root}/f`, new Uint8Array(42));
    await Deno.utime(`${root}/f`, 0, new Date(Date.UTC(2023, 11, 31, 23, 59, 59, 999)));
    const cases: [string, number, string?][] = [
      ["SIZE f", 213, "213 42"],
      ["SIZE d", 550],
      ["SIZE nope", 550],
      ["MDTM f", 213, "213 20231231235959"],
      ["MDTM d", 550],
      ["MFMT 20200102030405 f", 213, "213 Modify=20200102030405; /f"],
      ["MDTM f", 213, "213 20200102030405"],
      ["MFMT 20200102030405.123 f", 213, "213 Modify=20200102030405; /f"],
      ["MFMT 20010203040506 d", 213, "213 Modify=20010203040506; /d"],
      ["MFMT 19691231235959 f", 501],
      ["MFMT 20200231000000 f", 501],
      ["MFMT 2020010203040 f", 501],
      ["MFMT 20200102030405", 501],
      ["MFMT 20200102030405 nope", 550],
    ];
    for (const [line, code, text] of cases) {
      await t.step(line, async () => {
        const reply = await client.command(line);
        assert.equal(reply.code, code, reply.lines.join(" / "));
        if (text) assert.equal(reply.lines[0], text);
      });
    }
    assert.equal((await Deno.stat(`${root}/d`)).mtime?.getTime(), Date.UTC(2001, 1, 3, 4, 5, 6));
  });
});

Deno.test("MLST describes one entry with the selected facts", async () => {
  await withClient(async (client, root) => {
    await Deno.mkdir(`${root}/d`);
    await Deno.writeFile(`${root}/f é`, new Uint8Array(7));
    await Deno.utime(`${root}/f é`, 0, new Date(Date.UTC(2022, 0, 2, 3, 4, 5)));
    const file = await client.command("MLST f é");
    assert.equal(file.code, 250);
    assert.equal(file.lines.length, 3);
    assert.match(
      file.lines[1]!,
      /^ type=file;size=7;modify=20220102030405;UNIX\.mode=0\d+; \/f é$/,
    );
    assert.match((await client.command("MLST d")).lines[1]!, /^ type=dir;modify=\d{14};/);
    assert.match((await client.command("MLST")).lines[1]!, /^ type=dir;.* \/$/);
    await client.command("OPTS MLST size;");
    assert.equal((await client.command("MLST f é")).lines[1], " size=7; /f é");
    assert.equal((await client.command("MLST nope")).code, 550);
  });
});

Deno.test("RNFR must be followed at once by RNTO", async () => {
  await withClient(async (client, root) => {
    await Deno.writeTextFile(`${root}/a`, "A");
    assert.equal((await client.command("RNFR a")).code, 350);
    assert.equal((await client.command("NOOP")).code, 200);
    assert.equal((await client.command("RNTO b")).code, 503);
    assert.equal((await client.command("RNFR a")).code, 350);
    assert.equal((await client.command("RNTO nodir/b")).code, 550);
    assert.equal((await client.command("RNFR a")).code, 350);
    assert.equal((await client.command("RNTO ../b")).code, 550);
    assert.equal((await client.command("RNFR /")).code, 550);
    assert.equal(await Deno.readTextFile(`${root}/a`), "A");
  });
});

Deno.test("DELE and RMD act on the entry, never through a symlink", async () => {
  await withClient(async (client, root) => {
    const outside = await Deno.makeTempDir({ prefix: "ftp_commands_outside_" });
    try {
      await Deno.writeTextFile(`${outside}/keep`, "keep");
      await Deno.symlink(`${outside}/keep`, `${root}/file-link`);
      await Deno.symlink(outside, `${root}/dir-link`);
      assert.equal((await client.command("RMD dir-link")).code, 550);
      assert.equal((await client.command("DELE dir-link/keep")).code, 550);
      assert.equal((await client.command("DELE file-link")).code, 250);
      assert.equal(await Deno.readTextFile(`${outside}/keep`), "keep");
      await Deno.mkdir(`${root}/here`);
      assert.equal((await client.command("CWD here")).code, 250);
      assert.equal((await client.command("RMD /here")).code, 550);
    } finally {
      await Deno.remove(outside, { recursive: true });
    }
  });
});
