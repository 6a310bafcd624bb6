/**
 * Runs one pass of the wild lab in a child process, for a client whose TZ is set (the parent
 * sets it in the environment). Argument: a JSON `PassInput`; prints the `PassResult` as JSON on
 * its last line.
 * @module
 */
import { type PassInput, runPassHere } from "./wild_lab.ts";

if (import.meta.main) {
  const input = JSON.parse(Deno.args[0] ?? "{}") as PassInput;
  const result = await runPassHere(input);
  // deno-lint-ignore no-console -- the parent test reads this line
  console.log(JSON.stringify(result));
}
