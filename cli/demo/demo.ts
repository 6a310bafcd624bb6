/**
 * `ftp-clone demo`: the embedded FTP server on loopback, a temporary local folder and server
 * folder, a parametre.ini for them, and the real service loop in the foreground. A short scenario
 * makes a file flow each way and a conflict, and says after each pass what happened; then the
 * service keeps running until Ctrl-C, which stops it and removes the temporary folder.
 * @module
 */
import { join } from "node:path";
import { loadConfig } from "../../config/mod.ts";
import {
  createNotifier,
  type PassOutcome,
  processSignals,
  runPass,
  runService,
  type ServiceConfigLoad,
  type ServiceSignals,
} from "../../sync/mod.ts";
import type { Output } from "../output.ts";
import { SectionRuntime } from "../section_runtime.ts";
import { describePass } from "./demo_narration.ts";
import { PassTracker } from "./demo_pass_tracker.ts";
import { type DemoLayout, makeDemoFolders, randomHex, writeDemoIni } from "./demo_setup.ts";
import { startFtpServer } from "./ftp_server.ts";

/** Options of {@linkcode runDemo}. */
export interface DemoOptions {
  output: Output;
  /** Keep the temporary folder after the demo. */
  keep: boolean;
  /** Stop once the scenario is done instead of running until Ctrl-C (for tests). */
  exitAfterScenario: boolean;
  /** Where the temporary folder is made. @default {the system's temporary directory} */
  tempParent?: string;
  /** The stop trigger. @default {SIGINT and SIGTERM} */
  signals?: Pick<ServiceSignals, "onStop">;
  /** ServiceWait of the demo, minutes. @default {0.05} (3 s) */
  waitMinutes?: number;
  /** Most time the scenario waits for each expected pass, ms. @default {60000} */
  stepTimeoutMs?: number;
}

const DEMO_USER = "demo";
const NOTES = "notes.txt";
const FROM_LOCAL = "hello-from-local.txt";
const FROM_SERVER = "hello-from-server.txt";

/** The scenario cannot go on: an expected pass did not come, or the service ended. */
class StepFailed extends Error {}

/** Loads the demo's ini through the real loader (the password is decrypted with secret.key). */
async function loadDemoConfig(iniPath: string): Promise<ServiceConfigLoad> {
  const load = await loadConfig(iniPath, { env: {} });
  if (load.ok) return { ok: true, config: load.config, warnings: [], skipped: [], leftOut: [] };
  return { ok: false, errors: load.errors.map((e) => `${e.file}:${e.line}: ${e.message}`) };
}

/**
 * Writes a file as an editor or an FTP upload that ends with a rename would: in the demo folder
 * (outside both synced folders), then renamed into place, so that no pass lists it half-written.
 */
async function writeAtomically(layout: DemoLayout, path: string, text: string): Promise<void> {
  const scratch = join(layout.dir, `.writing-${randomHex(4)}`);
  await Deno.writeTextFile(scratch, text);
  await Deno.rename(scratch, path);
}

function hasAction(type: string, path: string): (outcome: PassOutcome) => boolean {
  return (outcome) => outcome.plan.actions.some((a) => a.type === type && a.path === path);
}

