/**
 * CPU per FTP operation of the client, engine against engine: `deno run -A bench/ftp_engine.ts`.
 *
 * Starts vsftpd (plain and explicit FTPS, on 127.0.0.1, through the test harness), then times the
 * client process's CPU (user + system, `process.cpuUsage`) over N operations of each kind, on one
 * connection: a command (NOOP), an MDTM (one at a time, and in batches of 100 where the engine
 * pipelines), a small download and upload (4 KiB, to and from a local file), a listing of a
 * 100-file directory. Prints a table (median of `--reps`, microseconds of CPU per operation, and
 * wall time). Measures only the client: run it on an idle machine.
 *
 * Options: `--n N` operations per kind (1000), `--reps R` (3), `--modes plain,explicit`,
 * `--engines basic-ftp,own`.
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { connectRemoteFs } from "../sync/ftp/connect_remote_fs.ts";
import { openSession } from "../sync/ftp/ftp_login.ts";
import type { FtpSession } from "../sync/ftp/ftp_session.ts";
import { parseListing } from "../sync/ftp/parse_list.ts";
import type { RemoteFs } from "../sync/ftp/remote_fs.ts";
import { startServer, type TestServer } from "../tests/support/ftp_servers.ts";

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

function basicFtpEngine(remote: RemoteFs): Engine {
  return {
    noop: () => remote.noop!(),
    mdtm: async (path) => void await remote.mtime(path),
    download: (path, local) => remote.downloadToFile(path, local),
    upload: (local, path) => remote.uploadFromFile(local, path),
    list: async (path) => void await remote.list(path),
    close: () => remote.close(),
  };
}

/** What `FtpRemoteFs` does per operation on the own engine (sync file I/O, parsed listings). */
function ownEngine(session: FtpSession): Engine {
  return {
    noop: async () => void await session.command("NOOP"),
    mdtm: async (path) => void await session.command(`MDTM ${path}`),
    mdtmBatch: async (paths) => void await session.commands(paths.map((p) => `MDTM ${p}`)),
    download: async (path, local) => {
      using file = await Deno.open(local, { write: true, create: true, truncate: true });
      await session.transfer({
        command: `RETR ${path}`,
        data: {
          receive: (chunk) => {
            let done = 0;
            while (done < chunk.length) done += file.writeSync(chunk.subarray(done));
          },
        },
      });
    },
    upload: async (local, path) => {
      const data = Deno.readFileSync(local);
      await session.transfer({ command: `STOR ${path}`, data: { send: data } });
    },
    list: async (path) => {
      const text = await session.list(`LIST -a ${path}`);
      parseListing(text, "list", { nowMs: Date.now() });
    },
    close: () => session.close(),
  };
}

/** CPU (us) and wall time (ms) of `n` runs of `op`. */
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

async function run(): Promise<void> {
  const args = parseArgs({
    args: Deno.args,
    options: {
      n: { type: "string", default: "1000" },
      reps: { type: "string", default: "3" },
      modes: { type: "string", default: "plain,explicit" },
      engines: { type: "string", default: "basic-ftp,own" },
    },
  });
  const n = Number(args.values.n);
  const reps = Number(args.values.reps);
  const local = await Deno.makeTempDir({ prefix: "ftp-engine-bench-" });
  const small = new Uint8Array(4096).map((_, i) => i * 7);
  Deno.writeFileSync(`${local}/small.bin`, small);
  const rows: string[] = [];
  for (const mode of args.values.modes.split(",") as Array<"plain" | "explicit">) {
    await using srv = await startServer({ kind: "vsftpd", mode });
    await srv.writeFile("f/small.bin", small);
    for (let i = 0; i < 100; i++) await srv.writeFile(`d/file-${i}.txt`, "x".repeat(i));
    for (const name of args.values.engines.split(",")) {
      const results = new Map<string, { cpuUs: number[]; wallMs: number[] }>();
      for (let rep = 0; rep < reps; rep++) {
        const engine = await open(name, srv, mode);
        const kinds: [string, number, (i: number) => Promise<void>][] = [
          ["command (NOOP)", n, () => engine.noop()],
          ["MDTM, one at a time", n, () => engine.mdtm("/f/small.bin")],
          ["download 4 KiB", n, () => engine.download("/f/small.bin", `${local}/down.bin`)],
          ["upload 4 KiB", n, (i) => engine.upload(`${local}/small.bin`, `/up-${i % 50}.bin`)],
          ["listing, 100 files (LIST)", Math.ceil(n / 4), () => engine.list("/d")],
        ];
        const batch = engine.mdtmBatch;
        if (batch !== undefined) {
          const paths = Array.from({ length: 100 }, () => "/f/small.bin");
          kinds.splice(2, 0, ["MDTM, batches of 100", n / 100, () => batch(paths)]);
        }
        for (const [kind, count, op] of kinds) {
          const { cpuUs, wallMs } = await measure(count, op);
          const perOp = kind.includes("batches") ? 100 : 1;
          const entry = results.get(kind) ?? { cpuUs: [], wallMs: [] };
          entry.cpuUs.push(cpuUs / perOp);
          entry.wallMs.push(wallMs / perOp);
          results.set(kind, entry);
        }
        await engine.close();
      }
      for (const [kind, r] of results) {
        rows.push(
          `| ${mode} | ${name} | ${kind} | ${median(r.cpuUs).toFixed(0)} | ` +
            `${median(r.wallMs).toFixed(3)} |`,
        );
      }
    }
  }
  await Deno.remove(local, { recursive: true });
  const out = [
    `vsftpd, loopback, ${n} operations per kind, median of ${reps}; CPU of the client process`,
    "",
    "| mode | engine | operation | CPU us/op | wall ms/op |",
    "| --- | --- | --- | ---: | ---: |",
    ...rows,
  ];
  // deno-lint-ignore no-console -- a bench prints its table
  console.log(out.join("\n"));
}

async function open(name: string, srv: TestServer, mode: "plain" | "explicit"): Promise<Engine> {
  const options = {
    host: srv.host,
    port: srv.port,
    type: mode === "plain" ? "ftp" as const : "ftpes" as const,
    user: srv.user,
    password: srv.password,
    tlsVerify: true,
    tlsFingerprint: srv.certFingerprint,
    timeoutMs: 30_000,
  };
  return name === "own"
    ? ownEngine(await openSession(options))
    : basicFtpEngine(await connectRemoteFs(options));
}

if (import.meta.main) await run();
