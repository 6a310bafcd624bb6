/**
 * A delaying TCP proxy on 127.0.0.1: every byte waits `oneWayMs` in each direction, and a new
 * connection reaches the server only after 1.5 round trips (SYN, SYN-ACK, ACK), the way a TCP
 * handshake costs on a real link. In FTP mode it also reads the control connection's passive
 * replies (227 PASV, 229 EPSV), opens a delaying listener for each data connection and rewrites
 * the reply to point at it, so data connections pay the same latency as the control connection.
 * This kernel has no netem; this stands in for it (plain FTP only: FTPS hides the replies).
 * @module
 */
import net from "node:net";
import { Buffer } from "node:buffer";
import { parsePassiveReply, rewritePassiveReply } from "./passive_reply.ts";

/** Options of {@linkcode startDelayProxy}. */
export interface DelayProxyOptions {
  /** The server the proxy forwards to (control port in FTP mode). */
  targetPort: number;
  /** Delay added to each direction, in milliseconds (10 -> a 20 ms round trip). */
  oneWayMs: number;
  /** Rewrite passive replies and proxy the data connections too. Default false. */
  ftp?: boolean;
  /** Milliseconds from accepting a client to connecting to the server; default 3 x oneWayMs. */
  connectDelayMs?: number;
}

/** A running proxy; `await using` closes it. */
export interface DelayProxy extends AsyncDisposable {
  readonly host: "127.0.0.1";
  /** The port clients connect to. */
  readonly port: number;
  /** Connections accepted so far (control and data). */
  connections(): number;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/** Bytes held in one direction before the source is paused (bandwidth x delay stays below). */
const HIGH_WATER = 8 * 1024 * 1024;
/** Seconds a data listener waits for its one client before it is closed. */
const DATA_ACCEPT_TIMEOUT_S = 60;

/** One direction of a connection: chunks leave `delayMs` after they arrived, in order. */
class DelayLine {
  #queue: Array<{ at: number; chunk: Uint8Array | null }> = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ready: boolean;
  #queued = 0;
  readonly #src: net.Socket;
  readonly #dst: net.Socket;
  readonly #delayMs: number;

