/**
 * How Local_dir's file system treats names (issue 13): whether it folds case (exFAT, vfat, CIFS
 * shares of Windows, ext4 with casefold) and whether it treats Unicode normalisation forms as one
 * name (NFC `é` and NFD `e` + U+0301: macOS-formatted and some network file systems). Probed by
 * creating a file with one of ftp-clone's temporary names (invisible to listings) and looking it
 * up under its other case and other normalisation form; remembered per Local_dir and device.
 * @module
 */
import { downloadTempName } from "./exclude.ts";

/** What the probe found. */
export interface LocalNames {
  /** `A.txt` and `a.txt` are one file. */
  caseInsensitive: boolean;
  /**
   * `none`: NFC and NFD forms are different names; `insensitive`: one file, kept as given;
   * `nfc` / `nfd`: one file, stored converted to that form.
   */
  normalization: "none" | "insensitive" | "nfc" | "nfd";
  /** The key under which two names of one directory are the same file there. */
  fold(name: string): string;
}

/** A name with a letter of both cases and a composed character (NFC `É`). */
const PROBE_NAME = "Probe-\u00c9";

/** Upper-cases each code point that has a one-code-point upper case, as file systems do. */
function upcase(name: string): string {
  let out = "";
  for (const c of name) {
    const u = c.toUpperCase();
    out += [...u].length === 1 ? u : c;
  }
  return out;
}

/** The names behaviour from what the probe saw. */
export function localNamesOf(
  caseInsensitive: boolean,
  normalization: LocalNames["normalization"],
): LocalNames {
  const normalize = normalization === "none"
    ? (name: string) => name
    : (name: string) => name.normalize("NFC");
  const fold = caseInsensitive ? (name: string) => upcase(normalize(name)) : normalize;
  return { caseInsensitive, normalization, fold };
}

/** A case-sensitive file system that keeps names as given (ext4, tmpfs). */
export const PLAIN_NAMES: LocalNames = localNamesOf(false, "none");

const cache = new Map<string, LocalNames>();

/**
 * Probes `localDir` (or returns what an earlier probe of the same directory on the same device
 * found). `write: false` (a dry run) writes nothing: it returns the remembered result, or
 * {@linkcode PLAIN_NAMES} when there is none.
 */
export function probeLocalNames(localDir: string, options: { write: boolean }): LocalNames {
  const dev = Deno.statSync(localDir).dev;
  const key = `${dev}:${localDir}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  if (!options.write) return PLAIN_NAMES;
  const name = downloadTempName(PROBE_NAME);
  const path = `${localDir}/${name}`;
  const exists = (candidate: string): boolean => {
    try {
      Deno.lstatSync(`${localDir}/${candidate}`);
      return true;
    } catch {
      return false;
    }
  };
  Deno.writeFileSync(path, new Uint8Array(), { createNew: true });
  let found: LocalNames;
  try {
    const swapped = name.replace("Probe", "pROBE");
    const nfd = name.normalize("NFD");
    const caseInsensitive = exists(swapped);
    let normalization: LocalNames["normalization"] = "none";
    if (exists(nfd)) {
      normalization = "insensitive";
      for (const entry of Deno.readDirSync(localDir)) {
        if (entry.name === nfd) normalization = "nfd";
      }
    }
    found = localNamesOf(caseInsensitive, normalization);
  } finally {
    Deno.removeSync(path);
  }
  cache.set(key, found);
  return found;
}
