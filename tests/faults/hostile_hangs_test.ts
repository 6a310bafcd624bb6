/**
 * A hostile server that stalls: silent greetings, a 1xx then silence, replies dripped byte by
 * byte, a listing or a download that never ends. Every hang must end in an error within a bound
 * (the FTP layer's timeout, here 1 s, plus a margin), and a slow but steady transfer must not be
 * cut short.
 * @module
 */
import assert from "node:assert/strict";
import type { RemoteFs } from "../../sync/ftp/mod.ts";
import { type HostileScript, startHostileServer } from "../support/hostile_ftp_server.ts";
import { SKIP_KNOWN_BUGS } from "./fault_scale.ts";
import { hostileConnect } from "./hostile_setup.ts";

/** The FTP layer's inactivity timeout in these tests (ms). */
const TIMEOUT_MS = 1_000;
/** A hang must end within this (ms). */
const BOUND_MS = 8_000;

type Outcome = { settled: false } | { settled: true; ok: boolean; error?: unknown; ms: number };

/** Waits for `work` at most `bound` ms; `stop` (closing the server) then frees it. */
async function settleWithin(
  work: Promise<unknown>,
  bound: number,
  stop: () => Promise<void>,
): Promise<Outcome> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    work.then(
      () => ({ settled: true as const, ok: true, ms: performance.now() - started }),
      (error) => ({ settled: true as const, ok: false, error, ms: performance.now() - started }),
    ),
    new Promise<Outcome>((resolve) => timer = setTimeout(() => resolve({ settled: false }), bound)),
  ]);
  clearTimeout(timer);
  if (!outcome.settled) {
    await stop();
    await work.catch(() => {});
  }
  return outcome;
}

/** Connects, then runs `op` on the connection, all bounded. */
async function scenario(
  script: HostileScript,
  op: (remote: RemoteFs) => Promise<unknown>,
): Promise<Outcome> {
  const srv = await startHostileServer(script);
  try {
    const work = (async () => {
      const remote = await hostileConnect(srv, TIMEOUT_MS)();
      try {
        await op(remote);
      } finally {
        await remote.close();
      }
    })();
    return await settleWithin(work, BOUND_MS, () => srv.close());
  } finally {
    await srv.close();
  }
}

type Op = (remote: RemoteFs) => Promise<unknown>;
const list: Op = (remote) => remote.list("/d");
const download: Op = async (remote) => {
  const local = await Deno.makeTempFile({ prefix: "ftp-clone-hang-" });
  try {
    await remote.downloadToFile("/d/f", local);
  } finally {
    await Deno.remove(local);
  }
};
const GOOD_MLSD = "type=file;size=5;modify=20260101120000; f\r\n";

/**
 * Hangs that the FTP layer does not end yet (reported to the lead): a reply or a transfer that
 * keeps trickling in resets basic-ftp's inactivity timeout forever. Run them with
 * FTP_CLONE_KNOWN_BUGS=1; remove a name from here once it is fixed.
 */
const KNOWN_HANGS = new Set<string>([]);

/** Scripts that must end in an error, bounded. */
const HANGS: [string, HostileScript, Op][] = [
  ["silent greeting", { greeting: { silence: true } }, list],
  ["connection closed at once", { greeting: { close: true } }, list],
  ["silent PASS", { onCommand: (v) => (v === "PASS" ? { silence: true } : undefined) }, list],
  ["silent FEAT", { onCommand: (v) => (v === "FEAT" ? { silence: true } : undefined) }, list],
  ["silent EPSV and PASV", {
    onCommand: (v) => (v === "EPSV" || v === "PASV" ? { silence: true } : undefined),
    listings: { "/d": { mlsd: GOOD_MLSD } },
  }, list],
  ["150 then silence on MLSD", { listings: { "/d": { mlsd: { silenceAfter150: true } } } }, list],
  ["150 then silence on RETR", {
    listings: { "/d": { mlsd: GOOD_MLSD } },
    files: { "/d/f": { silenceAfter150: true } },
  }, download],
  ["garbage reply to PASS", { onCommand: (v) => (v === "PASS" ? "hello there" : undefined) }, list],
  ["999 reply to FEAT", { onCommand: (v) => (v === "FEAT" ? "999 what" : undefined) }, list],
  ["greeting dripped forever", {
    greeting: { drip: "220-" + "slow ".repeat(100_000), everyMs: 50 },
  }, list],
  ["MLSD reply dripped forever", {
    listings: { "/d": { mlsd: GOOD_MLSD } },
    onCommand: (
      v,
    ) => (v === "MLSD" ? { drip: "150-" + "x".repeat(100_000), everyMs: 50 } : undefined),
  }, list],
  ["listing that never ends", {
    listings: {
      "/d": { mlsd: { data: GOOD_MLSD, dripForever: { line: GOOD_MLSD, everyMs: 50 } } },
    },
  }, list],
  ["download that never ends", {
    listings: { "/d": { mlsd: GOOD_MLSD } },
    files: { "/d/f": { data: "hello", dripForever: { line: "more", everyMs: 50 } } },
  }, download],
];

for (const [what, script, op] of HANGS) {
  Deno.test({
    name: `hostile hang: ${what} ends in an error within ${BOUND_MS / 1000} s`,
    ignore: KNOWN_HANGS.has(what) && SKIP_KNOWN_BUGS,
  }, async () => {
    const outcome = await scenario(script, op);
    assert.ok(outcome.settled, `${what}: still hanging after ${BOUND_MS} ms`);
    assert.ok(!outcome.ok, `${what}: succeeded`);
  });
}

Deno.test("hostile: a slow but steady listing is not cut short by the timeout", async () => {
  const lines = Array.from(
    { length: 6 },
    (_, i) => `type=file;size=1;modify=20260101120000; f${i}\r\n`,
  );
  const outcome = await scenario(
    {
      listings: {
        "/d": { mlsd: { data: lines.join(""), chunkSize: 40, chunkDelayMs: TIMEOUT_MS / 3 } },
      },
    },
    async (remote) => assert.equal((await remote.list("/d")).length, 6),
  );
  assert.ok(outcome.settled && outcome.ok, JSON.stringify(outcome));
});
