import assert from "node:assert/strict";
import { copyStream, PassiveChannel, writeAll } from "./ftp_server_data.ts";

Deno.test("PassiveChannel hands over the one connection the client opens", async () => {
  const channel = new PassiveChannel("127.0.0.1");
  const client = await Deno.connect({ hostname: "127.0.0.1", port: channel.port });
  const conn = await channel.connection();
  await writeAll(client, new TextEncoder().encode("hi"));
  const buffer = new Uint8Array(2);
  assert.equal(await conn.read(buffer), 2);
  // The listener is closed once the connection is taken: a second client is refused.
  await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: channel.port }));
  await channel.close();
  assert.equal(await client.read(buffer), null);
  client.close();
});

Deno.test("PassiveChannel gives up when the client never connects", async () => {
  const channel = new PassiveChannel("127.0.0.1", { acceptTimeoutMs: 50 });
  await assert.rejects(channel.connection(), /Timed out/);
  await channel.close();
});

Deno.test("copyStream copies in chunks and stops when aborted", async () => {
  const data = new Uint8Array(1_000_000).map((_, i) => i % 251);
  let offset = 0;
  const source = {
    read(p: Uint8Array): Promise<number | null> {
      if (offset >= data.length) return Promise.resolve(null);
      const n = Math.min(p.length, data.length - offset, 100_000);
      p.set(data.subarray(offset, offset + n));
      offset += n;
      return Promise.resolve(n);
    },
  };
  const received: number[] = [];
  const sink = {
    write(p: Uint8Array): Promise<number> {
      const n = Math.min(p.length, 7_000); // partial writes
      received.push(...p.subarray(0, n));
      return Promise.resolve(n);
    },
  };
  assert.equal(await copyStream(source, sink, () => false), data.length);
  assert.deepEqual(new Uint8Array(received), data);

  offset = 0;
  let reads = 0;
  const counted = { read: (p: Uint8Array) => (reads++, source.read(p)) };
  assert.equal(await copyStream(counted, sink, () => reads >= 2), 200_000);
});