/** The scenario; rejects with StepFailed when a pass does not come or the demo is stopped. */
async function scenario(
  layout: DemoLayout,
  tracker: PassTracker,
  out: Output,
  options: { signal: AbortSignal; stepTimeoutMs: number; firstPass: Promise<PassOutcome> },
): Promise<void> {
  const step = async (what: string, wait: Promise<PassOutcome>): Promise<void> => {
    try {
      await wait;
    } catch (error) {
      // Stopped: by the user (rethrown as is), or because the service ended (StepFailed).
      if (options.signal.aborted) throw options.signal.reason ?? error;
      throw new StepFailed(`The demo did not see ${what} within ${options.stepTimeoutMs / 1000} s`);
    }
  };
  const waitFor = (test: (outcome: PassOutcome) => boolean) => {
    const timeout = AbortSignal.timeout(options.stepTimeoutMs);
    const wait = tracker.waitFor(test, AbortSignal.any([options.signal, timeout]));
    // Awaited by step() once the change is made; a stop may reject it before that.
    wait.catch(() => {});
    return wait;
  };

  out.line(`Step 1: the first pass. The server holds ${NOTES}; the local folder is empty.`);
  await step(`the first pass download ${NOTES}`, options.firstPass);

  out.line("");
  out.line(`Step 2: creating ${FROM_LOCAL} in the local folder.`);
  const uploaded = waitFor(hasAction("upload", FROM_LOCAL));
  await writeAtomically(
    layout,
    join(layout.localDir, FROM_LOCAL),
    "Written in the local folder.\n",
  );
  await step(`the upload of ${FROM_LOCAL}`, uploaded);

  out.line("");
  out.line(`Step 3: creating ${FROM_SERVER} on the server (as another FTP user would).`);
  const downloaded = waitFor(hasAction("download", FROM_SERVER));
  await writeAtomically(layout, join(layout.remoteDir, FROM_SERVER), "Written on the server.\n");
  await step(`the download of ${FROM_SERVER}`, downloaded);

  out.line("");
  out.line(`Step 4: editing ${NOTES} on the server, then a second later locally, between passes.`);
  await tracker.closeGate();
  const conflict = waitFor(hasAction("keepBoth", NOTES));
  try {
    await writeAtomically(
      layout,
      join(layout.remoteDir, NOTES),
      "Notes, as edited on the server.\n",
    );
    // A second apart: listings carry whole seconds, and the newer version keeps the name.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await writeAtomically(layout, join(layout.localDir, NOTES), "Notes, as edited locally.\n");
  } finally {
    tracker.openGate();
  }
  await step(`the conflict on ${NOTES}`, conflict);
}

/** Runs the demo; see the module doc. Returns the exit code (0 ok, 1 the scenario failed). */
export async function runDemo(options: DemoOptions): Promise<number> {
  const out = options.output;
  const waitMinutes = options.waitMinutes ?? 0.05;
  const layout = await makeDemoFolders(options.tempParent);
  const stop = new AbortController();
  const signals = options.signals ?? processSignals();
  const offStop = signals.onStop(() => {
    if (stop.signal.aborted) return;
    out.line("");
    out.line("Stopping: the running pass ends at a safe point...");
    stop.abort(new Error("Stopped"));
  });
  let server: Awaited<ReturnType<typeof startFtpServer>> | undefined;
  try {
    const password = randomHex(16);
    await Deno.writeTextFile(join(layout.remoteDir, NOTES), "Notes, first version.\n");
    server = await startFtpServer({ root: layout.remoteDir, user: DEMO_USER, password });
    await writeDemoIni(layout, {
      port: server.port,
      user: DEMO_USER,
      plainPassword: password,
      identifier: randomHex(20),
      waitMinutes,
    });
    introduce(out, layout, server.port, waitMinutes);

    const tracker = new PassTracker({
      onPass: (outcome, n) => {
        for (const line of describePass(outcome, n)) out.line(line);
      },
    });
    const stepTimeoutMs = options.stepTimeoutMs ?? 60_000;
    const firstPass = tracker.waitFor(
      hasAction("download", NOTES),
      AbortSignal.any([stop.signal, AbortSignal.timeout(stepTimeoutMs)]),
    );
    firstPass.catch(() => {}); // awaited by the scenario; may reject before it gets there
    const runtime = new SectionRuntime({ configPath: layout.iniPath, stateDir: layout.stateDir });
    const service = runService({
      loadConfig: () => loadDemoConfig(layout.iniPath),
      makePool: (section) => runtime.makePool(section),
      identifierOf: (section) => runtime.identifierOf(section),
      notifier: createNotifier({ env: {} }),
      signals: {
        onStop: (listener) => {
          stop.signal.addEventListener("abort", listener, { once: true });
          return () => stop.signal.removeEventListener("abort", listener);
        },
        onReload: () => () => {},
      },
      runPass: tracker.wrap(runPass),
    }).then((code) => {
      // The service ends only after a stop; ending on its own (a configuration it cannot load)
      // ends the scenario too.
      if (!stop.signal.aborted) {
        stop.abort(new StepFailed(`The service stopped (exit code ${code})`));
      }
      return code;
    }, (error) => {
      if (!stop.signal.aborted) stop.abort(new StepFailed(`The service failed: ${error}`));
      return 1;
    });

    let code = 0;
    try {
      await scenario(layout, tracker, out, { signal: stop.signal, stepTimeoutMs, firstPass });
      out.line("");
      out.ok(
        "The demo scenario is done: files went both ways, and the conflict kept both versions",
      );
      await showFolders(out, layout);
      whereToLook(out, layout);
      if (options.exitAfterScenario) stop.abort(new Error("Scenario done"));
      else {
        out.line("");
        out.line("The service keeps running: add, edit or delete files in either folder and");
        out.line("watch the passes. Press Ctrl-C to stop.");
      }
    } catch (error) {
      const stoppedByUser = stop.signal.aborted && !(stop.signal.reason instanceof StepFailed);
      stop.abort(error); // a no-op when already stopped
      if (error instanceof StepFailed) {
        out.error(error.message);
        code = 1;
      } else if (!stoppedByUser) {
        await service; // an unexpected failure: stop the service before reporting it
        throw error;
      }
    }
    const serviceCode = await service;
    return code !== 0 ? code : serviceCode === 0 ? 0 : 1;
  } finally {
    offStop();
    await server?.close();
    if (options.keep) {
      out.line(`Kept the demo folder: ${layout.dir}`);
    } else {
      await Deno.remove(layout.dir, { recursive: true });
      out.line(`Removed the demo folder ${layout.dir}`);
    }
  }
}

