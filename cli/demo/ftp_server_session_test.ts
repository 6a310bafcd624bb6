import assert from "node:assert/strict";
import { startFtpServer } from "./ftp_server.ts";
import { RawFtpClient, readToEnd } from "../../tests/support/raw_ftp_client.ts";

/** A server on a fresh root and a raw client connected to it (not logged in). */
async function withRaw(
  fn: (client: RawFtpClient, root: string, port: number) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "ftp_session_test_" });
  const server = await startFtpServer({ root, user: "u", password: "p" });
  const { client, greeting } = await RawFtpClient.connect(server.port);
  try {
    assert.equal(greeting.code, 220);
    await fn(client, root, server.port);
  } finally {
    client.close();
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("FtpSession gates commands on login", async () => {
  await withRaw(async (client) => {
    assert.equal((await client.command("PWD")).code, 530);
    assert.equal((await client.command("LIST")).code, 530);
    assert.equal((await client.command("PASS p")).code, 503);
    assert.equal((await client.command("SYST")).code, 215);
    const feat = await client.command("FEAT");
    assert.equal(feat.code, 211);
    const features = feat.lines.slice(1, -1).map((l) => l.trim());
    for (const f of ["UTF8", "MLSD", "MFMT", "MDTM", "SIZE", "REST STREAM", "EPSV", "PASV"]) {
      assert.ok(features.includes(f), f);
    }
    assert.ok(features.some((f) => /^MLST type\*;size\*;modify\*;/.test(f)));
    assert.equal((await client.command("USER u")).code, 331);
    assert.equal((await client.command("PASS wrong")).code, 530);
    assert.equal((await client.command("PWD")).code, 530);
    assert.equal((await client.login("u", "p")).code, 230);
    assert.deepEqual((await client.command("PWD")).lines, ['257 "/" is the current directory']);
  });
});

Deno.test("FtpSession answers settings commands like real servers", async (t) => {
  await withRaw(async (client) => {
    await client.login("u", "p");
    const cases: [string, number, RegExp?][] = [
      ["OPTS UTF8 ON", 200],
      ["OPTS MLST type;size;", 200, /^200 MLST OPTS type;size;$/],
      ["OPTS MLST Type;Modify;bogus;", 200, /^200 MLST OPTS type;modify;$/],
      ["OPTS FOO", 501],
      ["TYPE I", 200],
      ["TYPE A", 200],
      ["TYPE L 8", 200],
      ["TYPE E", 504],
      ["STRU F", 200],
      ["STRU R", 504],
      ["MODE S", 200],
      ["MODE B", 504],
      ["NOOP", 200],
      ["REST 10", 350, /^350 Restart position accepted \(10\)\.$/],
      ["REST -1", 501],
      ["REST 0", 350],
      ["PASV", 227, /^227 Entering Passive Mode \(127,0,0,1,\d+,\d+\)\.$/],
      ["EPSV", 229, /^229 Entering Extended Passive Mode \(\|\|\|\d+\|\)$/],
      ["ABOR", 225],
      ["RNTO x", 503],
      ["PORT 127,0,0,1,4,1", 502],
      ["EPRT |1|127.0.0.1|1025|", 502],
      ["SITE CHMOD 777 x", 502],
      ["AUTH TLS", 502],
      ["XYZZY", 502],
      ["", 500],
    ];
    for (const [line, code, text] of cases) {
      await t.step(line || "(empty line)", async () => {
        const reply = await client.command(line);
        assert.equal(reply.code, code, reply.lines.join(" / "));
        if (text) assert.match(reply.lines[0]!, text);
      });
    }
  });
});

Deno.test("FtpSession accepts a transfer over PASV as well as EPSV", async () => {
  await withRaw(async (client, root) => {
    await Deno.writeTextFile(`${root}/f.txt`, "pasv data");
    await client.login("u", "p");
    const pasv = await client.command("PASV");
    const m = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(pasv.lines[0]!)!;
    const port = Number(m[5]) * 256 + Number(m[6]);
    const data = await Deno.connect({ hostname: "127.0.0.1", port });
    assert.equal((await client.command("RETR f.txt")).code, 150);
    assert.equal(new TextDecoder().decode(await readToEnd(data)), "pasv data");
    assert.equal((await client.reply()).code, 226);
  });
});

Deno.test("FtpSession aborts a running transfer on ABOR", async () => {
  await withRaw(async (client, root) => {
    // Sparse: 64 MiB is far more than the socket buffers hold, so the transfer is still running.
    using file = await Deno.open(`${root}/big.bin`, { write: true, create: true });
    await file.truncate(64 * 1024 * 1024);
    await client.login("u", "p");
    const data = await client.passive();
    assert.equal((await client.command("RETR big.bin")).code, 150);
    await data.read(new Uint8Array(1024));
    // What clients send for an urgent ABOR: Telnet IAC IP, IAC DM, then the command.
    const iac = new Uint8Array([0xff, 0xf4, 0xff, 0xf2]);
    await client.sendBytes(new Uint8Array([...iac, ...new TextEncoder().encode("ABOR\r\n")]));
    assert.equal((await client.reply()).code, 426);
    assert.equal((await client.reply()).code, 226);
    await readToEnd(data).catch(() => new Uint8Array());
    assert.equal((await client.command("NOOP")).code, 200);
  });
});

Deno.test("FtpSession ends on QUIT", async () => {
  await withRaw(async (client) => {
    assert.equal((await client.command("QUIT")).code, 221);
    assert.equal(await client.atEof(), true);
  });
});

Deno.test("FtpSession refuses a transfer without PASV or EPSV", async () => {
  await withRaw(async (client, root) => {
    await Deno.writeTextFile(`${root}/f.txt`, "x");
    await client.login("u", "p");
    assert.equal((await client.command("RETR f.txt")).code, 425);
    assert.equal((await client.command("LIST")).code, 425);
    assert.equal((await client.command("STOR g.txt")).code, 425);
  });
});

Deno.test("FtpSession lets an interceptor answer or drop any command (fault tests)", async () => {
  const root = await Deno.makeTempDir({ prefix: "ftp_session_test_" });
  const seen: string[] = [];
  const server = await startFtpServer({
    root,
    user: "u",
    password: "p",
    intercept: async ({ verb, arg, session }) => {
      seen.push(`${session} ${verb}`);
      if (session === 2 && verb === "USER") return { code: 421, text: "Too many users." };
      if (verb === "STOR" && arg === "bad") return { code: 550, text: "Refused." };
      if (verb === "NOOP" && arg === "slow") await new Promise((r) => setTimeout(r, 30));
      if (verb === "NOOP" && arg === "drop") return "close";
      return undefined;
    },
  });
  const first = await RawFtpClient.connect(server.port);
  const second = await RawFtpClient.connect(server.port);
  try {
    assert.equal((await first.client.login("u", "p")).code, 230);
    assert.equal((await second.client.command("USER u")).code, 421);
    const data = await first.client.passive();
    assert.equal((await first.client.command("STOR bad")).code, 550);
    data.close();
    assert.equal((await first.client.command("STOR good")).code, 425, "the listener was dropped");
    assert.equal((await first.client.command("NOOP slow")).code, 200);
    await first.client.send("NOOP drop");
    assert.equal(await first.client.atEof(), true);
    assert.deepEqual(seen.filter((s) => s.startsWith("2 ")), ["2 USER"]);
    await assert.rejects(Deno.stat(`${root}/bad`), Deno.errors.NotFound);
  } finally {
    first.client.close();
    second.client.close();
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
});
