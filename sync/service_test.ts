import assert from "node:assert/strict";
import { configureSync, type LogRecord, resetSync } from "@logtape/logtape";
import type { Config, SectionConfig } from "../config/mod.ts";
import type { RemoteFsPool } from "./ftp/mod.ts";
import type { PassOptions, PassOutcome } from "./pass.ts";
import type { Notifier } from "./sd_notify.ts";
import { runService, type ServiceConfigLoad, type ServiceSignals } from "./service.ts";
import { FakeClock } from "../tests/support/fake_clock.ts";
import { testSection } from "../tests/support/section_config.ts";

const MINUTE_MS = 60_000;

/** Whether `promise` has settled (after the callbacks already due ran). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(() => done = true, () => done = true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
}

function section(name: string, localDir = `/nonexistent/${name}`): SectionConfig {
  return testSection({
    name,
    concurrentConnections: 1,
    remoteDir: "/",
    localDir,
    identifier: `${name}id`,
  });
}

function config(sections: SectionConfig[], waitMinutes: number, concurrent = 4): Config {
  return {
    path: "/x/parametre.ini",
    service: {
      serviceWaitMinutes: waitMinutes,
      concurrentSynchronisations: concurrent,
      binDirectory: "/bin",
      stateDirectory: "/nonexistent/state",
      logLevel: "debug",
      watch: false,
    },
    sections,
    warnings: [],
  };
}

function ok(c: Config): ServiceConfigLoad {
  return { ok: true, config: c, warnings: [], skipped: [], leftOut: [] };
}

/** Fake process signals, fired by the test. */
function fakeSignals() {
  const stop: Array<() => void> = [];
  const reload: Array<() => void> = [];
  const signals: ServiceSignals = {
    onStop: (l) => (stop.push(l), () => stop.splice(stop.indexOf(l), 1)),
    onReload: (l) => (reload.push(l), () => reload.splice(reload.indexOf(l), 1)),
  };
  return {
    signals,
    stop: () => stop.forEach((l) => l()),
    reload: () => reload.forEach((l) => l()),
    listeners: () => stop.length + reload.length,
  };
}

/** systemd asks for a ping every 10 s (WatchdogSec=20). */
function fakeNotifier(): Notifier & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    enabled: true,
    watchdogIntervalMs: 10_000,
    notify: (fields) => {
      sent.push(Object.keys(fields).join("+"));
      return Promise.resolve();
    },
    close: () => {},
  };
}

function outcome(options: PassOptions, result: "ok" | "failed" | "aborted"): PassOutcome {
  return {
    report: {
      section: options.section.name,
      identifier: options.identifier,
      startedAt: options.now.toISOString(),
      finishedAt: options.now.toISOString(),
      outcome: result,
      uploaded: 0,
      downloaded: 0,
      deletedLocal: 0,
      deletedRemote: 0,
      conflicts: 0,
      bytes: 0,
      errors: result === "failed" ? ["Section: connection refused"] : [],
    },
    plan: { actions: [], deletes: { local: 0, remote: 0 }, conflicts: 0 },
  };
}

const pool: RemoteFsPool = {
  size: 1,
  use: () => Promise.reject(new Error("no")),
  close: () => Promise.resolve(),
};

