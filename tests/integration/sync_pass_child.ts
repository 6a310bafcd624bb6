/**
 * Runs one pass in a child process, for tests that kill it (`kill -9`) mid-pass. Arguments: a
 * JSON object `{ section, stateDir, connect }` (connect: `ConnectOptions`). Prints "started"
 * when the pass begins; exits 0 when the pass ends "ok", else 1.
 * @module
 */
import type { SectionConfig } from "../../config/mod.ts";
import { type ConnectOptions, connectRemoteFs, FtpPool } from "../../sync/ftp/mod.ts";
import { runPass } from "../../sync/pass.ts";

if (import.meta.main) {
  const input = JSON.parse(Deno.args[0] ?? "{}") as {
    section: SectionConfig;
    stateDir: string;
    connect: ConnectOptions;
  };
  const pool = new FtpPool(() => connectRemoteFs(input.connect), { size: 2 });
  // deno-lint-ignore no-console -- the parent test reads this line
  console.log("started");
  const outcome = await runPass({
    section: input.section,
    stateDir: input.stateDir,
    binDirectory: "/bin",
    dryRun: false,
    now: new Date(),
    pool,
    identifier: input.section.identifier!,
  });
  await pool.close();
  Deno.exit(outcome.report.outcome === "ok" ? 0 : 1);
}
