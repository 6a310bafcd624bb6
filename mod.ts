/**
 * ftp-clone: two-way synchronisation between local directories and FTP/FTPS directories.
 * The entry point; the only place that calls `Deno.exit`.
 * @module
 */
import { main } from "./cli/mod.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
