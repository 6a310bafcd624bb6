/**
 * A small scriptable fake FTP server on 127.0.0.1 for fault tests: the test decides the raw
 * listing bytes and how replies behave (dripped byte by byte, a 1xx then silence, a listing that
 * never ends). It speaks enough of the protocol for `connectRemoteFs` to log in,
 * list and download: USER PASS FEAT TYPE PWD CWD OPTS EPSV PASV LIST MLSD NLST NOOP QUIT MDTM SIZE
 * RETR REST, plus STOR/MKD/DELE/RNFR/RNTO/RMD/MFMT on an in-memory store (so a full pass can run).
 *
 * ```ts
 * await using srv = await startHostileServer({
 *   listings: { "/data": { mlsd: "type=file;size=5;modify=20260101000000; ../../etc/x\r\n" } },
 * });
 * const remote = await connectRemoteFs({ host: srv.host, port: srv.port, ... });
 * ```
 * @module
 */
import net from "node:net";
import type { DataSpec, HostileScript, HostileServer, Reply } from "./hostile_ftp_script.ts";

export type { DataSpec, HostileScript, HostileServer, Reply } from "./hostile_ftp_script.ts";

const encoder = new TextEncoder();

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

function asSpec(value: string | Uint8Array | DataSpec): DataSpec {
  return typeof value === "string" || value instanceof Uint8Array ? { data: value } : value;
}

const DEFAULT_FEATURES = ["MLST type*;size*;modify*;", "UTF8", "REST STREAM", "SIZE", "MDTM"];

