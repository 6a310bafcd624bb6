/**
 * `deno task bench`: ftp-clone against lftp and rclone on vsftpd (loopback), with the data,
 * servers and latency proxy all made here. See bench/README.md.
 * @module
 */
import { fileURLToPath } from "node:url";
import { startServer, type TestServer } from "../tests/support/ftp_servers.ts";
import { makeContenders } from "./contenders.ts";
import { fewerFiles } from "./data.ts";
import { startDelayProxy } from "./delay_proxy.ts";
import type { Endpoint } from "./endpoint.ts";
import { print, progress } from "./log.ts";
import { type BenchOptions, parseOptions, PROFILE_OPS, USAGE } from "./options.ts";
import { type RunRecord, summarise } from "./report.ts";
import { renderMarkdown, type ResultsFile } from "./results_file.ts";
import { probeFtpClone, type RunnerContext, runProfile } from "./runner.ts";
import { ensureTools, machine, versions } from "./tools.ts";
import { measureWatch } from "./watch_latency.ts";
import { prepareWorkspace } from "./workspace.ts";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

function endpointOf(server: TestServer, port: number = server.port): Endpoint {
  return {
    host: "127.0.0.1",
    port,
    user: server.user,
    password: server.password,
    tls: server.mode !== "plain",
    fingerprint: server.certFingerprint,
  };
}

async function rcloneObscure(password: string): Promise<string> {
  const out = await new Deno.Command("rclone", { args: ["obscure", password], stdout: "piped" })
    .output();
  if (!out.success) throw new Error('Cannot run "rclone obscure"');
  return new TextDecoder().decode(out.stdout).trim();
}

/** Writes RESULTS.md and results.json (after every profile, so an interrupted run keeps some). */
type Save = (results: ResultsFile) => Promise<void>;

