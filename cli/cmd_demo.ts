/**
 * `ftp-clone demo [--keep]`: the service against an embedded FTP server, in a temporary folder,
 * with a short scenario that shows files flowing both ways and a conflict (cli/demo/demo.ts).
 * @module
 */
import { Command, Option } from "commander";
import type { CliContext } from "./context.ts";
import { runDemo } from "./demo/mod.ts";
import type { Dispatch } from "./dispatch.ts";
import { configureLogging } from "./logging.ts";

/** The parsed arguments of `demo`. */
export interface DemoArgs {
  /** Keep the temporary folder when the demo stops. */
  keep: boolean;
  /** Stop once the scenario is done (hidden; for tests and scripted tries). */
  exitAfterScenario: boolean;
}

/** Declares `demo`: its options and help. */
export function demoCommand(dispatch: Dispatch): Command {
  return new Command("demo")
    .summary("see a two-way sync at work, with nothing to install or configure")
    .description(
      "Starts an FTP server inside ftp-clone on 127.0.0.1 (a random port), makes a temporary\n" +
        "folder with a local folder, the server's folder and a parametre.ini for them (the\n" +
        "password encrypted as `password` does), and runs the service in the foreground. It then\n" +
        "creates a file on each side and edits one file on both sides, and says after each pass\n" +
        "what happened: uploaded, downloaded, conflict kept as a second file. The service then\n" +
        "keeps running, so you can try your own changes in either folder. Ctrl-C stops it and\n" +
        "removes the temporary folder. Your parametre.ini is not read or changed.\n" +
        "The service's own log lines are shown from the warning level up, unless --log-level says\n" +
        "otherwise.",
    )
    .option("--keep", "keep the temporary folder when the demo stops")
    .addOption(new Option("--exit-after-scenario", "stop once the scenario is done").hideHelp())
    .action((options: { keep?: boolean; exitAfterScenario?: boolean }) => {
      dispatch((ctx) =>
        runDemoCommand(ctx, {
          keep: options.keep === true,
          exitAfterScenario: options.exitAfterScenario === true,
        })
      );
    });
}

/** The body of `demo`: 0 when it ran and stopped cleanly, 1 when the scenario failed. */
export function runDemoCommand(ctx: CliContext, args: DemoArgs): Promise<number> {
  // The narrative is the point: the service's own info lines would drown it.
  configureLogging({
    level: ctx.logLevelFlag ?? "warning",
    journal: ctx.journal,
    write: ctx.output.writeErr,
  });
  return runDemo({
    output: ctx.output,
    keep: args.keep,
    exitAfterScenario: args.exitAfterScenario,
  });
}
