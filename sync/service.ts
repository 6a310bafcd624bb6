/**
 * The service (`ftp-clone service`, what the systemd unit runs): one {@linkcode SectionWorker}
 * per section, a semaphore of ConcurrentSynchronisations, and the process-level triggers:
 * - SIGTERM / SIGINT: STOPPING=1, start nothing new, abort running passes at a safe point (the
 *   pass saves its state), resolve 0; a pass that does not end within the grace period is left to
 *   the process exit (only temporary files can be half-written).
 * - SIGHUP: RELOADING=1, reload parametre.ini through the injected loader; a file with errors is
 *   refused (errors logged) and the running configuration stays; then READY=1.
 * - sd_notify: READY=1 once the configuration is loaded, STATUS= with the last passes, WATCHDOG=1
 *   when systemd asks for it (`WatchdogSec=`), from the main loop and only while the service is
 *   healthy: the event loop runs (a blocked loop cannot ping), no reload has hung, every
 *   section's loop is alive, and the service is not stopping. A hung pass is not its business:
 *   the FTP layer's timeouts end it, and a long transfer is not a hang.
 * - after each pass, MetricsFile (when set) is rewritten from the report store.
 * Effects come in through {@linkcode ServiceDeps}, so the loop is tested with fakes.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Config, SectionConfig } from "../config/mod.ts";
import { type Clock, systemClock, type TimerId } from "./clock.ts";
import type { RemoteFsPool } from "./ftp/mod.ts";
import { type PassOptions, type PassOutcome, runPass } from "./pass.ts";
import { createNotifier, type Notifier } from "./sd_notify.ts";
import { Semaphore } from "./semaphore.ts";
import { type PassMarks, SectionWorker, type SectionWorkerOptions } from "./section_worker.ts";
import { purgeTrash } from "./trash.ts";
import { updateMetricsFile } from "./metrics_file.ts";

/** What the loader found: a configuration, or the file's errors (formatted, one per line). */
export type ServiceConfigLoad =
  | {
    ok: true;
    config: Config;
    /** Formatted warnings (unknown keys...). */
    warnings: string[];
    /** Formatted errors of sections left out because they are misconfigured. */
    skipped: string[];
    /** The names of those sections. */
    leftOut: string[];
  }
  | { ok: false; errors: string[] };

/** What became of a reload: told to {@linkcode ServiceDeps.onReloaded}. */
export interface ReloadAnswer {
  ok: boolean;
  /** Formatted errors when refused. */
  errors: string[];
  /** Sections running after the reload. */
  sections: number;
}

/** The process signals the service reacts to; `on*` return a function that unregisters. */
export interface ServiceSignals {
  onStop(listener: () => void): () => void;
  onReload(listener: () => void): () => void;
}

/** Everything the service touches, injected. */
export interface ServiceDeps {
  /**
   * Loads and validates parametre.ini, at start and on every SIGHUP. At start a loader may leave
   * misconfigured sections out (the service must not die of one bad section); on a reload any
   * error should refuse the file, since a running configuration exists.
   */
  loadConfig: (when: "start" | "reload") => Promise<ServiceConfigLoad>;
  /** A connection pool for one pass of a section (closed after the pass). */
  makePool: (section: SectionConfig) => RemoteFsPool;
  /** The section's Identifier, written into parametre.ini first when it is missing. */
  identifierOf: (section: SectionConfig) => Promise<string>;
  /** @default {createNotifier()} */
  notifier?: Notifier;
  /** @default {the process's SIGTERM, SIGINT and SIGHUP} */
  signals?: ServiceSignals;
  /** @default {runPass} */
  runPass?: (options: PassOptions) => Promise<PassOutcome>;
  /** Most ms to wait for running passes after a stop. @default {8000} */
  stopGraceMs?: number;
  /** Worker tuning (progress lines, purge period, watch batching). */
  worker?: Pick<SectionWorkerOptions, "progressIntervalMs" | "purgeIntervalMs" | "debounce">;
  /** The passes' times, the timers, the watchdog and the stop's grace run on it. @default {systemClock} */
  clock?: Clock;
  /** Told where each pass starts and ends (the repeated-error gate of the log). */
  marks?: PassMarks;
  /** Told the outcome of each reload (`ftp-clone reload --pid` waits for it). */
  onReloaded?: (answer: ReloadAnswer) => void;
  /** A reload taking longer than this many ms stops the watchdog pings. @default {120000} */
  reloadStuckMs?: number;
}

