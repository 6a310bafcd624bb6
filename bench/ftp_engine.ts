/**
 * The FTP engine's cost per operation: `deno run -A bench/ftp_engine.ts`.
 *
 * Starts vsftpd (through the test harness, on 127.0.0.1) and times N operations of each kind on
 * one connection: a command (NOOP), an MDTM (one at a time, and in batches of 100 where the
 * engine pipelines), a small download with its MDTM and a small upload (4 KiB, to and from local
 * files), a listing of a 100-file directory (LIST), and opening a connection (connect and log
 * in). Modes: `plain` and `explicit` (FTPS) on loopback report the client process's CPU
 * (user + system, `process.cpuUsage`) per operation; `rtt20` goes through bench/delay_proxy.ts
 * (a 20 ms round trip, plain FTP) and reports the wall time per operation, i.e. the round trips.
 * Engines are interleaved in each repetition, so that both see the same machine; the table
 * shows the median of the repetitions. Measures only the client: run it on an idle machine.
 *
 * Options: `--n N` operations per kind (1000; rtt20 and connections: N / 20), `--reps R` (3),
 * `--modes plain,explicit,rtt20`, `--engines basic-ftp-public,remote-fs,own` (own: the engine's
 * connection; remote-fs: `FtpRemoteFs` over it, with the server profile and time frames;
 * basic-ftp-public: basic-ftp 6.2.6's `Client` through its public API only, for comparison).
 * @module
 */
import { Client } from "basic-ftp";
import process from "node:process";
import { parseArgs } from "node:util";
import { connectRemoteFs } from "../sync/ftp/connect_remote_fs.ts";
import { openConnection } from "../sync/ftp/ftp_login.ts";
import {
  type FtpConnection,
  type ProtocolQuirks,
  quirkRecord,
} from "../sync/ftp/ftp_connection.ts";
import { parseListing } from "../sync/ftp/parse_list.ts";
import { ServerProfiles } from "../sync/ftp/server_profile.ts";
import { tlsConnectOptions } from "../sync/ftp/tls_options.ts";
import type { RemoteFs } from "../sync/ftp/remote_fs.ts";
import { startServer, type TestServer } from "../tests/support/ftp_servers.ts";
import { startDelayProxy } from "./delay_proxy.ts";

type Mode = "plain" | "explicit" | "rtt20";

/** The operations of one engine on one connection. */
interface Engine {
  noop(): Promise<void>;
  mdtm(path: string): Promise<void>;
  mdtmBatch?(paths: string[]): Promise<void>;
  download(path: string, local: string): Promise<void>;
  upload(local: string, path: string): Promise<void>;
  list(path: string): Promise<void>;
  close(): Promise<void>;
}

/** `FtpRemoteFs` (what the sync engine calls) over the own engine. */
function remoteFsEngine(remote: RemoteFs): Engine {
  return {
    noop: () => remote.noop!(),
    mdtm: async (path) => void await remote.mtime(path),
    download: (path, local) => remote.downloadToFile(path, local, { onMtime: () => {} }),
    upload: (local, path) => remote.uploadFromFile(local, path),
    list: async (path) => void await remote.list(path),
    close: () => remote.close(),
  };
}

/** basic-ftp through its public API only: what keeping it as the engine without patches costs. */
function publicBasicFtpEngine(client: Client): Engine {
  return {
    noop: async () => void await client.send("NOOP"),
    mdtm: async (path) => void await client.lastMod(path),
    download: async (path, local) => {
      await client.lastMod(path);
      await client.downloadTo(local, path);
    },
    upload: async (local, path) => void await client.uploadFrom(local, path),
    list: async (path) => void await client.list(path),
    close: () => Promise.resolve(client.close()),
  };
}

