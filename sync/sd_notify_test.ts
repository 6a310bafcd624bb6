import assert from "node:assert/strict";
import {
  createNotifier,
  formatNotification,
  socketAddress,
  watchdogInterval,
} from "./sd_notify.ts";

Deno.test("formatNotification() writes KEY=value lines", () => {
  assert.equal(
    formatNotification({ READY: "1", STATUS: "2 sections\nidle" }),
    "READY=1\nSTATUS=2 sections idle",
  );
});

Deno.test("socketAddress() maps @name to an abstract address", () => {
  assert.equal(socketAddress("@abc"), "\0abc");
  assert.equal(socketAddress("/run/systemd/notify"), "/run/systemd/notify");
});

Deno.test("watchdogInterval() is half of WATCHDOG_USEC, only for our pid", async (t) => {
  const table: Array<[Record<string, string>, number | undefined]> = [
    [{}, undefined],
    [{ WATCHDOG_USEC: "4000000" }, 2000],
    [{ WATCHDOG_USEC: "4000000", WATCHDOG_PID: "1" }, undefined],
    [{ WATCHDOG_USEC: "4000000", WATCHDOG_PID: "42" }, 2000],
    [{ WATCHDOG_USEC: "junk" }, undefined],
  ];
  for (const [env, expected] of table) {
    await t.step(JSON.stringify(env), () => assert.equal(watchdogInterval(env, 42), expected));
  }
});

Deno.test("createNotifier() does nothing without NOTIFY_SOCKET", async () => {
  const notifier = createNotifier({ env: {} });
  assert.equal(notifier.enabled, false);
  await notifier.notify({ READY: "1" });
  notifier.close();
});

Deno.test("createNotifier() sends datagrams to NOTIFY_SOCKET (path and abstract)", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "sd-notify-" });
  try {
    for (
      const [label, env, bind] of [
        ["path", `${dir}/notify`, `${dir}/notify`],
        ["abstract", `@ftp-clone-test-${Deno.pid}`, `\0ftp-clone-test-${Deno.pid}`],
      ] as const
    ) {
      await t.step(label, async () => {
        const receiver = Deno.listenDatagram({ path: bind, transport: "unixpacket" });
        const errors: Error[] = [];
        const notifier = createNotifier({
          env: { NOTIFY_SOCKET: env },
          onError: (e) => errors.push(e),
        });
        try {
          assert.equal(notifier.enabled, true);
          await notifier.notify({ READY: "1", STATUS: "Ready" });
          await notifier.notify({ STOPPING: "1" });
          const decoder = new TextDecoder();
          assert.equal(decoder.decode((await receiver.receive())[0]), "READY=1\nSTATUS=Ready");
          assert.equal(decoder.decode((await receiver.receive())[0]), "STOPPING=1");
          assert.deepEqual(errors, []);
        } finally {
          notifier.close();
          receiver.close();
        }
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createNotifier() reports a socket that is not there, without throwing", async () => {
  const errors: Error[] = [];
  const notifier = createNotifier({
    env: { NOTIFY_SOCKET: "/nonexistent/notify" },
    onError: (e) => errors.push(e),
  });
  await notifier.notify({ READY: "1" });
  notifier.close();
  assert.equal(errors.length, 1);
});
