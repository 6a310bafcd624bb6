import assert from "node:assert/strict";
import { ConnectionBudgets, connectRemoteFs, FtpPool } from "../../sync/ftp/mod.ts";
import {
  ignoreUnlessServer,
  requireServer,
  type ServerKind,
  startServer,
} from "../support/ftp_servers.ts";
import { fetchBytes, optionsFor, pseudoRandomBytes, putBytes } from "./ftp_layer_support.ts";

// Beyond the limit: vsftpd "421 There are too many connections from your internet address",
// pure-ftpd "421 Too many connections", proftpd "530 Sorry, the maximum number of clients".
const KINDS: ServerKind[] = ["vsftpd", "pure-ftpd", "proftpd"];

Deno.test({
  name: "FtpPool shrinks below a server's per-user limit and completes all work",
  ignore: KINDS.some((k) => ignoreUnlessServer(k)),
  fn: async (t) => {
    for (const kind of KINDS) {
      await t.step(kind, async (t) => {
        if (!await requireServer(t, kind)) return;
        await using srv = await startServer({ kind, mode: "plain", maxClientsPerUser: 2 });
        let connects = 0;
        const pool = new FtpPool(() => {
          connects++;
          return connectRemoteFs(optionsFor(srv));
        }, { size: 5 });
        try {
          const results = await Promise.all(
            Array.from({ length: 24 }, (_, i) =>
              pool.use(async (remote) => {
                const data = pseudoRandomBytes(2000 + i, i + 1);
                await putBytes(remote, `/p${i}.bin`, data);
                const back = await fetchBytes(remote, `/p${i}.bin`);
                return back.length === data.length;
              })),
          );
          assert.equal(results.filter(Boolean).length, 24);
          assert.ok(pool.size <= 4, `the pool should have shrunk, size ${pool.size}`);
          // proftpd counts a session against MaxClientsPerUser only once its login is recorded,
          // so logins made at the same instant can all pass: more than 2 may stay open.
          assert.ok(pool.openCount <= pool.size, `open ${pool.openCount}, size ${pool.size}`);
          assert.ok(connects > 2, `a refused connect is expected, ${connects} connects`);
        } finally {
          await pool.close();
        }
      });
    }
  },
});

Deno.test({
  name: "ConnectionBudgets: two sections (2 and 4 connections) on a server allowing 3 per user",
  ignore: ignoreUnlessServer("vsftpd"),
  fn: async () => {
    await using srv = await startServer({ kind: "vsftpd", mode: "plain", maxClientsPerUser: 3 });
    const budgets = new ConnectionBudgets();
    const server = { host: srv.host, port: srv.port, user: srv.user };
    let open = 0;
    let peak = 0;
    let refused = 0;
    const connect = async () => {
      try {
        const remote = await connectRemoteFs(optionsFor(srv));
        open++;
        peak = Math.max(peak, open);
        const close = remote.close.bind(remote);
        remote.close = () => {
          open--;
          return close();
        };
        return remote;
      } catch (error) {
        refused++;
        throw error;
      }
    };
    const a = new FtpPool(connect, { size: 2, budget: budgets.get(server, 2) });
    const b = new FtpPool(connect, { size: 4, budget: budgets.get(server, 4) });
    assert.equal(budgets.get(server, 2).limit, 4, "the largest ask");
    const work = (pool: FtpPool, name: string) =>
      pool.use(async (remote) => {
        await putBytes(remote, `/${name}.bin`, pseudoRandomBytes(3000, name.length + 7));
        return (await fetchBytes(remote, `/${name}.bin`)).length;
      });
    try {
      const sizes = await Promise.all([
        ...Array.from({ length: 12 }, (_, i) => work(a, `a${i}`)),
        ...Array.from({ length: 12 }, (_, i) => work(b, `bb${i}`)),
      ]);
      assert.ok(sizes.every((n) => n === 3000));
      assert.ok(refused <= 1, `${refused} connections refused (one 421 teaches the limit)`);
      assert.ok(peak <= 3, `peak ${peak} connections`);
      assert.equal(budgets.get(server, 4).limit, 3, "lowered by the 421, not raised back");
    } finally {
      await a.close();
      await b.close();
    }
  },
});