/** What `FtpRemoteFs` does per operation on the own engine (sync file I/O, parsed listings). */
function ownEngine(session: FtpConnection): Engine {
  return {
    noop: async () => void await session.command("NOOP"),
    mdtm: async (path) => void await session.command(`MDTM ${path}`),
    mdtmBatch: async (paths) => void await session.commands(paths.map((p) => `MDTM ${p}`)),
    download: async (path, local) => {
      using file = await Deno.open(local, { write: true, create: true, truncate: true });
      await session.transfer({
        command: `RETR ${path}`,
        before: [`MDTM ${path}`],
        data: {
          receive: (chunk) => {
            let done = 0;
            while (done < chunk.length) done += file.writeSync(chunk.subarray(done));
          },
        },
      });
    },
    upload: async (local, path) => {
      using file = Deno.openSync(local, { read: true });
      const data = new Uint8Array(file.statSync().size);
      file.readSync(data);
      await session.transfer({ command: `STOR ${path}`, data: { send: data } });
    },
    list: async (path) => {
      const text = await session.list(`LIST -a ${path}`);
      parseListing(text, "list", { nowMs: Date.now() });
    },
    close: () => session.close(),
  };
}

/** Per-operation CPU (us) and wall time (ms) of `n` runs of `op`. */
async function measure(n: number, op: (i: number) => Promise<void>) {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: (cpu.user + cpu.system) / n, wallMs: (performance.now() - wall0) / n };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** Where an engine connects: the server, or the delay proxy in front of it. */
interface Target {
  srv: TestServer;
  port: number;
  mode: Mode;
}

/** What the connections of one repetition share, as a pool's connections do. */
interface Learned {
  quirks: ReturnType<typeof quirkRecord>;
  profiles: ServerProfiles;
}

function optionsOf(target: Target, quirks: ProtocolQuirks) {
  const { srv, mode } = target;
  return {
    host: srv.host,
    port: target.port,
    type: mode === "explicit" ? "ftpes" as const : "ftp" as const,
    user: srv.user,
    password: srv.password,
    tlsVerify: true,
    tlsFingerprint: srv.certFingerprint,
    timeoutMs: 30_000,
    quirks,
  };
}

async function open(name: string, target: Target, learned: Learned): Promise<Engine> {
  const options = optionsOf(target, learned.quirks);
  if (name === "own") {
    // FEAT once, on the first connection (as the server profile does).
    const first = learned.quirks.facts.pipelining === undefined;
    return ownEngine(await openConnection({ ...options, wantFeatures: () => first }));
  }
  if (name === "remote-fs") {
    return remoteFsEngine(await connectRemoteFs({ ...options, profiles: learned.profiles }));
  }
  // basic-ftp-public: its `Client` as it comes, with the TLS options FTPS needs under Deno.
  const client = new Client(options.timeoutMs);
  await client.access({
    host: options.host,
    port: options.port,
    user: options.user,
    password: options.password,
    secure: options.type === "ftpes",
    secureOptions: tlsConnectOptions(options.host, {
      verify: false,
      fingerprint: options.tlsFingerprint,
    }),
  });
  return publicBasicFtpEngine(client);
}

/** One repetition of every kind of operation for one engine: kind -> { cpuUs, wallMs }. */
async function repetition(
  name: string,
  target: Target,
  n: number,
  local: string,
): Promise<Map<string, { cpuUs: number; wallMs: number }>> {
  const out = new Map<string, { cpuUs: number; wallMs: number }>();
  // The server's quirks are learned by a first connection, as in a pool.
  const learned = { quirks: quirkRecord(), profiles: new ServerProfiles({ quiet: true }) };
  await (await open(name, target, learned)).close();
  const connections = Math.max(5, Math.ceil(n / 20));
  out.set(
    "connect and log in",
    await measure(connections, async () => await (await open(name, target, learned)).close()),
  );
  const engine = await open(name, target, learned);
  let file = 0;
  const kinds: [string, number, (i: number) => Promise<void>, number?][] = [
    ["command (NOOP)", n, () => engine.noop()],
    ["MDTM, one at a time", n, () => engine.mdtm("/f/small.bin")],
    [
      "download 4 KiB with its MDTM",
      n,
      () => engine.download("/f/small.bin", `${local}/down-${file++}.bin`),
    ],
    ["upload 4 KiB", n, (i) => engine.upload(`${local}/small.bin`, `/up-${i % 50}.bin`)],
    ["listing, 100 files (LIST)", Math.ceil(n / 4), () => engine.list("/d")],
  ];
  const batch = engine.mdtmBatch;
  if (batch !== undefined) {
    const paths = Array.from({ length: 100 }, () => "/f/small.bin");
    kinds.splice(2, 0, ["MDTM, batches of 100", Math.ceil(n / 100), () => batch(paths), 100]);
  }
  for (const [kind, count, op, perCall = 1] of kinds) {
    const { cpuUs, wallMs } = await measure(count, op);
    out.set(kind, { cpuUs: cpuUs / perCall, wallMs: wallMs / perCall });
  }
  await engine.close();
  return out;
}

