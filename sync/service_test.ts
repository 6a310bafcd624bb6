import assert from "node:assert/strict";
import { configureSync, type LogRecord, resetSync } from "@logtape/logtape";
import type { Config, SectionConfig } from "../config/mod.ts";
import type { RemoteFsPool } from "./ftp/mod.ts";
import type { PassOptions, PassOutcome } from "./pass.ts";
import type { Notifier } from "./sd_notify.ts";
import { runService, type ServiceConfigLoad, type ServiceSignals } from "./service.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function section(name: string, localDir = `/nonexistent/${name}`): SectionConfig {
  return {
    name,
    line: 1,
    server: "127.0.0.1",
    type: "ftp",
    port: 21,
    user: "u",
    password: "",
    concurrentConnections: 1,
    remoteDir: "/",
    localDir,
    linuxChmod: [],
    identifier: `${name}id`,
    tlsVerify: true,
    direction: "both",
    exclude: [],
    maxDeletePercent: 50,
    keepDeletedDays: 30,
    serverTime: { mode: "auto" },
    verifyEveryMs: 86_400_000,
  };
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

function fakeNotifier(): Notifier & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    enabled: true,
    watchdogIntervalMs: 20,
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
      finishedAt: new Date().toISOString(),
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
  const sig = fakeSignals();
  const notifier = fakeNotifier();
  const starts: Array<{ name: string; at: number }> = [];
  let running = 0;
  let maxRunning = 0;
  const service = runService({
    loadConfig: () => Promise.resolve(ok(config([section("FTP1"), section("FTP2")], 0.002, 1))),
    makePool: () => pool,
    identifierOf: (s) => Promise.resolve(`${s.name}id`),
    notifier,
    signals: sig.signals,
    runPass: async (options) => {
      starts.push({ name: options.section.name, at: Date.now() });
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(30);
      running--;
      return outcome(options, "ok");
    },
  });
  await sleep(600);
  sig.stop();
  const stoppedAt = Date.now();
  assert.equal(await service, 0);
  assert.ok(Date.now() - stoppedAt < 200);
  assert.equal(maxRunning, 1, "at most ConcurrentSynchronisations=1 pass at once");
  const ftp1 = starts.filter((s) => s.name === "FTP1");
  assert.ok(ftp1.length >= 3 && ftp1.length <= 9, `FTP1 passed ${ftp1.length} times`);
  // ServiceWait (120 ms) counts from the start of the previous pass.
  for (let i = 1; i < ftp1.length; i++) {
    const gap = ftp1[i]!.at - ftp1[i - 1]!.at;
    assert.ok(gap >= 110, `gap ${gap} ms`);
  }
  assert.equal(notifier.sent[0], "READY+STATUS");
  assert.ok(notifier.sent.includes("WATCHDOG"));
  assert.ok(notifier.sent.includes("STOPPING+STATUS"));
  assert.equal(sig.listeners(), 0, "signal listeners removed");
  assert.ok(logs.lines().some((l) => l.startsWith("info Service started: 2 section(s)")));
  resetSync();
});

Deno.test("service: stop aborts a running pass and resolves 0 at once", async () => {
  captureLogs();
  const sig = fakeSignals();
  let aborted = false;
  const service = runService({
    loadConfig: () => Promise.resolve(ok(config([section("FTP1")], 10))),
    makePool: () => pool,
    identifierOf: () => Promise.resolve("id"),
    notifier: fakeNotifier(),
    signals: sig.signals,
    runPass: (options) =>
      new Promise((resolve) => {
        options.signal!.addEventListener("abort", () => {
          aborted = true;
          resolve(outcome(options, "aborted"));
        });
      }),
  });
  await sleep(50);
  const t0 = Date.now();
  sig.stop();
  assert.equal(await service, 0);
  assert.ok(aborted);
  assert.ok(Date.now() - t0 < 200);
  resetSync();
});

Deno.test("service: a pass that ignores the stop is given up after the grace period", async () => {
  captureLogs();
  const sig = fakeSignals();
  const service = runService({
    loadConfig: () => Promise.resolve(ok(config([section("FTP1")], 10))),
    makePool: () => pool,
    identifierOf: () => Promise.resolve("id"),
    notifier: fakeNotifier(),
    signals: sig.signals,
    stopGraceMs: 100,
    runPass: async (options) => {
      await sleep(2000);
      return outcome(options, "ok");
    },
  });
  await sleep(20);
  const t0 = Date.now();
  sig.stop();
  assert.equal(await service, 0);
  const took = Date.now() - t0;
  // The grace is 100 ms and the pass would take 2 s: anything well under 2 s is the grace.
  assert.ok(took >= 90 && took < 1200, `${took} ms`);
  await sleep(2000); // let the fake pass end
  resetSync();
});

