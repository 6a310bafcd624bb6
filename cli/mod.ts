/**
 * The command line: `main(args)` parses, runs one command and returns its exit code.
 * @module
 */
export { main } from "./main.ts";
