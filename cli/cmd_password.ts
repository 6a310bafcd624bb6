/**
 * `ftp-clone password SECTION [PASSWORD]`: encrypts a section's FTP password and writes it into
 * parametre.ini, changing only that value. The password itself is never printed or logged.
 * @module
 */
import { Command } from "commander";
import {
  encryptPassword,
  loadSecretKey,
  parseIni,
  secretKeyPath,
  setIniValues,
} from "../config/mod.ts";
import type { CliContext } from "./context.ts";
import { type Dispatch, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./dispatch.ts";
import { errorMessage } from "./error_message.ts";
import { promptSecret, type SecretInput } from "./prompt_secret.ts";
import { sectionList } from "./select_sections.ts";

/** The parsed arguments of `password`. */
export interface PasswordArgs {
  /** The section name as typed, e.g. `FTP1` or `ftp1`. */
  section: string;
  /** The password given on the command line; undefined = ask (terminal) or read stdin. */
  password: string | undefined;
  /** Where an absent password is read from. @default {Deno.stdin} */
  input?: SecretInput;
}

const FTP_SECTION_REGEXP = /^FTP[1-9][0-9]*$/i;

/** Declares `password`: its arguments and help. */
export function passwordCommand(dispatch: Dispatch): Command {
  return new Command("password")
    .summary("encrypt a section's FTP password and store it in parametre.ini")
    .description(
      "Encrypts the password with AES-256-GCM and writes it as the Password of SECTION in\n" +
        "parametre.ini (Password = v1:...), changing nothing else in the file. The key is kept in\n" +
        "secret.key beside parametre.ini, created with mode 0600 on first use: keep the two\n" +
        "files together. This protects a copied or leaked parametre.ini, not a machine on which\n" +
        "someone else is root.\n" +
        "A running service uses the new password from its next pass (no reload needed).\n" +
        "Without PASSWORD, the password is asked for without echo on a terminal, or read as one\n" +
        "line from standard input, so that it shows neither in the shell history nor in ps:\n" +
        "  ftp-clone password FTP1\n" +
        "  printf '%s\\n' \"$FTP_PASSWORD\" | ftp-clone password FTP1",
    )
    .argument("<section>", "an [FTPn] section of parametre.ini, e.g. FTP1")
    .argument("[password]", "the password (better left out, see above)")
    .action((section: string, password: string | undefined) => {
      dispatch((ctx) => runPassword(ctx, { section, password }));
    });
}

/**
 * Commander's error for `password`, without the values typed when one of them may be the
 * password (an unknown option is what a password starting with "-" looks like).
 */
export function redactPasswordUsageError(text: string): string {
  if (!/^error: (unknown option|too many arguments)/.test(text)) return text;
  return 'error: Cannot parse the arguments of "ftp-clone password" (not shown: one may be the ' +
    'password); a password that starts with "-" goes after "--": ' +
    "ftp-clone password FTP1 -- -secret, or better on standard input\n";
}

/** The body of `password`: 0 saved, 1 the file or key could not be written, 2 usage. */
export async function runPassword(ctx: CliContext, args: PasswordArgs): Promise<number> {
  const out = ctx.output;
  const wanted = args.section.replace(/^\[(.*)\]$/, "$1");
  let text: string;
  try {
    text = await Deno.readTextFile(ctx.configPath);
  } catch (error) {
    out.error(`Cannot read configuration "${ctx.configPath}": ${errorMessage(error)}`);
    return EXIT_USAGE;
  }
  const names = parseIni(text).sections.map((s) => s.name);
  const ftpNames = names.filter((name) => FTP_SECTION_REGEXP.test(name));
  const section = ftpNames.find((name) => name.toLowerCase() === wanted.toLowerCase());
  if (section === undefined) {
    const why = names.some((name) => name.toLowerCase() === wanted.toLowerCase())
      ? "only [FTPn] sections have a Password"
      : `no such section; the sections are ${sectionList(ftpNames)}`;
    out.error(`Cannot set the password of "[${wanted}]" in "${ctx.configPath}": ${why}`);
    return EXIT_USAGE;
  }

  const password = args.password ?? await promptSecret(`Password for [${section}]: `, {
    write: out.writeErr,
    ...(args.input === undefined ? {} : { input: args.input }),
  });
  if (password === undefined || password === "") {
    out.error(`No password was given for [${section}]; nothing was written`);
    return EXIT_USAGE;
  }

  let stage = `read or create the key file "${secretKeyPath(ctx.configPath)}"`;
  try {
    const key = await loadSecretKey(ctx.configPath, { create: true });
    if (key === undefined) throw new Error("the key file is missing and was not created");
    stage = "encrypt the password";
    const encrypted = await encryptPassword(password, key, { section });
    stage = `write Password in "${ctx.configPath}"`;
    await setIniValues(ctx.configPath, section, { Password: encrypted });
  } catch (error) {
    // The password is never part of these messages: only the stage and the cause.
    out.error(`Cannot save the password of [${section}]: cannot ${stage}: ${errorMessage(error)}`);
    return EXIT_FAILURE;
  }
  // The service reads the Password again before each pass: no reload, no restart.
  out.ok(
    `Password saved for [${section}] in "${ctx.configPath}"; a running service uses it from ` +
      "its next pass.",
  );
  return EXIT_OK;
}
