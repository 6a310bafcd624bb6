import assert from "node:assert/strict";
import { Semaphore } from "./semaphore.ts";

Deno.test("Semaphore lets at most `limit` holders in, in order", async () => {
  const s = new Semaphore(2);
  const order: number[] = [];
  await s.acquire();
  await s.acquire();
  const third = s.acquire().then(() => order.push(3));
  const fourth = s.acquire().then(() => order.push(4));
  await Promise.resolve();
  assert.deepEqual(order, []);
  s.release();
  await third;
  assert.deepEqual(order, [3]);
  s.setLimit(3);
  await fourth;
  assert.deepEqual(order, [3, 4]);
  assert.equal(s.used, 3);
});

Deno.test("Semaphore.acquire() rejects when its signal aborts", async () => {
  const s = new Semaphore(1);
  await s.acquire();
  const controller = new AbortController();
  const waiting = s.acquire(controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, /stop/);
  s.release();
  assert.equal(s.used, 0);
  await assert.rejects(s.acquire(controller.signal), /stop/);
});
