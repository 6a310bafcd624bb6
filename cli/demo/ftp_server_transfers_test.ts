import assert from "node:assert/strict";
import { startFtpServer } from "./ftp_server.ts";
import { RawFtpClient, readToEnd } from "../../tests/support/raw_ftp_client.ts";

const decoder = new TextDecoder();
const NOW = Date.UTC(2026, 10, 25, 13, 7, 0);

/** A server on a fresh root (its clock at NOW) with a logged-in raw client. */
async function withClient(fn: (client: RawFtpClient, root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "ftp_transfers_test_" });
  const server = await startFtpServer({ root, user: "u", password: "p", now: () => NOW });
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

/** EPSV + `line`; returns the preliminary code, the data received and the final code. */
async function transfer(client: RawFtpClient, line: string, upload?: Uint8Array) {
  const data = await client.passive();
  const first = await client.command(line);
  if (first.code !== 150) {
    data.close();
    return { first: first.code, text: "", last: 0 };
  }
  let text = "";
  if (upload) {
    let rest = upload;
    while (rest.length > 0) rest = rest.subarray(await data.write(rest));
    data.close();
  } else {
    text = decoder.decode(await readToEnd(data));
  }
  return { first: first.code, text, last: (await client.reply()).code };
}

async function fixture(root: string): Promise<void> {
  await Deno.mkdir(`${root}/sub`);
  await Deno.writeTextFile(`${root}/new é.txt`, "123456789");
  await Deno.writeTextFile(`${root}/old.txt`, "x".repeat(20));
  await Deno.writeTextFile(`${root}/.hidden`, "h");
  await Deno.utime(`${root}/new é.txt`, 0, new Date(Date.UTC(2026, 10, 25, 12, 43, 29)));
  await Deno.utime(`${root}/old.txt`, 0, new Date(Date.UTC(2024, 2, 4, 5, 6, 7)));
  await Deno.utime(`${root}/sub`, 0, new Date(Date.UTC(2026, 10, 1, 8, 9, 10)));
}

Deno.test("LIST answers ls -l lines in UTC, sorted, dotfiles with -a only", async () => {
  await withClient(async (client, root) => {
    await fixture(root);
    await Deno.chmod(`${root}/new é.txt`, 0o640);
    await Deno.chmod(`${root}/old.txt`, 0o644);
    await Deno.chmod(`${root}/sub`, 0o755);
    const plain = await transfer(client, "LIST");
    assert.deepEqual([plain.first, plain.last], [150, 226]);
    const lines = plain.text.split("\r\n");
    assert.equal(lines.pop(), "");
    assert.deepEqual(lines.map((l) => l.replace(/ +/g, " ")), [
      "-rw-r----- 1 ftp ftp 9 Nov 25 12:43 new é.txt",
      "-rw-r--r-- 1 ftp ftp 20 Mar 4 2024 old.txt",
      "drwxr-xr-x 1 ftp ftp 0 Nov 1 08:09 sub",
    ]);
    const all = await transfer(client, "LIST -a");
    const names = all.text.trim().split("\r\n").map((l) => l.split(/ +/).slice(8).join(" "));
    assert.deepEqual(names, [".", "..", ".hidden", "new é.txt", "old.txt", "sub"]);
    const one = await transfer(client, "LIST -la old.txt");
    assert.match(one.text, /^-\S+ +1 ftp +ftp +20 Mar {2}4 {2}2024 old\.txt\r\n$/);
  });
});

Deno.test("NLST and MLSD list names and facts; missing paths are refused", async () => {
  await withClient(async (client, root) => {
    await fixture(root);
    assert.equal((await transfer(client, "NLST")).text, "new é.txt\r\nold.txt\r\nsub\r\n");
    const mlsd = await transfer(client, "MLSD /");
    const lines = mlsd.text.trim().split("\r\n");
    assert.match(lines[0]!, /^type=cdir;modify=\d{14};UNIX\.mode=0\d+; \.$/);
    assert.match(lines[1]!, /^type=file;size=1;modify=\d{14};UNIX\.mode=0\d+; \.hidden$/);
    assert.match(lines[2]!, /^type=file;size=9;modify=20261125124329;UNIX\.mode=0\d+; new é\.txt$/);
    assert.match(lines[4]!, /^type=dir;modify=20261101080910;UNIX\.mode=0\d+; sub$/);
    assert.equal((await transfer(client, "LIST nope")).first, 450);
    assert.equal((await transfer(client, "NLST nope")).first, 550);
    assert.equal((await transfer(client, "MLSD nope")).first, 550);
    assert.equal((await transfer(client, "MLSD old.txt")).first, 550);
    assert.equal((await transfer(client, "MLSD ..")).first, 550);
    // The refused command consumed the passive listener.
    assert.equal((await client.command("LIST")).code, 425);
  });
});

Deno.test("RETR, STOR and APPE honour REST and refuse what cannot be done", async (t) => {
  await withClient(async (client, root) => {
    await Deno.writeTextFile(`${root}/f`, "0123456789");
    await Deno.mkdir(`${root}/d`);
    await t.step("RETR from an offset", async () => {
      assert.equal((await client.command("REST 4")).code, 350);
      assert.equal((await transfer(client, "RETR f")).text, "456789");
      assert.equal((await transfer(client, "RETR f")).text, "0123456789");
    });
    await t.step("STOR from an offset keeps the head", async () => {
      await client.command("REST 8");
      const up = await transfer(client, "STOR f", new TextEncoder().encode("ab"));
      assert.deepEqual([up.first, up.last], [150, 226]);
      assert.equal(await Deno.readTextFile(`${root}/f`), "01234567ab");
    });
    await t.step("STOR truncates, APPE appends", async () => {
      await transfer(client, "STOR f", new TextEncoder().encode("new"));
      assert.equal(await Deno.readTextFile(`${root}/f`), "new");
      await transfer(client, "APPE f", new TextEncoder().encode("+more"));
      assert.equal(await Deno.readTextFile(`${root}/f`), "new+more");
      await transfer(client, "APPE g", new TextEncoder().encode("created"));
      assert.equal(await Deno.readTextFile(`${root}/g`), "created");
    });
    await t.step("refusals", async () => {
      assert.equal((await transfer(client, "RETR d")).first, 550);
      assert.equal((await transfer(client, "RETR nope")).first, 550);
      assert.equal((await transfer(client, "STOR d")).first, 553);
      assert.equal((await transfer(client, "STOR nodir/x")).first, 553);
      assert.equal((await transfer(client, "STOR ../x")).first, 553);
    });
  });
});
