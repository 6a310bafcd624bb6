/**
 * The FTP engine against the servers of the wild lab: what they tolerate (pipelining, EPSV) is
 * learned once, and each still downloads, uploads, lists and answers batches.
 * @module
 */
import assert from "node:assert/strict";
import { FtpError } from "../../sync/ftp/errors.ts";
import { openConnection } from "../../sync/ftp/ftp_login.ts";
import { type ProtocolQuirk, quirkRecord } from "../../sync/ftp/ftp_connection.ts";
import { ignoreUnlessServer, type ServerOptions, startServer } from "../support/ftp_servers.ts";

const CASES: [string, ServerOptions, Partial<Record<ProtocolQuirk, boolean>>][] = [
  ["pyftpdlib", { kind: "pyftpdlib" }, { pipelining: true, epsv: true }],
  ["pyftpdlib, PASV only", { kind: "pyftpdlib", dialect: { pasvOnly: true } }, {
    pipelining: true,
    epsv: false,
  }],
  ["inetutils-ftpd (not chrooted, multi-line 230)", { kind: "inetutils-ftpd" }, {
    pipelining: true,
    epsv: true,
  }],
  ["vsftpd, Debian's stock configuration", { kind: "vsftpd", stockConfig: true }, {
    pipelining: true,
    epsv: true,
  }],
];

Deno.test({
  name: "FTP engine against the wild lab's servers",
  ignore: ignoreUnlessServer("pyftpdlib", "inetutils-ftpd", "vsftpd"),
  fn: async (t) => {
    for (const [what, options, learned] of CASES) {
      await t.step(what, async () => {
        await using srv = await startServer(options);
        await srv.writeFile("a.txt", "hello");
        const quirks = quirkRecord();
        for (let round = 0; round < 2; round++) {
          const session = await openConnection({
            host: srv.host,
            port: srv.port,
            type: "ftp",
            user: srv.user,
            password: srv.password,
            tlsVerify: true,
            timeoutMs: 15_000,
            quirks,
          });
          try {
            assert.equal(session.home, srv.chrooted ? "/" : srv.root);
            const dir = session.home.replace(/\/$/, "");
            const chunks: string[] = [];
            const got = await session.transfer({
              command: `RETR ${dir}/a.txt`,
              data: { receive: (chunk) => chunks.push(new TextDecoder().decode(chunk)) },
              before: [`MDTM ${dir}/a.txt`],
            });
            assert.equal(chunks.join(""), "hello");
            assert.match(got.before[0]?.message ?? "", /^213 \d{14}/);
            await session.transfer({
              command: `STOR ${dir}/up${round}.txt`,
              data: { send: new TextEncoder().encode("uploaded") },
            });
            const replies = await session.commands([
              `MDTM ${dir}/up${round}.txt`,
              `MDTM ${dir}/missing.txt`,
              "NOOP",
            ]);
            assert.match(replies[0]!.message, /^213 \d{14}/);
            assert.ok(replies[1] instanceof FtpError && replies[1].meaning === "notFound");
            assert.equal(replies[2]!.code, 200);
            assert.match(await session.list(`LIST ${dir}`), new RegExp(`up${round}\\.txt`));
          } finally {
            await session.close();
          }
        }
        assert.deepEqual(quirks.facts, learned);
        assert.equal(await Deno.readTextFile(`${srv.root}/up1.txt`), "uploaded");
      });
    }
  },
});
