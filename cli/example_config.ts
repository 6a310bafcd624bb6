/**
 * The release ships `parametre.ini.example`, not `parametre.ini`: unpacking a new version over
 * an old one (the original tool's upgrade) then never replaces the user's configuration. The
 * first command run without `--config` creates parametre.ini from the example beside it, so that
 * the original tool's steps (`tar -xf ...; ./ftp-clone install`) work as written.
 * @module
 */
import { type CliContext, ENV } from "./context.ts";
import { errorMessage } from "./error_message.ts";

/** The example's name: parametre.ini's plus this. */
export const EXAMPLE_SUFFIX = ".example";

/**
 * Creates the default parametre.ini from the example beside it when it does not exist yet
 * (`defaulted`: no `--config` was given). Never replaces a file. Says what it did, on stderr.
 */
export function createFromExample(ctx: CliContext, defaulted: boolean): void {
  const fromEnv = ctx.env[ENV.config];
  if (!defaulted || (fromEnv !== undefined && fromEnv !== "")) return;
  const example = `${ctx.configPath}${EXAMPLE_SUFFIX}`;
  let bytes: Uint8Array;
  try {
    Deno.lstatSync(ctx.configPath);
    return;
  } catch {
    try {
      bytes = Deno.readFileSync(example);
    } catch {
      return; // no example here (running from source)
    }
  }
  try {
    // createNew: a file that appeared meanwhile is never replaced. 0600: it will hold passwords.
    Deno.writeFileSync(ctx.configPath, bytes, { createNew: true, mode: 0o600 });
  } catch (error) {
    ctx.output.warning(
      `Cannot create "${ctx.configPath}" from "${example}": ${errorMessage(error)}`,
    );
    return;
  }
  ctx.output.warning(
    `Created "${ctx.configPath}" from "${example}": edit it (Server, User, Remote_dir, ` +
      `Local_dir), then run "${ctx.command} password FTP1"`,
  );
}
