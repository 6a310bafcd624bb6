/**
 * The demo's temporary folder: a local directory, the directory the embedded server serves, the
 * state directory, and a parametre.ini whose Password is encrypted with the real cipher (a
 * secret.key is made beside it), exactly as `ftp-clone password` would write it.
 * @module
 */
import { join } from "node:path";
import { encryptPassword, loadSecretKey } from "../../config/mod.ts";

/** The paths of one demo. */
export interface DemoLayout {
  /** The temporary folder holding everything below. */
  dir: string;
  /** Local_dir. */
  localDir: string;
  /** The embedded server's root (Remote_dir is "/"). */
  remoteDir: string;
  /** StateDirectory (baseline, trash, reports, locks). */
  stateDir: string;
  /** The demo's parametre.ini. */
  iniPath: string;
}

/** The section the demo writes. */
export const DEMO_SECTION = "FTP1";

/** What the demo ini says besides the paths. */
export interface DemoIniValues {
  port: number;
  user: string;
  /** The Password value as written (already encrypted). */
  password: string;
  /** 40 hex digits. */
  identifier: string;
  /** ServiceWait, minutes. */
  waitMinutes: number;
}

/** Makes the temporary folder and its three directories (under `parent`, default the system's). */
export async function makeDemoFolders(parent?: string): Promise<DemoLayout> {
  const dir = await Deno.makeTempDir({
    prefix: "ftp-clone-demo-",
    ...(parent === undefined ? {} : { dir: parent }),
  });
  const layout: DemoLayout = {
    dir,
    localDir: join(dir, "local"),
    remoteDir: join(dir, "remote"),
    stateDir: join(dir, "state"),
    iniPath: join(dir, "parametre.ini"),
  };
  for (const sub of [layout.localDir, layout.remoteDir, layout.stateDir]) await Deno.mkdir(sub);
  return layout;
}

/** The text of the demo's parametre.ini (pure). */
export function renderDemoIni(layout: DemoLayout, values: DemoIniValues): string {
  return [
    '; Written by "ftp-clone demo" (removed when the demo stops, unless --keep was given).',
    "; The same keys as a real parametre.ini: see the README's reference table.",
    "[Service]",
    `; A pass every ${values.waitMinutes * 60} s, and a few seconds after local changes (Watch).`,
    `ServiceWait = ${values.waitMinutes}`,
    "ConcurrentSynchronisations = 1",
    `StateDirectory = ${layout.stateDir}`,
    "LogLevel = info",
    "Watch = yes",
    "",
    `[${DEMO_SECTION}]`,
    "; The embedded FTP server, on loopback, serving the remote folder.",
    "Server = 127.0.0.1",
    "Type = ftp",
    `Port = ${values.port}`,
    `User = ${values.user}`,
    "; Encrypted with secret.key (beside this file), as `ftp-clone password FTP1` does.",
    `Password = ${values.password}`,
    "ConcurrentConnections = 4",
    "Remote_dir = /",
    `Local_dir = ${layout.localDir}`,
    `Identifier = ${values.identifier}`,
    "",
  ].join("\n");
}

/** A random hex string of `bytes` bytes. */
export function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/**
 * Writes the demo's parametre.ini with `plainPassword` encrypted by the real cipher (creating
 * secret.key beside it); returns the ini's text.
 */
export async function writeDemoIni(
  layout: DemoLayout,
  values: Omit<DemoIniValues, "password"> & { plainPassword: string },
): Promise<string> {
  const key = await loadSecretKey(layout.iniPath, { create: true });
  if (key === undefined) throw new Error(`Cannot create the key file beside "${layout.iniPath}"`);
  const password = await encryptPassword(values.plainPassword, key, { section: DEMO_SECTION });
  const text = renderDemoIni(layout, { ...values, password });
  await Deno.writeTextFile(layout.iniPath, text);
  return text;
}
