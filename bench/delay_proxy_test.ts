import assert from "node:assert/strict";
import net from "node:net";
import { Buffer } from "node:buffer";
import { startDelayProxy } from "./delay_proxy.ts";

/** A loopback server; `onSocket` handles each connection. */
async function listen(onSocket: (s: net.Socket) => void): Promise<net.Server & AsyncDisposable> {
  const server = net.createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const sockets = new Set<net.Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return Object.assign(server, {
    [Symbol.asyncDispose]: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  });
}

function portOf(server: net.Server): number {
  const a = server.address();
  if (a === null || typeof a === "string") throw new Error("no port");
  return a.port;
}

/** Connects, and yields each chunk received as text through `next()`. */
async function connect(port: number): Promise<{ socket: net.Socket; next(): Promise<string> }> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((r, j) => socket.once("connect", r).once("error", j));
  socket.setNoDelay(true);
  const chunks: string[] = [];
  const waiters: Array<(s: string) => void> = [];
  socket.on("data", (c: Buffer) => {
    const w = waiters.shift();
    if (w !== undefined) w(c.toString("latin1"));
    else chunks.push(c.toString("latin1"));
  });
  return {
    socket,
    next: () => {
      const c = chunks.shift();
      return c !== undefined ? Promise.resolve(c) : new Promise((r) => waiters.push(r));
    },
  };
}

const echo = (s: net.Socket) => s.on("data", (c) => s.write(c)).on("error", () => {});

Deno.test("delay proxy adds the round trip and the handshake to a loopback echo", async () => {
  await using server = await listen(echo);
  await using proxy = await startDelayProxy({ targetPort: portOf(server), oneWayMs: 10 });
  const t0 = performance.now();
  const c = await connect(proxy.port);
  c.socket.write("hello");
  assert.equal(await c.next(), "hello");
  // Handshake (1.5 RTT = 30 ms) plus one way to the client: 40 ms on a real link.
  const first = performance.now() - t0;
  assert.ok(first >= 39, `first echo after ${first} ms, expected >= 40`);
  const rtts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    c.socket.write(`m${i}`);
    assert.equal(await c.next(), `m${i}`);
    rtts.push(performance.now() - t);
  }
  rtts.sort((a, b) => a - b);
  assert.ok((rtts[0] ?? 0) >= 19.5, `round trips ${rtts.join(", ")} ms, expected >= 20`);
  // A busy 2-core machine may be late now and then, but the fastest of five round trips must
  // show one delay per direction, not two.
  // Generous: the suite runs test files in parallel on 2 cores; this only catches a delay
  // applied twice or per byte, not scheduling noise.
  assert.ok((rtts[0] ?? 0) < 100, `fastest round trip ${rtts[0]} ms, expected about 20`);
  assert.equal(proxy.connections(), 1);
  c.socket.destroy();
});

Deno.test("delay proxy passes a half-close through after the delay", async () => {
  // The server answers with everything it got once the client has finished sending (an upload).
  await using server = await listen((s) => {
    const got: Buffer[] = [];
    s.on("data", (c: Buffer) => got.push(c)).on("end", () => s.end(Buffer.concat(got)));
  });
  await using proxy = await startDelayProxy({ targetPort: portOf(server), oneWayMs: 5 });
  const c = await connect(proxy.port);
  const body = "x".repeat(200_000);
  c.socket.end(body);
  let text = "";
  await new Promise<void>((r) => {
    c.socket.removeAllListeners("data");
    c.socket.on("data", (b: Buffer) => text += b.toString("latin1")).on("end", r);
  });
  assert.equal(text, body);
});

Deno.test("delay proxy in FTP mode rewrites PASV and EPSV and delays the data connection", async (t) => {
  await using data = await listen(echo);
  const dataPort = portOf(data);
  await using control = await listen((s) => {
    s.write("220 ready\r\n");
    s.on("data", (c: Buffer) => {
      const cmd = c.toString().trim();
      if (cmd === "PASV") {
        s.write(`227 Entering Passive Mode (127,0,0,1,${dataPort >> 8},${dataPort & 255}).\r\n`);
      } else if (cmd === "EPSV") {
        s.write(`229 Entering Extended Passive Mode (|||${dataPort}|)\r\n`);
      }
    }).on("error", () => {});
  });
  await using proxy = await startDelayProxy({
    targetPort: portOf(control),
    oneWayMs: 10,
    ftp: true,
  });
  const c = await connect(proxy.port);
  assert.equal(await c.next(), "220 ready\r\n");
  for (const cmd of ["PASV", "EPSV"]) {
    await t.step(cmd, async () => {
      c.socket.write(`${cmd}\r\n`);
      const reply = await c.next();
      const port = cmd === "PASV"
        ? ((m) => Number(m?.[1]) * 256 + Number(m?.[2]))(/,(\d+),(\d+)\)/.exec(reply))
        : Number(/\|\|\|(\d+)\|/.exec(reply)?.[1]);
      assert.ok(port > 0 && port !== dataPort, `reply "${reply.trim()}" not rewritten`);
      const t0 = performance.now();
      const d = await connect(port);
      d.socket.write("ping");
      assert.equal(await d.next(), "ping");
      const ms = performance.now() - t0;
      assert.ok(ms >= 39, `data echo after ${ms} ms, expected >= 40`);
      d.socket.destroy();
    });
  }
  assert.equal(proxy.connections(), 3);
  c.socket.destroy();
});