/** Exit code of the service: 0 after a stop, 2 when the configuration cannot be loaded at start. */
export type ServiceExitCode = 0 | 2;

/** SIGTERM and SIGINT stop, SIGHUP reloads. */
export function processSignals(): ServiceSignals {
  const on = (signals: Deno.Signal[], listener: () => void): () => void => {
    for (const signal of signals) Deno.addSignalListener(signal, listener);
    return () => {
      for (const signal of signals) Deno.removeSignalListener(signal, listener);
    };
  };
  return {
    onStop: (listener) => on(["SIGTERM", "SIGINT"], listener),
    onReload: (listener) => on(["SIGHUP"], listener),
  };
}

/** CLOCK_MONOTONIC-like µs for RELOADING=1 (from /proc/uptime; systemd 252 does not check it). */
function monotonicUsec(): string {
  try {
    const seconds = Number(Deno.readTextFileSync("/proc/uptime").split(" ")[0]);
    if (Number.isFinite(seconds)) return String(Math.round(seconds * 1e6));
  } catch {
    // no /proc: fall through
  }
  return String(Math.round(performance.now() * 1000));
}

/** One line per section for STATUS=: `FTP1 ok 12:00:03 (1 up, 2 down)`. */
function statusLine(outcomes: Map<string, string>, sectionCount: number): string {
  if (outcomes.size === 0) return `Running ${sectionCount} section(s), first passes under way`;
  return [...outcomes.values()].join("; ");
}

function outcomeSummary(
  section: SectionConfig,
  outcome: PassOutcome | Error,
  nowMs: number,
): string {
  const time = new Date(nowMs).toISOString().slice(11, 19);
  if (outcome instanceof Error) return `${section.name} failed ${time}`;
  const r = outcome.report;
  return `${section.name} ${r.outcome} ${time} (${r.uploaded} up, ${r.downloaded} down, ` +
    `${r.deletedLocal + r.deletedRemote} deleted, ${r.errors.length} errors)`;
}

