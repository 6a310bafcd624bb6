/**
 * The child of `sync_streaming_test.ts`, run under a tight V8 heap. Argument: a JSON object
 * `{ mode, section, stateDir, connect }`. `pass`: runs one pass, exits 0 when it ends "ok";
 * `readWhole`: reads the whole baseline into memory (as passes did before the walk).
 * @module
 */
import type { SectionConfig } from "../../config/mod.ts";
import { type ConnectOptions, connectRemoteFs, FtpPool } from "../../sync/ftp/mod.ts";
import { readBaseline } from "../../sync/baseline_reader.ts";
import { runPass, sectionRoots } from "../../sync/pass.ts";

if (import.meta.main) {
  const input = JSON.parse(Deno.args[0] ?? "{}") as {
    mode: "pass" | "readWhole";
    section: SectionConfig;
    stateDir: string;
    connect: ConnectOptions;
  };
  if (input.mode === "readWhole") {
    const { baseline } = readBaseline(
      input.stateDir,
      input.section.identifier!,
      sectionRoots(input.section),
    );
    Deno.exit(baseline.size > 0 ? 0 : 2);
  }
  const pool = new FtpPool(() => connectRemoteFs(input.connect), { size: 2 });
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
  if (outcome.report.outcome !== "ok") {
    // deno-lint-ignore no-console -- the parent test shows it
    console.error(outcome.report.errors.join("\n"));
  }
  Deno.exit(outcome.report.outcome === "ok" ? 0 : 1);
}