Deno.test("service: a failing section says so once, is retried, and says when it recovered", async () => {
  const logs = captureLogs();
  const sig = fakeSignals();
  let calls = 0;
  const marks: string[] = [];
  const service = runService({
    loadConfig: () => Promise.resolve(ok(config([section("FTP1")], 0.001))),
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
  await sleep(300);
  sig.stop();
  assert.equal(await service, 0);
  assert.ok(calls >= 4, `${calls} passes`);
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
  const sig = fakeSignals();
  const notifier = fakeNotifier();
  let reloads = 0;
  const service = runService({
    loadConfig: (when) => {
      if (when === "start") return Promise.resolve(ok(config([section("FTP1")], 10)));
      reloads++;
      return new Promise(() => {}); // a reload that hangs
    },
    makePool: () => pool,
    identifierOf: () => Promise.resolve("id"),
    notifier,
    signals: sig.signals,
    reloadStuckMs: 60,
    stopGraceMs: 50,
    runPass: (options) => Promise.resolve(outcome(options, "ok")),
  });
  await sleep(100);
  const pings = () => notifier.sent.filter((s) => s === "WATCHDOG").length;
  assert.ok(pings() >= 2, `${pings()} pings while healthy`);
  sig.reload();
  await sleep(150);
  const stuck = pings();
  await sleep(150);
  assert.equal(pings(), stuck, "no ping while the reload hangs");
  assert.equal(reloads, 1);
  assert.equal(
    logs.lines().filter((l) => l.includes("Not pinging systemd's watchdog: a reload")).length,
    1,
  );
  sig.stop();
  assert.equal(await service, 0);
  resetSync();
});

Deno.test("service: each reload is answered; MetricsFile is written after each pass", async () => {
  captureLogs();
  const dir = await Deno.makeTempDir();
  try {
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
      runPass: (options) => Promise.resolve(outcome(options, "ok")),
    });
    await sleep(50);
    assert.match(Deno.readTextFileSync(`${dir}/ftp-clone.prom`), /section="FTP1"/);
    next = { ok: false, errors: ["/x/parametre.ini:3: [Service] ServiceWait: not a number"] };
    sig.reload();
    await sleep(50);
    next = ok(withMetrics(config([section("FTP1"), section("FTP2")], 10)));
    sig.reload();
    await sleep(50);
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
  const sig = fakeSignals();
  const notifier = fakeNotifier();
  let next: ServiceConfigLoad = ok(config([section("FTP1")], 10));
  const passes: string[] = [];
  const service = runService({
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
  await sleep(50);
  assert.deepEqual(passes, ["FTP1"]);
  // A refused file: nothing changes.
  next = { ok: false, errors: ["/x/parametre.ini:3: [Service] ServiceWait: not a number"] };
  sig.reload();
  await sleep(50);
  assert.deepEqual(passes, ["FTP1"]);
  assert.ok(logs.lines().includes("error /x/parametre.ini:3: [Service] ServiceWait: not a number"));
  // A good one: ServiceWait 10 -> 0.001 min takes effect at once, FTP2 is added.
  next = ok(config([section("FTP1"), section("FTP2")], 0.001));
  sig.reload();
  await sleep(100);
  sig.stop();
  assert.equal(await service, 0);
  assert.ok(passes.filter((p) => p === "FTP1").length >= 3, passes.join());
  assert.ok(passes.includes("FTP2"));
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
  const sig = fakeSignals();
  const service = runService({
    loadConfig: () => Promise.resolve(ok(config([section("FTP1")], 10))),
    makePool: () => pool,
    identifierOf: () => Promise.resolve("id"),
    notifier: fakeNotifier(),
    signals: sig.signals,
    worker: { progressIntervalMs: 40 },
    runPass: async (options) => {
      await sleep(60);
      options.onProgress?.({ filesDone: 1, filesTotal: 4, bytesDone: 10, bytesTotal: 40 });
      await sleep(60);
      return outcome(options, "ok");
    },
  });
  await sleep(200);
  sig.stop();
  await service;
  const progress = logs.lines().filter((l) => l.startsWith("info Pass running for"));
  assert.ok(progress.some((l) => l.endsWith("listing and planning")), progress.join("\n"));
  assert.ok(progress.some((l) => l.endsWith("1/4 files, 10/40 bytes done")), progress.join("\n"));
  resetSync();
});