async function run(): Promise<void> {
  const args = parseArgs({
    args: Deno.args,
    options: {
      n: { type: "string", default: "1000" },
      reps: { type: "string", default: "3" },
      modes: { type: "string", default: "plain,explicit,rtt20" },
      engines: { type: "string", default: "basic-ftp-public,remote-fs,own" },
    },
  });
  const n = Number(args.values.n);
  const reps = Number(args.values.reps);
  const engines = args.values.engines.split(",");
  const local = await Deno.makeTempDir({ prefix: "ftp-engine-bench-" });
  const small = new Uint8Array(4096).map((_, i) => i * 7);
  Deno.writeFileSync(`${local}/small.bin`, small);
  const rows: string[] = [];
  for (const mode of args.values.modes.split(",") as Mode[]) {
    await using srv = await startServer({
      kind: "vsftpd",
      mode: mode === "explicit" ? mode : "plain",
    });
    await using proxy = mode === "rtt20"
      ? await startDelayProxy({ targetPort: srv.port, oneWayMs: 10, ftp: true })
      : undefined;
    const target = { srv, port: proxy?.port ?? srv.port, mode };
    await srv.writeFile("f/small.bin", small);
    for (let i = 0; i < 100; i++) await srv.writeFile(`d/file-${i}.txt`, "x".repeat(i));
    const count = mode === "rtt20" ? Math.max(5, Math.ceil(n / 20)) : n;
    const results = new Map<string, Map<string, { cpuUs: number[]; wallMs: number[] }>>();
    for (let rep = 0; rep < reps; rep++) {
      for (const name of engines) {
        const byKind = results.get(name) ?? new Map();
        results.set(name, byKind);
        for (const [kind, r] of await repetition(name, target, count, local)) {
          const entry = byKind.get(kind) ?? { cpuUs: [], wallMs: [] };
          entry.cpuUs.push(r.cpuUs);
          entry.wallMs.push(r.wallMs);
          byKind.set(kind, entry);
        }
        // The downloaded files: a fresh directory for each repetition.
        for (const entry of Deno.readDirSync(local)) {
          if (entry.name.startsWith("down-")) Deno.removeSync(`${local}/${entry.name}`);
        }
      }
    }
    for (const [name, byKind] of results) {
      for (const [kind, r] of byKind) {
        rows.push(
          `| ${mode} | ${name} | ${kind} | ${median(r.cpuUs).toFixed(0)} | ` +
            `${median(r.wallMs).toFixed(2)} |`,
        );
      }
    }
  }
  await Deno.remove(local, { recursive: true });
  const out = [
    `vsftpd on 127.0.0.1 (rtt20: through a 20 ms round-trip proxy), ${n} operations per kind ` +
    `(rtt20 and connections: ${Math.max(5, Math.ceil(n / 20))}), median of ${reps}; CPU of the ` +
    `client process (user + system)`,
    "",
    "| mode | engine | operation | CPU us/op | wall ms/op |",
    "| --- | --- | --- | ---: | ---: |",
    ...rows,
  ];
  // deno-lint-ignore no-console -- a bench prints its table
  console.log(out.join("\n"));
}

if (import.meta.main) await run();
