/**
 * The command line: `main(args)` parses, runs one command and returns its exit code.
 * @module
 */
export { main, type MainOptions } from "./main.ts";
