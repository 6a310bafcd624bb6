import assert from "node:assert/strict";
import { FtpError } from "./errors.ts";
import { ConnectionBudget, ConnectionBudgets, FtpPool, isTooManyConnections } from "./pool.ts";
import type { RemoteFs } from "./remote_fs.ts";

/** A fake connection: only `closed`, `noop` and `close` matter to the pool. */
class FakeRemote {
  closed = false;
  noops = 0;
  noopFails = false;
  constructor(readonly id: number) {}
  noop(): Promise<void> {
    this.noops++;
    return this.noopFails ? Promise.reject(new Error("dead")) : Promise.resolve();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function fakeFactory(options: { maxOpen?: number } = {}) {
  const made: FakeRemote[] = [];
  let open = 0;
  let peak = 0;
  const connect = () => {
    const live = made.filter((r) => !r.closed).length;
    if (options.maxOpen !== undefined && live >= options.maxOpen) {
      return Promise.reject(new FtpError("421 too many", { code: 421, transient: true }));
    }
    const r = new FakeRemote(made.length);
    made.push(r);
    open = live + 1;
    peak = Math.max(peak, open);
    return Promise.resolve(r as unknown as RemoteFs);
  };
  return { connect, made, peak: () => peak };
}

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

Deno.test("FtpPool opens lazily, at most size, and reuses", async () => {
  const f = fakeFactory();
  const pool = new FtpPool(f.connect, { size: 3 });
  assert.equal(f.made.length, 0);
  // One user at a time needs one connection.
  for (let i = 0; i < 3; i++) await pool.use(() => tick());
  assert.equal(f.made.length, 1);
  let active = 0;
  let peakActive = 0;
  await Promise.all(Array.from({ length: 20 }, () =>
    pool.use(async () => {
      active++;
      peakActive = Math.max(peakActive, active);
      await tick();
      active--;
    })));
  assert.equal(f.made.length, 3);
  assert.equal(peakActive, 3);
  await pool.close();
  assert.ok(f.made.every((r) => r.closed));
});

Deno.test("FtpPool serves waiters first come, first served", async () => {
  const f = fakeFactory();
  const pool = new FtpPool(f.connect, { size: 1 });
  const order: number[] = [];
  await Promise.all([0, 1, 2, 3, 4].map((i) =>
    pool.use(async () => {
      order.push(i);
      await tick();
    })
  ));
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  await pool.close();
});

Deno.test("FtpPool checks with NOOP after a non-FTP error and replaces a dead connection", async () => {
  const f = fakeFactory();
  const pool = new FtpPool(f.connect, { size: 1 });
  // An FTP reply error: no NOOP.
  await assert.rejects(
    pool.use(() => Promise.reject(new FtpError("550", { code: 550, transient: false }))),
  );
  assert.equal(f.made[0]!.noops, 0);
  // A reset: NOOP, still alive: reused.
  await assert.rejects(pool.use(() => Promise.reject(new Error("reset"))));
  assert.equal(f.made[0]!.noops, 1);
  await pool.use((r) => Promise.resolve(assert.equal(r, f.made[0])));
  // A reset and NOOP fails: closed, replaced.
  f.made[0]!.noopFails = true;
  await assert.rejects(pool.use(() => Promise.reject(new Error("reset"))));
  assert.ok(f.made[0]!.closed);
  await pool.use((r) => Promise.resolve(assert.equal(r, f.made[1])));
  await pool.close();
});

Deno.test("FtpPool shrinks on 421 and completes all work", async () => {
  const f = fakeFactory({ maxOpen: 2 });
  const pool = new FtpPool(f.connect, { size: 5 });
  let done = 0;
  await Promise.all(Array.from({ length: 30 }, () =>
    pool.use(async () => {
      await tick();
      done++;
    })));
  assert.equal(done, 30);
  assert.ok(pool.size <= 4, `size ${pool.size}`);
  assert.ok(f.peak() <= 2);
  await pool.close();
});

Deno.test("FtpPool rejects with the 421 when it has no connection at all", async () => {
  const f = fakeFactory({ maxOpen: 0 });
  const pool = new FtpPool(f.connect, { size: 2 });
  await assert.rejects(
    pool.use(() => Promise.resolve()),
    (e: unknown) => e instanceof FtpError && e.code === 421,
  );
  assert.equal(pool.size, 1);
  await pool.close();
});

Deno.test("FtpPool aborts a waiting use and rejects pending uses on close", async () => {
  const f = fakeFactory();
  const pool = new FtpPool(f.connect, { size: 1 });
  let release!: () => void;
  const holding = pool.use(() => new Promise<void>((r) => release = r));
  await tick();
  const ac = new AbortController();
  const aborted = pool.use(() => Promise.resolve(), ac.signal);
  ac.abort(new Error("stop"));
  await assert.rejects(aborted, /stop/);
  const pending = pool.use(() => Promise.resolve());
  const closing = pool.close();
  await assert.rejects(pending, (e: unknown) => e instanceof FtpError && e.code === "POOL_CLOSED");
  release();
  await holding;
  await closing;
  assert.ok(f.made.every((r) => r.closed));
});

Deno.test("ConnectionBudget caps two pools on one server", async () => {
  const f = fakeFactory();
  const budget = new ConnectionBudget(3);
  const a = new FtpPool(f.connect, { size: 3, budget });
  const b = new FtpPool(f.connect, { size: 3, budget });
  let active = 0;
  let peak = 0;
  const work = (pool: FtpPool) =>
    pool.use(async () => {
      active++;
      peak = Math.max(peak, active);
      await tick(2);
      active--;
    });
  await Promise.all([
    ...Array.from({ length: 10 }, () => work(a)),
    ...Array.from({ length: 10 }, () => work(b)),
  ]);
  assert.ok(peak <= 3, `peak ${peak}`);
  assert.ok(budget.used <= 3);
  await a.close();
  await b.close();
  assert.equal(budget.used, 0);
});

Deno.test("ConnectionBudgets: one budget per host:port:user, the largest ask, lowered by 421s for good", () => {
  const budgets = new ConnectionBudgets();
  const a = budgets.get({ host: "h", port: 21, user: "u" }, 4);
  assert.equal(budgets.get({ host: "h", port: 21, user: "u" }, 8), a);
  assert.equal(a.limit, 8, "the largest ask");
  assert.equal(budgets.get({ host: "h", port: 21, user: "u" }, 2), a);
  assert.equal(a.limit, 8, "a smaller ask does not lower it");
  assert.notEqual(budgets.get({ host: "h", port: 21, user: "v" }, 4), a);
  assert.notEqual(budgets.get({ host: "h", port: 2121, user: "u" }, 4), a);
  // The server refused a fourth connection: 3 from now on, whatever a section asks.
  for (let i = 0; i < 3; i++) assert.ok(a.tryAcquire());
  a.shrink();
  assert.equal(a.limit, 3);
  assert.equal(budgets.get({ host: "h", port: 21, user: "u" }, 10).limit, 3);
  assert.equal(a.tryAcquire(), false);
});

Deno.test("ConnectionBudget: a larger ask lets a waiting pool in", async () => {
  const budget = new ConnectionBudget(1);
  assert.ok(budget.tryAcquire());
  let granted = false;
  const waiting = budget.acquire().then(() => granted = true);
  await tick(1);
  assert.equal(granted, false);
  budget.ask(2);
  await waiting;
  assert.equal(budget.used, 2);
});

Deno.test("isTooManyConnections", async (t) => {
  const cases: [string, unknown, boolean][] = [
    ["421", new FtpError("x", { code: 421, transient: true }), true],
    [
      "proftpd 530",
      new FtpError(
        'Cannot log in: server replied "530 Sorry, the maximum number of clients (2) for this user are already connected"',
        { code: 530, transient: false },
      ),
      true,
    ],
    ["wrong password", new FtpError("530 Login incorrect", { code: 530, transient: false }), false],
    ["550", new FtpError("550 too many", { code: 550, transient: false }), false],
    ["not an FtpError", new Error("421"), false],
  ];
  for (const [name, err, expected] of cases) {
    await t.step(name, () => assert.equal(isTooManyConnections(err), expected));
  }
});