  constructor(src: net.Socket, dst: net.Socket, options: { delayMs: number; ready: boolean }) {
    this.#src = src;
    this.#dst = dst;
    this.#delayMs = options.delayMs;
    this.#ready = options.ready;
    dst.on("drain", () => this.#maybeResume());
  }

  /** Queues `chunk` to leave at `arrivedAt` + delay (ms, performance.now()). */
  push(chunk: Uint8Array | null, arrivedAt: number = performance.now()): void {
    this.#queue.push({ at: arrivedAt + this.#delayMs, chunk });
    if (chunk !== null) {
      this.#queued += chunk.length;
      if (this.#queued + this.#dst.writableLength > HIGH_WATER) this.#src.pause();
    }
    this.#schedule();
  }

  /** The destination is connected: start delivering. */
  ready(): void {
    this.#ready = true;
    this.#schedule();
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
  }

  #schedule(): void {
    const head = this.#queue[0];
    if (this.#timer !== undefined || !this.#ready || head === undefined) return;
    const wait = Math.max(0, head.at - performance.now());
    this.#timer = setTimeout(() => this.#flush(), wait);
  }

  #flush(): void {
    this.#timer = undefined;
    // Timers fire with ~1 ms granularity: deliver what is due within half a millisecond.
    const now = performance.now() + 0.5;
    while ((this.#queue[0]?.at ?? Infinity) <= now) {
      const item = this.#queue.shift();
      if (item === undefined || this.#dst.destroyed) continue;
      if (item.chunk === null) this.#dst.end();
      else {
        this.#queued -= item.chunk.length;
        this.#dst.write(item.chunk);
      }
    }
    this.#maybeResume();
    this.#schedule();
  }

  #maybeResume(): void {
    if (this.#src.isPaused() && this.#queued + this.#dst.writableLength < HIGH_WATER / 2) {
      this.#src.resume();
    }
  }
}

/** Everything one proxy owns, so close() can end it all. */
class ProxyState {
  readonly sockets = new Set<net.Socket>();
  readonly servers = new Set<net.Server>();
  readonly timers = new Set<ReturnType<typeof setTimeout>>();
  accepted = 0;
  closed = false;
}

interface BridgeOptions {
  targetPort: number;
  oneWayMs: number;
  connectDelayMs: number;
  /** Rewrite passive replies on the server -> client direction (FTP control connections). */
  ftp: boolean;
}

function track(state: ProxyState, socket: net.Socket): void {
  state.sockets.add(socket);
  socket.on("close", () => state.sockets.delete(socket));
}

/** Connects `client` to 127.0.0.1:targetPort through two delay lines. */
function bridge(state: ProxyState, client: net.Socket, options: BridgeOptions): void {
  state.accepted++;
  track(state, client);
  const upstream = new net.Socket({ allowHalfOpen: true });
  track(state, upstream);
  client.setNoDelay(true);
  const up = new DelayLine(client, upstream, { delayMs: options.oneWayMs, ready: false });
  const down = new DelayLine(upstream, client, { delayMs: options.oneWayMs, ready: true });
  // A clean close travels as an end through the delay lines; only errors (resets, refused
  // connections) tear both sides down at once.
  const fail = () => {
    up.stop();
    down.stop();
    client.destroy();
    upstream.destroy();
  };
  client.on("error", fail);
  upstream.on("error", fail);
  client.on("data", (chunk: Uint8Array) => up.push(chunk));
  client.on("end", () => up.push(null));
  if (options.ftp) {
    const rewriter = new ReplyRewriter(state, down, options);
    upstream.on("data", (chunk: Uint8Array) => rewriter.push(chunk));
    upstream.on("end", () => rewriter.end());
  } else {
    upstream.on("data", (chunk: Uint8Array) => down.push(chunk));
    upstream.on("end", () => down.push(null));
  }
  const timer = setTimeout(() => {
    state.timers.delete(timer);
    if (client.destroyed || state.closed) return;
    upstream.connect(options.targetPort, "127.0.0.1", () => {
      upstream.setNoDelay(true);
      up.ready();
    });
  }, options.connectDelayMs);
  state.timers.add(timer);
}

/** Splits the control stream into lines and rewrites passive replies before they are delayed. */
class ReplyRewriter {
  #pending = "";
  #chain: Promise<void> = Promise.resolve();
  readonly #state: ProxyState;
  readonly #down: DelayLine;
  readonly #options: BridgeOptions;

  constructor(state: ProxyState, down: DelayLine, options: BridgeOptions) {
    this.#state = state;
    this.#down = down;
    this.#options = options;
  }

  push(chunk: Uint8Array): void {
    const arrivedAt = performance.now();
    // latin1 keeps every byte as one char, so non-UTF-8 file names pass through unchanged.
    const text = Buffer.from(chunk).toString("latin1");
    this.#chain = this.#chain.then(() => this.#handle(text, arrivedAt)).catch(() => {});
  }

  end(): void {
    const arrivedAt = performance.now();
    this.#chain = this.#chain.then(() => {
      if (this.#pending !== "") this.#down.push(Buffer.from(this.#pending, "latin1"), arrivedAt);
      this.#pending = "";
      this.#down.push(null, arrivedAt);
    });
  }

  async #handle(text: string, arrivedAt: number): Promise<void> {
    const all = this.#pending + text;
    const cut = all.lastIndexOf("\n") + 1;
    this.#pending = all.slice(cut);
    if (cut === 0) return;
    const lines = all.slice(0, cut).split(/(?<=\n)/);
    let out = "";
    for (const line of lines) {
      const target = parsePassiveReply(line);
      if (target === undefined) {
        out += line;
        continue;
      }
      const port = await openDataListener(this.#state, {
        ...this.#options,
        targetPort: target.port,
        ftp: false,
      });
      out += rewritePassiveReply(line, port);
    }
    this.#down.push(Buffer.from(out, "latin1"), arrivedAt);
  }
}

/** A one-connection listener for a passive data connection; resolves to its port. */
function openDataListener(state: ProxyState, options: BridgeOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false });
    state.servers.add(server);
    const done = () => {
      clearTimeout(timer);
      state.timers.delete(timer);
      state.servers.delete(server);
      server.close();
    };
    const timer = setTimeout(done, DATA_ACCEPT_TIMEOUT_S * 1000);
    state.timers.add(timer);
    server.once("connection", (socket: net.Socket) => {
      done();
      bridge(state, socket, options);
    });
    server.once("error", (e) => {
      done();
      reject(e);
    });
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("No port"));
      else resolve(address.port);
    });
  });
}

/** Starts a delaying proxy on 127.0.0.1 (a free port) in front of 127.0.0.1:targetPort. */
export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const state = new ProxyState();
  const bridgeOptions: BridgeOptions = {
    targetPort: options.targetPort,
    oneWayMs: options.oneWayMs,
    connectDelayMs: options.connectDelayMs ?? 3 * options.oneWayMs,
    ftp: options.ftp ?? false,
  };
  const server = net.createServer({ allowHalfOpen: true });
  server.on("connection", (socket: net.Socket) => bridge(state, socket, bridgeOptions));
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("No port"));
      else resolve(address.port);
    });
  });
  const close = async (): Promise<void> => {
    if (state.closed) return;
    state.closed = true;
    for (const t of state.timers) clearTimeout(t);
    for (const s of state.sockets) s.destroy();
    const servers = [server, ...state.servers];
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  };
  return {
    host: "127.0.0.1",
    port,
    connections: () => state.accepted,
    close,
    [Symbol.asyncDispose]: close,
  };
}
