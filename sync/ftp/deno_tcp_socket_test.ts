import assert from "node:assert/strict";
import { DenoTcpSocket } from "./deno_tcp_socket.ts";

/** A one-connection server on 127.0.0.1 running `serve` on the accepted connection. */
function serveOnce(serve: (conn: Deno.Conn) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const done = (async () => {
    const conn = await listener.accept();
    try {
      await serve(conn);
    } finally {
      try {
        conn.close();
      } catch {
        // closed by the test
      }
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await done.catch(() => {});
    },
  };
}

/** Resolves with the events emitted until "close", in order. */
function record(socket: DenoTcpSocket): Promise<string[]> {
  const events: string[] = [];
  return new Promise((resolve) => {
    socket.on("connect", () => events.push("connect"));
    socket.on("data", (d: string) => events.push(`data:${d}`));
    socket.on("end", () => events.push("end"));
    socket.on("error", (e: Error & { code?: string }) => events.push(`error:${e.code}`));
    socket.on("timeout", () => {
      events.push("timeout");
      socket.destroy();
    });
    socket.on("close", (hadError: boolean) => {
      events.push(`close:${hadError}`);
      resolve(events);
    });
  });
}

Deno.test("DenoTcpSocket: strings across chunk boundaries, writes in order, FIN as end then close", async () => {
  const bytes = new TextEncoder().encode("220 é日本\r\n");
  await using srv = serveOnce(async (conn) => {
    // Split inside the multi-byte characters: the decoder must carry the partial sequences.
    for (const part of [bytes.subarray(0, 5), bytes.subarray(5, 8), bytes.subarray(8)]) {
      await conn.write(part);
      await new Promise((r) => setTimeout(r, 20));
    }
    const got = new Uint8Array(64);
    let text = "";
    while (!text.endsWith("B\r\n")) {
      const n = await conn.read(got);
      if (n === null) break;
      text += new TextDecoder().decode(got.subarray(0, n));
    }
    await conn.write(new TextEncoder().encode(`echo ${text}`));
  });
  const socket = new DenoTcpSocket();
  socket.setEncoding("utf8");
  const events = record(socket);
  socket.connect({ host: "127.0.0.1", port: srv.port });
  socket.write("A\r\n");
  socket.write(new TextEncoder().encode("B\r\n"));
  const seen = await events;
  assert.equal(seen[0], "connect");
  const data = seen.filter((e) => e.startsWith("data:")).map((e) => e.slice(5)).join("");
  assert.equal(data, "220 é日本\r\necho A\r\nB\r\n");
  assert.deepEqual(seen.slice(-2), ["end", "close:false"]);
  assert.equal(socket.remoteAddress, undefined);
  assert.equal(socket.write("late"), false);
});

Deno.test("DenoTcpSocket: a refused connection is an ECONNREFUSED error, then close", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const socket = new DenoTcpSocket();
  const events = record(socket);
  socket.connect({ host: "127.0.0.1", port });
  assert.deepEqual(await events, ["error:ECONNREFUSED", "close:true"]);
});

Deno.test("DenoTcpSocket: timeout after inactivity, not while data flows", async () => {
  await using srv = serveOnce(async (conn) => {
    // 6 chunks 40 ms apart (240 ms of activity with a 100 ms timeout), then silence.
    for (let i = 0; i < 6; i++) {
      await conn.write(new TextEncoder().encode(`${i}`));
      await new Promise((r) => setTimeout(r, 40));
    }
    await new Promise((r) => setTimeout(r, 500));
  });
  const socket = new DenoTcpSocket();
  socket.setEncoding("utf8");
  const events = record(socket);
  socket.connect({ host: "127.0.0.1", port: srv.port });
  socket.setTimeout(100);
  const started = performance.now();
  const seen = await events;
  const elapsed = performance.now() - started;
  assert.equal(seen.filter((e) => e.startsWith("data:")).map((e) => e.slice(5)).join(""), "012345");
  assert.deepEqual(seen.slice(-2), ["timeout", "close:false"]);
  assert.ok(elapsed >= 300, `timed out after ${elapsed} ms while data was flowing`);
});

Deno.test("DenoTcpSocket: setTimeout(0) turns the timeout off", async () => {
  await using srv = serveOnce(async (conn) => {
    await new Promise((r) => setTimeout(r, 200));
    await conn.write(new TextEncoder().encode("late"));
  });
  const socket = new DenoTcpSocket();
  socket.setEncoding("utf8");
  const events = record(socket);
  socket.connect({ host: "127.0.0.1", port: srv.port });
  socket.setTimeout(50);
  socket.setTimeout(0);
  const seen = await events;
  assert.ok(!seen.includes("timeout"), seen.join(" "));
  assert.ok(seen.includes("data:late"));
});