/** Runs the service until SIGTERM/SIGINT; see the module doc. */
export async function runService(deps: ServiceDeps): Promise<ServiceExitCode> {
  const log = getLogger(["ftp-clone", "service"]);
  const notifier = deps.notifier ?? createNotifier({
    onError: (error) => log.warn("Cannot notify systemd: {error}", { error: error.message }),
  });
  const signals = deps.signals ?? processSignals();
  const pass = deps.runPass ?? runPass;
  const clock = deps.clock ?? systemClock;
  const controller = new AbortController();
  const stopped = new Promise<void>((resolve) =>
    controller.signal.addEventListener("abort", () => resolve(), { once: true })
  );
  // Listen before loading: a stop during start-up must not kill the process mid-write.
  const offStop = signals.onStop(() => {
    if (controller.signal.aborted) return;
    log.info("Stopping: no new pass starts, running passes end at a safe point");
    void notifier.notify({ STOPPING: "1", STATUS: "Stopping" });
    controller.abort(new Error("The service is stopping"));
  });
  let reloadQueue = Promise.resolve();
  let offReload = (): void => {};

  try {
    const first = await deps.loadConfig("start");
    if (!first.ok) {
      for (const error of first.errors) log.error("{error}", { error });
      log.error("The configuration has errors: the service cannot start");
      return 2;
    }
    let config = first.config;
    let leftOut = first.leftOut.length;
    logLoad(first);
    const semaphore = new Semaphore(config.service.concurrentSynchronisations);
    const workers = new Map<
      string,
      { worker: SectionWorker; done: Promise<void>; failure?: string }
    >();
    const outcomes = new Map<string, string>();
    let metricsError: string | undefined;
    const identifiers = new Map<string, string>();
    const writeMetrics = (): void => {
      const path = config.service.metricsFile;
      if (path === undefined) return;
      try {
        // A section's first pass writes its Identifier: the loaded config may not have it yet.
        const sections = config.sections.map((s) => ({
          name: s.name,
          identifier: identifiers.get(s.name.toUpperCase()) ?? s.identifier,
        }));
        updateMetricsFile(path, config.service.stateDirectory, sections, leftOut);
        if (metricsError !== undefined) log.info("MetricsFile {path} is written again", { path });
        metricsError = undefined;
      } catch (error) {
        const message = (error as Error).message;
        // Said once, not after every pass.
        if (message !== metricsError) log.warn("{error}", { error: message });
        metricsError = message;
      }
    };

    const sectionPass: SectionWorkerOptions["pass"] = async (section, request) => {
      const identifier = await deps.identifierOf(section);
      identifiers.set(section.name.toUpperCase(), identifier);
      const pool = deps.makePool(section);
      try {
        return await pass({
          section,
          stateDir: config.service.stateDirectory,
          binDirectory: config.service.binDirectory,
          dryRun: false,
          now: new Date(clock.now()),
          pool,
          identifier,
          signal: request.signal,
          onProgress: request.onProgress,
        });
      } finally {
        await pool.close();
      }
    };
    const purge = (section: SectionConfig): Promise<void> => {
      // A section without an Identifier never passed, so it has no trash.
      if (section.identifier !== undefined) {
        purgeTrash(config.service.stateDirectory, section.identifier, {
          keepDays: section.keepDeletedDays,
          now: new Date(clock.now()),
        });
      }
      return Promise.resolve();
    };
    const startWorker = (section: SectionConfig): void => {
      const worker = new SectionWorker({
        ...deps.worker,
        section,
        waitMinutes: config.service.serviceWaitMinutes,
        watch: config.service.watch,
        pass: sectionPass,
        purge,
        semaphore,
        clock,
        signal: controller.signal,
        ...(deps.marks === undefined ? {} : { marks: deps.marks }),
        onOutcome: (s, outcome) => {
          outcomes.set(s.name.toUpperCase(), outcomeSummary(s, outcome, clock.now()));
          void notifier.notify({ STATUS: statusLine(outcomes, workers.size) });
          writeMetrics();
        },
      });
      const entry: { worker: SectionWorker; done: Promise<void>; failure?: string } = {
        worker,
        done: Promise.resolve(),
      };
      // A loop that dies of a bug stops the watchdog pings: systemd restarts the service.
      entry.done = worker.run().catch((error) => {
        entry.failure = (error as Error).message;
        log.error("The loop of section {section} stopped: {error}", {
          section: section.name,
          error: entry.failure,
        });
      });
      workers.set(section.name.toUpperCase(), entry);
    };
    const apply = (next: Config, nextLeftOut: number): void => {
      config = next;
      leftOut = nextLeftOut;
      semaphore.setLimit(next.service.concurrentSynchronisations);
      const names = new Set(next.sections.map((s) => s.name.toUpperCase()));
      for (const [name, entry] of workers) {
        if (names.has(name)) continue;
        log.info("Section {section} was removed from the configuration", { section: name });
        workers.delete(name);
        outcomes.delete(name);
        void entry.worker.stop();
      }
      for (const section of next.sections) {
        const entry = workers.get(section.name.toUpperCase());
        if (entry === undefined) startWorker(section);
        else {
          entry.worker.update(section, {
            waitMinutes: next.service.serviceWaitMinutes,
            watch: next.service.watch,
          });
        }
      }
    };
    let reloadStartedMs: number | undefined;
    const reload = async (): Promise<void> => {
      if (controller.signal.aborted) return;
      reloadStartedMs = clock.now();
      await notifier.notify({ RELOADING: "1", MONOTONIC_USEC: monotonicUsec() });
      log.info("Reloading the configuration");
      let load: ServiceConfigLoad;
      try {
        load = await deps.loadConfig("reload");
      } catch (error) {
        load = { ok: false, errors: [(error as Error).message] };
      }
      if (load.ok) {
        logLoad(load);
        apply(load.config, load.leftOut.length);
        log.info("Configuration reloaded: {count} section(s), ServiceWait {wait} min", {
          count: load.config.sections.length,
          wait: load.config.service.serviceWaitMinutes,
        });
        writeMetrics();
      } else {
        for (const error of load.errors) log.error("{error}", { error });
        log.error("The new configuration has errors and was refused; the running one stays");
      }
      deps.onReloaded?.({
        ok: load.ok,
        errors: load.ok ? [] : load.errors,
        sections: config.sections.length,
      });
      reloadStartedMs = undefined;
      await notifier.notify({ READY: "1", STATUS: statusLine(outcomes, workers.size) });
    };
    /** Why the watchdog must not be told that all is well, or undefined when it may. */
    const unhealthy = (): string | undefined => {
      if (controller.signal.aborted) return "the service is stopping";
      const reloadMs = reloadStartedMs === undefined ? 0 : clock.now() - reloadStartedMs;
      const stuckMs = deps.reloadStuckMs ?? 120_000;
      // The same words at every tick: the line is logged once, not at each withheld ping.
      if (reloadMs > stuckMs) return `a reload has been running for over ${stuckMs / 1000} s`;
      for (const [name, entry] of workers) {
        if (entry.failure !== undefined) return `the loop of section ${name} stopped`;
      }
      return undefined;
    };
    offReload = signals.onReload(() => {
      reloadQueue = reloadQueue.then(reload, reload);
    });

    if (controller.signal.aborted) return 0;
    for (const section of config.sections) startWorker(section);
    log.info(
      "Service started: {count} section(s), a pass every {wait} min, watch {watch}, " +
        "{concurrent} at once",
      {
        count: config.sections.length,
        wait: config.service.serviceWaitMinutes,
        watch: config.service.watch ? "on" : "off",
        concurrent: config.service.concurrentSynchronisations,
      },
    );
    writeMetrics();
    await notifier.notify({ READY: "1", STATUS: statusLine(outcomes, workers.size) });
    const watchdogMs = notifier.watchdogIntervalMs;
    let withheld: string | undefined;
    const watchdog = watchdogMs === undefined ? undefined : clock.setInterval(() => {
      const why = unhealthy();
      if (why === undefined) {
        void notifier.notify({ WATCHDOG: "1" });
      } else if (why !== withheld && !controller.signal.aborted) {
        log.error("Not pinging systemd's watchdog: {why}; systemd will restart the service", {
          why,
        });
      }
      withheld = why;
    }, watchdogMs);
    try {
      await stopped;
      // A reload in progress finishes first (within the same grace as the passes).
      const all = reloadQueue.catch(() => {}).then(() =>
        Promise.all([...workers.values()].map((entry) => entry.done))
      );
      let timer: TimerId | undefined;
      const graceMs = deps.stopGraceMs ?? 8000;
      const timedOut = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((resolve) => timer = clock.setTimeout(() => resolve(true), graceMs)),
      ]);
      clock.clearTimeout(timer);
      if (timedOut) {
        log.warn("A pass did not end within {seconds} s of the stop; exiting anyway", {
          seconds: graceMs / 1000,
        });
      } else {
        log.info("Service stopped");
      }
      return 0;
    } finally {
      clock.clearInterval(watchdog);
    }
  } finally {
    offStop();
    offReload();
    notifier.close();
  }

  function logLoad(load: Extract<ServiceConfigLoad, { ok: true }>): void {
    for (const warning of load.warnings) log.warn("{warning}", { warning });
    for (const error of load.skipped) log.error("{error}", { error });
  }
}
