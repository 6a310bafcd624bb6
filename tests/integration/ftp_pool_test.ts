import assert from "node:assert/strict";
import { connectRemoteFs, FtpPool } from "../../sync/ftp/mod.ts";
import {
  ignoreUnlessServer,
  requireServer,
  type ServerKind,
  startServer,
} from "../support/ftp_servers.ts";
import { fetchBytes, optionsFor, pseudoRandomBytes, putBytes } from "./ftp_layer_cases.ts";

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
