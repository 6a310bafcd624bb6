/**
 * How a command file hands its work to `main.ts`: commander only parses (its actions are
 * synchronous and just record what to run); `main.ts` then builds the context and runs the
 * recorded function, which returns the exit code.
 * @module
 */
import type { CliContext } from "./context.ts";

/** Exit code: success. */
export const EXIT_OK = 0;
/** Exit code: a section failed (connection, transfer, safety guard) or a service command failed. */
export const EXIT_FAILURE = 1;
/** Exit code: a usage or configuration error. */
export const EXIT_USAGE = 2;

/** A command's body: runs with the resolved context and returns the exit code. */
export type CommandRun = (ctx: CliContext) => Promise<number>;

/** Records the body of the command commander selected. */
export type Dispatch = (run: CommandRun) => void;