function captureLogs(): { records: LogRecord[]; lines: () => string[] } {
  const records: LogRecord[] = [];
  configureSync({
    reset: true,
    sinks: { mem: (r) => records.push(r) },
    loggers: [
      { category: ["ftp-clone"], sinks: ["mem"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: ["mem"], lowestLevel: "warning" },
    ],
  });
  return {
    records,
    lines: () =>
      records.map((r) => `${r.level} ${r.message.map((p, i) => i % 2 ? String(p) : p).join("")}`),
  };
}

Deno.test("service: READY, passes on the timer, ConcurrentSynchronisations, stop", async () => {
  const logs = captureLogs();
  const clock = new FakeClock();
  const t0 = clock.now();
  const sig = fakeSignals();
  const notifier = fakeNotifier();
  const starts: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const service = runService({
    loadConfig: () => Promise.resolve(ok(config([section("FTP1"), section("FTP2")], 1, 1))),
    makePool: () => pool,
    identifierOf: (s) => Promise.resolve(`${s.name}id`),
    notifier,
    signals: sig.signals,
    clock,
    runPass: async (options) => {
      assert.equal(options.now.getTime(), clock.now(), "the pass's now is the clock's");
      starts.push(`${options.section.name} ${(clock.now() - t0) / 1000}`);
      running++;
      maxRunning = Math.max(maxRunning, running);
      await clock.sleep(10_000);
      running--;
      return outcome(options, "ok");
    },
  });
  await clock.advance(3 * MINUTE_MS - 1);
  sig.stop();
  assert.ok(await settled(service), "the stop needs no timer when no pass runs");
  assert.equal(await service, 0);
  assert.equal(maxRunning, 1, "at most ConcurrentSynchronisations=1 pass at once");
  // ServiceWait (1 min) counts from the start of the previous pass; FTP2 waited for the slot.
  assert.deepEqual(starts, ["FTP1 0", "FTP2 10", "FTP1 60", "FTP2 70", "FTP1 120", "FTP2 130"]);
  assert.equal(notifier.sent[0], "READY+STATUS");
  assert.ok(notifier.sent.includes("WATCHDOG"));
  assert.ok(notifier.sent.includes("STOPPING+STATUS"));
  assert.equal(sig.listeners(), 0, "signal listeners removed");
  assert.ok(logs.lines().some((l) => l.startsWith("info Service started: 2 section(s)")));
  resetSync();
});

Deno.test("service: stop aborts a running pass and resolves 0 at once", async () => {
  captureLogs();
  const clock = new FakeClock();
  const sig = fakeSignals();
  let aborted = false;
  let started = false;
  const service = runService({
    loadConfig: () => Promise.resolve(ok(config([section("FTP1")], 10))),
    makePool: () => pool,
    identifierOf: () => Promise.resolve("id"),
    notifier: fakeNotifier(),
    signals: sig.signals,
    clock,
    runPass: (options) =>
      new Promise((resolve) => {
        started = true;
        options.signal!.addEventListener("abort", () => {
          aborted = true;
          resolve(outcome(options, "aborted"));
        });
      }),
  });
  await clock.advance(0);
  assert.ok(started);
  sig.stop();
  assert.ok(await settled(service), "resolved without waiting for the grace period");
  assert.equal(await service, 0);
  assert.ok(aborted);
  resetSync();
});

Deno.test("service: a pass that ignores the stop is given up after the grace period", async () => {
  const logs = captureLogs();
  const clock = new FakeClock();
  const sig = fakeSignals();
  const service = runService({
    loadConfig: () => Promise.resolve(ok(config([section("FTP1")], 10))),
    makePool: () => pool,
    identifierOf: () => Promise.resolve("id"),
    notifier: fakeNotifier(),
    signals: sig.signals,
    clock,
    runPass: async (options) => {
      await clock.sleep(MINUTE_MS);
      return outcome(options, "ok");
    },
  });
  await clock.advance(1000);
  sig.stop();
  // The grace is 8 s (the default) and the pass would take a minute.
  await clock.advance(7999);
  assert.equal(await settled(service), false, "still within the grace");
  await clock.advance(1);
  assert.ok(await settled(service), "given up when the grace ended");
  assert.equal(await service, 0);
  assert.ok(
    logs.lines().includes("warning A pass did not end within 8 s of the stop; exiting anyway"),
  );
  await clock.advance(MINUTE_MS); // let the fake pass end
  resetSync();
});

Deno.test("service: a failing section says so once, is retried, and says when it recovered", async () => {
  const logs = captureLogs();
  const clock = new FakeClock();
  const sig = fakeSignals();
  let calls = 0;
  const marks: string[] = [];
  const service = runService({
    clock,
    loadConfig: () => Promise.resolve(ok(config([section("FTP1")], 1))),
    makePool: () => pool,
    identifierOf: () => Promise.resolve("id"),
    notifier: fakeNotifier(),
    signals: sig.signals,
    marks: {
      passStarted: (name) => marks.push(`start ${name}`),
      passEnded: (name) => marks.push(`end ${name}`),
    },
    runPass: (options) => {
      calls++;
      if (calls === 1) return Promise.reject(new Error("boom"));
      return Promise.resolve(outcome(options, calls <= 3 ? "failed" : "ok"));
    },
  });
  // Passes at 0 (throws), 1 and 2 min (fail), 3 min (ok), each retried at the next tick.
  await clock.advance(3 * MINUTE_MS);
  sig.stop();
  assert.equal(await service, 0);
  assert.equal(calls, 4);
  // The thrown error is logged (nothing else did); a failed pass's errors were logged by the
  // pass itself, and are not repeated here (issue 14: every failure was logged twice).
  const lines = logs.lines();
  assert.deepEqual(lines.filter((l) => l.startsWith("error")), [
    "error Pass of section FTP1 failed: boom",
  ]);
  assert.equal(lines.filter((l) => / is failing: it is retried every /.test(l)).length, 1);
  assert.equal(
    lines.filter((l) =>
      /^info Section FTP1 recovered: pass ok after 3 failed pass\(es\) since /.test(l)
    )
      .length,
    1,
    lines.join("\n"),
  );
  assert.deepEqual(marks.slice(0, 4), ["start FTP1", "end FTP1", "start FTP1", "end FTP1"]);
  resetSync();
});

Deno.test("service: the watchdog is pinged only while the service is healthy", async () => {
  const logs = captureLogs();
  const clock = new FakeClock();
  const sig = fakeSignals();
  const notifier = fakeNotifier();
  let reloads = 0;
  const service = runService({
    clock,
    loadConfig: (when) => {
      if (when === "start") return Promise.resolve(ok(config([section("FTP1")], 10)));
      reloads++;
      return new Promise(() => {}); // a reload that hangs
    },
    makePool: () => pool,
    identifierOf: () => Promise.resolve("id"),
    notifier,
    signals: sig.signals,
    reloadStuckMs: MINUTE_MS,
    runPass: (options) => Promise.resolve(outcome(options, "ok")),
  });
  const pings = () => notifier.sent.filter((s) => s === "WATCHDOG").length;
  await clock.advance(30_000);
  assert.equal(pings(), 3, "a ping every 10 s while healthy");
  sig.reload();
  // The reload hangs: pings go on for its first minute (at 40..90 s), then stop.
  await clock.advance(MINUTE_MS);
  assert.equal(pings(), 9);
  await clock.advance(5 * MINUTE_MS);
  assert.equal(pings(), 9, "no ping while the reload hangs");
  assert.equal(reloads, 1);
  // Said once, not at each of the 30 withheld pings.
  assert.deepEqual(logs.lines().filter((l) => l.includes("Not pinging")), [
    "error Not pinging systemd's watchdog: a reload has been running for over 60 s; " +
    "systemd will restart the service",
  ]);
  sig.stop();
  // The hung reload is waited for within the stop's grace (8 s).
  await clock.advance(8000);
  assert.equal(await service, 0);
  resetSync();
});

Deno.test("service: each reload is answered; MetricsFile is written after each pass", async () => {
  captureLogs();
  const dir = await Deno.makeTempDir();
  try {
    const clock = new FakeClock();
    const sig = fakeSignals();
    const answers: unknown[] = [];
    const withMetrics = (c: Config): Config => ({
      ...c,
      service: { ...c.service, metricsFile: `${dir}/ftp-clone.prom`, stateDirectory: dir },
    });
    let next: ServiceConfigLoad = ok(withMetrics(config([section("FTP1")], 10)));
    const service = runService({
      loadConfig: () => Promise.resolve(next),
      makePool: () => pool,
      identifierOf: () => Promise.resolve("id"),
      notifier: fakeNotifier(),
      signals: sig.signals,
      onReloaded: (answer) => answers.push(answer),
      clock,
      runPass: (options) => Promise.resolve(outcome(options, "ok")),
    });
    await clock.advance(0);
    assert.match(Deno.readTextFileSync(`${dir}/ftp-clone.prom`), /section="FTP1"/);
    next = { ok: false, errors: ["/x/parametre.ini:3: [Service] ServiceWait: not a number"] };
    sig.reload();
    await clock.advance(0);
    next = ok(withMetrics(config([section("FTP1"), section("FTP2")], 10)));
    sig.reload();
    await clock.advance(0);
    sig.stop();
    assert.equal(await service, 0);
    assert.deepEqual(answers, [
      {
        ok: false,
        errors: ["/x/parametre.ini:3: [Service] ServiceWait: not a number"],
        sections: 1,
      },
      { ok: true, errors: [], sections: 2 },
    ]);
    assert.match(Deno.readTextFileSync(`${dir}/ftp-clone.prom`), /section="FTP2"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
    resetSync();
  }
});

Deno.test("service: SIGHUP reloads; a bad file is refused and the running config stays", async () => {
  const logs = captureLogs();
  const clock = new FakeClock();
  const sig = fakeSignals();
  const notifier = fakeNotifier();
  let next: ServiceConfigLoad = ok(config([section("FTP1")], 10));
  const passes: string[] = [];
  const service = runService({
    clock,
    loadConfig: () => Promise.resolve(next),
    makePool: () => pool,
    identifierOf: () => Promise.resolve("id"),
    notifier,
    signals: sig.signals,
    runPass: (options) => {
      passes.push(options.section.name);
      return Promise.resolve(outcome(options, "ok"));
    },
  });
  await clock.advance(0);
  assert.deepEqual(passes, ["FTP1"]);
  // A refused file: nothing changes.
  next = { ok: false, errors: ["/x/parametre.ini:3: [Service] ServiceWait: not a number"] };
  sig.reload();
  await clock.advance(2 * MINUTE_MS);
  assert.deepEqual(passes, ["FTP1"]);
  assert.ok(logs.lines().includes("error /x/parametre.ini:3: [Service] ServiceWait: not a number"));
  // A good one: ServiceWait 10 -> 1 min takes effect at once (FTP1 is due since 1 min), FTP2 is
  // added.
  next = ok(config([section("FTP1"), section("FTP2")], 1));
  sig.reload();
  await clock.advance(0);
  assert.deepEqual(passes.toSorted(), ["FTP1", "FTP1", "FTP2"]);
  await clock.advance(MINUTE_MS);
  sig.stop();
  assert.equal(await service, 0);
  assert.deepEqual(passes.toSorted(), ["FTP1", "FTP1", "FTP1", "FTP2", "FTP2"]);
  const reloads = notifier.sent.filter((s) => s === "RELOADING+MONOTONIC_USEC").length;
  assert.equal(reloads, 2);
  assert.ok(logs.lines().some((l) => l.startsWith("info Configuration reloaded: 2 section(s)")));
  resetSync();
});

Deno.test("service: a configuration with errors at start exits 2", async () => {
  const logs = captureLogs();
  const sig = fakeSignals();
  const code = await runService({
    loadConfig: () => Promise.resolve({ ok: false, errors: ["bad line"] }),
    makePool: () => pool,
    identifierOf: () => Promise.resolve("id"),
    notifier: fakeNotifier(),
    signals: sig.signals,
  });
  assert.equal(code, 2);
  assert.ok(logs.lines().includes("error bad line"));
  assert.equal(sig.listeners(), 0);
  resetSync();
});

Deno.test("service: a progress line comes during a long pass", async () => {
  const logs = captureLogs();
  const clock = new FakeClock();
  const sig = fakeSignals();
  const service = runService({
    loadConfig: () => Promise.resolve(ok(config([section("FTP1")], 10))),
    makePool: () => pool,
    identifierOf: () => Promise.resolve("id"),
    notifier: fakeNotifier(),
    signals: sig.signals,
    clock,
    runPass: async (options) => {
      await clock.sleep(30_000);
      options.onProgress?.({ filesDone: 1, filesTotal: 4, bytesDone: 10, bytesTotal: 40 });
      await clock.sleep(30_000);
      return outcome(options, "ok");
    },
  });
  await clock.advance(2 * MINUTE_MS);
  sig.stop();
  await service;
  // A line every 25 s (the default) while the pass runs, none after it ended at 60 s.
  assert.deepEqual(logs.lines().filter((l) => l.startsWith("info Pass running for")), [
    "info Pass running for 25 s: listing and planning",
    "info Pass running for 50 s: 1/4 files, 10/40 bytes done",
  ]);
  resetSync();
});