async function bench(options: BenchOptions, workDir: string, save: Save): Promise<ResultsFile> {
  const startedAt = new Date();
  const [machineInfo, versionInfo] = await Promise.all([machine(), versions(REPO_ROOT)]);
  const root = `${workDir}/root`;
  await Deno.mkdir(root, { recursive: true });
  const servers: TestServer[] = [];
  try {
    const needPlain = options.profiles.some((p) => p !== "ftps");
    const plain = needPlain
      ? await startServer({ kind: "vsftpd", mode: "plain", root })
      : undefined;
    const tls = options.profiles.includes("ftps")
      ? await startServer({ kind: "vsftpd", mode: "explicit", root })
      : undefined;
    servers.push(...[plain, tls].filter((s) => s !== undefined));
    progress(`vsftpd on 127.0.0.1:${servers.map((s) => `${s.port} (${s.mode})`).join(", ")}`);
    progress(`making data in ${workDir} (seed ${options.seed})`);
    // C changes are stamped an hour ago (a day's edits are recent: LIST shows minutes for them).
    const changedAt = Math.floor(Date.now() / 60_000) * 60 - 3600;
    // ftps and rtt20 cost 10-100x more per file than plain: they get smaller copies of S and X.
    const small = options.profiles.some((p) => p !== "plain") && options.profileScale < 1;
    const ws = await prepareWorkspace(workDir, {
      scale: options.scale,
      seed: options.seed,
      datasets: options.datasets.filter((d) => d !== "W"),
      root,
      changedAt,
      ...(small ? { smallScale: fewerFiles(options.scale, options.profileScale) } : {}),
    });
    const first = servers[0];
    if (first === undefined) throw new Error("Cannot run without a profile");
    const baseEnv = Object.fromEntries(
      Object.entries(Deno.env.toObject()).filter(([k]) =>
        !/^(FTP_CLONE_|RCLONE_|STATE_DIRECTORY$|JOURNAL_STREAM$)/.test(k)
      ),
    );
    const all = makeContenders({
      repoRoot: REPO_ROOT,
      baseEnv,
      toolHome: ws.home,
      rcloneObscuredPassword: await rcloneObscure(first.password),
    });
    const contenders = all.filter((c) => options.contenders.includes(c.name));
    const records: RunRecord[] = [];
    const ctx: RunnerContext = {
      ws,
      contenders,
      reps: options.reps,
      timeoutS: options.timeoutS,
      unavailable: {},
      records,
    };
    const ftpClone = contenders.find((c) => c.name === "ftp-clone");
    if (ftpClone !== undefined) {
      const why = await probeFtpClone(ctx, ftpClone, endpointOf(first));
      if (why !== undefined) {
        ctx.unavailable[ftpClone.name] = why;
        progress(`ftp-clone is not available: ${why}`);
      }
    }
    const results = (): ResultsFile => ({
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command: ["deno", "task", "bench", ...Deno.args].join(" "),
      quick: options.quick,
      scale: options.scale,
      reps: options.reps,
      rttMs: options.rttMs,
      profileScale: options.profileScale,
      machine: machineInfo,
      versions: versionInfo,
      unavailable: ctx.unavailable,
      rows: summarise(records, { unavailable: ctx.unavailable }),
      records,
    });
    for (const profile of options.profiles) {
      const ops = PROFILE_OPS[profile]
        .filter((o) => options.datasets.includes(o.dataset))
        .map((o) => ({
          ...o,
          dir: profile !== "plain" && small ? `${o.dataset}-small` : o.dataset,
        }));
      if (ops.length === 0) continue;
      const server = profile === "ftps" ? tls : plain;
      if (server === undefined) continue;
      if (profile === "rtt20") {
        await using proxy = await startDelayProxy({
          targetPort: server.port,
          oneWayMs: options.rttMs / 2,
          ftp: true,
        });
        progress(
          `delay proxy 127.0.0.1:${proxy.port} -> ${server.port}, ${options.rttMs} ms round trip`,
        );
        await runProfile(ctx, profile, { endpoint: endpointOf(server, proxy.port), ops });
      } else {
        await runProfile(ctx, profile, { endpoint: endpointOf(server), ops });
      }
      await save(results());
    }
    if (
      plain !== undefined && options.profiles.includes("plain") && options.datasets.includes("W") &&
      ftpClone !== undefined && ctx.unavailable[ftpClone.name] === undefined
    ) {
      progress("plain W: watch latency of ftp-clone service");
      const watch = await measureWatch(ws, {
        endpoint: endpointOf(plain),
        repoRoot: REPO_ROOT,
        env: baseEnv,
        changes: options.quick ? 3 : 10,
        timeoutS: 30,
      });
      for (const r of watch) {
        progress(
          `plain W change ${r.rep}: ${r.ok ? `${r.seconds.toFixed(2)} s` : `FAILED ${r.note}`}`,
        );
      }
      records.push(...watch);
    }
    return results();
  } finally {
    for (const s of servers) await s.stop();
  }
}

async function main(args: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(args);
  } catch (e) {
    print(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    print(USAGE);
    return 0;
  }
  await ensureTools();
  const workDir = options.workDir ?? (await Deno.makeTempDir({ prefix: "ftp-clone-bench-" }));
  const cleanup = () => {
    if (!options.keep) Deno.removeSync(workDir, { recursive: true });
  };
  const onSignal = () => {
    // Deno.exit runs the harness's unload handler, which kills the servers.
    progress("interrupted: stopping servers and removing the work dir");
    try {
      cleanup();
    } finally {
      Deno.exit(130);
    }
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const outDir = options.outDir ?? (options.quick ? `${workDir}-results` : `${REPO_ROOT}/bench`);
  const save: Save = async (results) => {
    await Deno.mkdir(outDir, { recursive: true });
    await Deno.writeTextFile(`${outDir}/RESULTS.md`, renderMarkdown(results));
    await Deno.writeTextFile(`${outDir}/results.json`, JSON.stringify(results, null, 2) + "\n");
  };
  try {
    const results = await bench(options, workDir, save);
    await save(results);
    print(renderMarkdown(results));
    progress(`wrote ${outDir}/RESULTS.md and ${outDir}/results.json`);
    return 0;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    cleanup();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