function introduce(out: Output, layout: DemoLayout, port: number, waitMinutes: number): void {
  out.line("ftp-clone demo: two-way synchronisation between a local folder and an FTP server,");
  out.line("both on this machine, in a temporary folder.");
  out.line("");
  out.line(`  local folder (Local_dir)  ${layout.localDir}`);
  out.line(`  server folder             ${layout.remoteDir}`);
  out.line(`    served by the embedded FTP server at ftp://${DEMO_USER}@127.0.0.1:${port}/`);
  out.line(`  configuration             ${layout.iniPath}`);
  out.line(`  state (baseline, trash)   ${layout.stateDir}`);
  out.line("");
  out.line(
    `The service runs in the foreground: a pass every ${
      Math.round(waitMinutes * 60)
    } s (ServiceWait), and a`,
  );
  out.line("few seconds after a local change (Watch = yes).");
  out.line("");
}

/** The files under `dir`, relative, "/"-separated, sorted (directories are walked). */
async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(join(dir, prefix))) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) names.push(...await filesUnder(dir, path));
    else names.push(path);
  }
  return names.sort();
}

async function showFolders(out: Output, layout: DemoLayout): Promise<void> {
  const local = new Set(await filesUnder(layout.localDir));
  const remote = new Set(await filesUnder(layout.remoteDir));
  const all = [...new Set([...local, ...remote])].sort();
  const width = Math.max(4, ...all.map((name) => name.length));
  out.line("");
  out.line("The two folders now hold:");
  out.line(`  ${"file".padEnd(width)}  local  server`);
  for (const name of all) {
    const here = (set: Set<string>) => set.has(name) ? "yes" : "-";
    out.line(`  ${name.padEnd(width)}  ${here(local).padEnd(5)}  ${here(remote)}`);
  }
}

function whereToLook(out: Output, layout: DemoLayout): void {
  out.line("");
  out.line("Where to look:");
  out.line(`  ls -l ${layout.localDir} ${layout.remoteDir}`);
  out.line(`  cat ${layout.iniPath}`);
  out.line(`  ls ${layout.stateDir}    (the baseline and the trash of the section)`);
}