/** Starts a hostile server on 127.0.0.1 (a free port) and resolves once it listens. */
export async function startHostileServer(script: HostileScript = {}): Promise<HostileServer> {
  const sockets = new Set<net.Socket>();
  const servers = new Set<net.Server>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const commands: string[] = [];
  const batches: string[][] = [];
  const stored = new Map<string, Uint8Array>();
  /** mtimes of stored files (ms), and the directories listed from `stored`. */
  const storedTimes = new Map<string, number>();
  const dynamicDirs = new Set(script.dynamicDirs ?? []);
  let connections = 0;
  let open = 0;
  let peakConnections = 0;
  let closing = false;

  const later = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const track = (socket: net.Socket): net.Socket => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // A client that gives up resets the socket: not the server's concern.
    socket.on("error", () => {});
    return socket;
  };

  /** Writes a reply; resolves false when the session should end (close or silence forever). */
  const send = async (socket: net.Socket, reply: Reply): Promise<boolean> => {
    if (typeof reply === "string") {
      if (!socket.destroyed) socket.write(reply.endsWith("\r\n") ? reply : `${reply}\r\n`);
      return true;
    }
    if ("close" in reply) {
      socket.destroy();
      return false;
    }
    if ("silence" in reply) return true;
    if ("after" in reply) {
      await later(reply.after);
      return await send(socket, reply.reply);
    }
    const text = reply.drip.endsWith("\r\n") ? reply.drip : `${reply.drip}\r\n`;
    for (const byte of bytesOf(text)) {
      if (socket.destroyed || closing) return false;
      socket.write(new Uint8Array([byte]));
      await later(reply.everyMs);
    }
    return true;
  };

  /** `YYYYMMDDHHMMSS` (UTC) of ms since the epoch. */
  const stamp = (ms: number): string =>
    new Date(ms).toISOString().replace(/[-:T]/g, "").slice(0, 14);

  /** An MLSD listing of `dir` made from the stored files and created directories. */
  const listStored = (dir: string): string => {
    const prefix = dir === "/" ? "/" : `${dir}/`;
    const lines: string[] = [];
    for (const [path, bytes] of stored) {
      const name = path.slice(prefix.length);
      if (!path.startsWith(prefix) || name.includes("/")) continue;
      lines.push(`type=file;size=${bytes.length};modify=${stamp(storedTimes.get(path)!)}; ${name}`);
    }
    for (const path of dynamicDirs) {
      const name = path.slice(prefix.length);
      if (!path.startsWith(prefix) || name === "" || name.includes("/")) continue;
      lines.push(`type=dir;modify=20260101000000; ${name}`);
    }
    return lines.map((l) => `${l}\r\n`).join("");
  };

  const server = net.createServer((control) => {
    connections++;
    track(control);
    if (script.maxConnections !== undefined && open >= script.maxConnections) {
      control.end("421 Too many connections\r\n");
      return;
    }
    open++;
    peakConnections = Math.max(peakConnections, open);
    control.on("close", () => open--);
    void session(control);
  });
  servers.add(server);

  async function session(control: net.Socket): Promise<void> {
    let cwd = "/";
    let rest = 0;
    let renameFrom = "";
    /** The next data connection (from the last EPSV/PASV). */
    let dataSocket: Promise<net.Socket> | undefined;
    const resolvePath = (arg: string): string => {
      const raw = arg === "" ? cwd : arg.startsWith("/") ? arg : `${cwd.replace(/\/$/, "")}/${arg}`;
      const parts: string[] = [];
      for (const p of raw.split("/")) {
        if (p === "" || p === ".") continue;
        if (p === "..") parts.pop();
        else parts.push(p);
      }
      return "/" + parts.join("/");
    };
    const openPassive = async (): Promise<number> => {
      const listener = net.createServer();
      servers.add(listener);
      dataSocket = new Promise<net.Socket>((resolve, reject) => {
        listener.once("connection", (s) => {
          track(s);
          listener.close();
          servers.delete(listener);
          resolve(s);
        });
        listener.once("error", reject);
      });
      dataSocket.catch(() => {});
      await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
      return (listener.address() as net.AddressInfo).port;
    };
    /** Sends a transfer per `spec` over the pending data connection. */
    const transfer = async (spec: DataSpec): Promise<boolean> => {
      const pending = dataSocket;
      dataSocket = undefined;
      if (pending === undefined) return await send(control, "425 Use PASV or EPSV first");
      await send(control, "150 Opening data connection");
      const data = await Promise.race([pending, later(10_000).then(() => undefined)]);
      if (data === undefined) return await send(control, "425 No data connection");
      if (spec.silenceAfter150) return true; // the data socket stays open, silent
      const all = spec.data === undefined ? new Uint8Array() : bytesOf(spec.data);
      const start = Math.min(rest, all.length);
      rest = 0;
      const bytes = spec.cutAfter === undefined ? all : all.subarray(0, start + spec.cutAfter);
      const chunk = spec.chunkSize ?? 65_536;
      for (let at = start; at < bytes.length; at += chunk) {
        if (data.destroyed || closing) return false;
        data.write(bytes.subarray(at, at + chunk));
        if (spec.chunkDelayMs) await later(spec.chunkDelayMs);
      }
      if (spec.dripForever) {
        const line = bytesOf(spec.dripForever.line);
        while (!data.destroyed && !control.destroyed && !closing) {
          data.write(line);
          await later(spec.dripForever.everyMs);
        }
        return false;
      }
      if (spec.cutAfter !== undefined) {
        await later(20);
        data.resetAndDestroy();
        return await send(control, "426 Connection closed; transfer aborted");
      }
      if (spec.holdOpen) return await send(control, "226 Transfer complete");
      await new Promise<void>((resolve) => data.end(resolve));
      return await send(control, "226 Transfer complete");
    };
    /** Receives a STOR/APPE upload. */
    const receive = async (path: string, append: boolean): Promise<boolean> => {
      const pending = dataSocket;
      dataSocket = undefined;
      if (pending === undefined) return await send(control, "425 Use PASV or EPSV first");
      await send(control, "150 Ok to send data");
      const data = await pending;
      const chunks: Uint8Array[] = [];
      let received = 0;
      await new Promise<void>((resolve) => {
        data.on("data", (c: Uint8Array) => {
          chunks.push(new Uint8Array(c));
          received += c.length;
          if (script.onReceive === undefined) return;
          data.pause();
          Promise.resolve(script.onReceive(path, received)).finally(() => data.resume());
        });
        data.on("end", resolve);
        data.on("close", resolve);
      });
      const previous = append ? stored.get(path) ?? new Uint8Array() : new Uint8Array();
      const all = new Uint8Array(previous.length + chunks.reduce((n, c) => n + c.length, 0));
      all.set(previous);
      let at = previous.length;
      for (const c of chunks) {
        all.set(c, at);
        at += c.length;
      }
      stored.set(path, all);
      storedTimes.set(path, Date.now());
      return await send(control, "226 Transfer complete");
    };
    const fileSpec = (path: string): DataSpec | undefined => {
      const scripted = script.files?.[path];
      if (scripted !== undefined) return asSpec(scripted);
      const mine = stored.get(path);
      return mine === undefined ? undefined : { data: mine };
    };

    const handle = async (line: string): Promise<boolean> => {
      const space = line.indexOf(" ");
      const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
      const arg = space < 0 ? "" : line.slice(space + 1);
      commands.push(space < 0 ? verb : `${verb} ${arg}`);
      const override = script.onCommand?.(verb, arg);
      if (override !== undefined) return await send(control, override);
      switch (verb) {
        case "USER":
          return await send(control, "331 Password please");
        case "PASS":
          return await send(control, "230 Logged in");
        case "FEAT": {
          const features = script.features ?? DEFAULT_FEATURES;
          return await send(
            control,
            ["211-Features:", ...features.map((f) => ` ${f}`), "211 End"].join("\r\n"),
          );
        }
        case "TYPE":
        case "OPTS":
        case "NOOP":
          return await send(control, "200 Ok");
        case "PWD":
          return await send(control, `257 "${cwd}" is the current directory`);
        case "CWD": {
          const path = resolvePath(arg);
          if (path !== "/" && script.listings?.[path] === undefined && !dynamicDirs.has(path)) {
            return await send(control, "550 No such directory");
          }
          cwd = path;
          return await send(control, "250 Ok");
        }
        case "EPSV":
          return await send(
            control,
            `229 Entering Extended Passive Mode (|||${await openPassive()}|)`,
          );
        case "PASV": {
          const port = await openPassive();
          return await send(
            control,
            `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})`,
          );
        }
        case "LIST":
        case "NLST":
        case "MLSD": {
          const path = resolvePath(arg.replace(/^(-[a-zA-Z]+\s*)+/, ""));
          const listing = script.listings?.[path] ??
            (dynamicDirs.has(path) ? { mlsd: listStored(path) } : undefined);
          const spec = verb === "MLSD" ? listing?.mlsd : listing?.list;
          if (listing === undefined || spec === undefined) {
            dataSocket?.then((s) => s.destroy());
            dataSocket = undefined;
            return await send(control, "550 No such directory");
          }
          return await transfer(asSpec(spec));
        }
        case "SIZE": {
          const spec = fileSpec(resolvePath(arg));
          if (spec === undefined) return await send(control, "550 No such file");
          return await send(
            control,
            `213 ${spec.data === undefined ? 0 : bytesOf(spec.data).length}`,
          );
        }
        case "MDTM": {
          const path = resolvePath(arg);
          if (fileSpec(path) === undefined) return await send(control, "550 No such file");
          const ms = storedTimes.get(path);
          const time = ms === undefined ? undefined : stamp(ms);
          return await send(control, `213 ${script.times?.[path] ?? time ?? "20260101000000"}`);
        }
        case "MFMT": {
          const space = arg.indexOf(" ");
          const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(arg.slice(0, space));
          const path = resolvePath(arg.slice(space + 1));
          if (m === null || !stored.has(path)) return await send(control, "550 Cannot");
          const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as number[];
          storedTimes.set(path, Date.UTC(y!, mo! - 1, d!, h!, mi!, se!));
          return await send(control, `213 Modify=${arg.slice(0, space)}; ${path}`);
        }
        case "REST":
          rest = Number(arg) || 0;
          return await send(control, `350 Restarting at ${rest}`);
        case "RETR": {
          const spec = fileSpec(resolvePath(arg));
          if (spec === undefined) {
            dataSocket?.then((s) => s.destroy());
            dataSocket = undefined;
            return await send(control, "550 No such file");
          }
          return await transfer(spec);
        }
        case "STOR":
        case "APPE":
          return await receive(resolvePath(arg), verb === "APPE");
        case "DELE":
          stored.delete(resolvePath(arg));
          return await send(control, "250 Deleted");
        case "MKD":
          dynamicDirs.add(resolvePath(arg));
          return await send(control, `257 "${resolvePath(arg)}" created`);
        case "RMD":
          dynamicDirs.delete(resolvePath(arg));
          return await send(control, "250 Removed");
        case "RNFR":
          renameFrom = resolvePath(arg);
          return await send(control, "350 Ready for RNTO");
        case "RNTO": {
          const bytes = stored.get(renameFrom);
          if (bytes === undefined) return await send(control, "550 No such file");
          // Onto itself: nothing changes, as with rename(2).
          if (resolvePath(arg) === renameFrom) return await send(control, "250 Renamed");
          stored.delete(renameFrom);
          stored.set(resolvePath(arg), bytes);
          storedTimes.set(resolvePath(arg), storedTimes.get(renameFrom) ?? Date.now());
          storedTimes.delete(renameFrom);
          return await send(control, "250 Renamed");
        }
        case "QUIT":
          await send(control, "221 Bye");
          control.end();
          return false;
        default:
          return await send(control, "502 Command not implemented");
      }
    };

    if (!(await send(control, script.greeting ?? "220 hostile"))) return;
    // Commands are handled one at a time, in order (a slow reply delays the next one).
    let buffer = "";
    let queue = Promise.resolve(true);
    control.on("data", (chunk: Uint8Array) => {
      buffer += new TextDecoder().decode(chunk);
      const batch: string[] = [];
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, "");
        // A server that reads one command per read drops what came with it.
        buffer = script.pipelining === false ? "" : buffer.slice(nl + 1);
        batch.push(line.startsWith("PASS ") ? "PASS" : line);
        queue = queue.then((alive) => (alive && !closing ? handle(line) : false)).catch(() =>
          false
        );
      }
      if (batch.length > 0) batches.push(batch);
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;

  const close = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const socket of sockets) socket.destroy();
    await Promise.all(
      [...servers].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
    // Let the destroyed sockets' close events run, so that no resource outlives the test.
    await new Promise((resolve) => setTimeout(resolve, 10));
  };

  return {
    host: "127.0.0.1",
    port,
    user: "hostile",
    password: "hostile-pass",
    commands,
    batches,
    stored,
    get connections() {
      return connections;
    },
    get peakConnections() {
      return peakConnections;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
