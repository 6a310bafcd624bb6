/**
 * `deno task dist`: builds `dist/ftp-clone-<version>-linux-x64.tar.gz`, a release that runs
 * offline on a Linux machine without Deno, laid out as the original tool's tarball: its files
 * unpack into the current directory, so that the original docs' steps work as written
 * (`mkdir /ftp-clone; cd /ftp-clone; tar -xf ...; ./ftp-clone install`). It holds, at its top:
 * - `deno`: the Deno binary running this script (so build with the Deno the project pins);
 * - the program: every local module of mod.ts's graph (no tests), deno.json (the import map),
 *   deno.lock;
 * - `deno-dir/npm`: the npm dependencies, cached by `deno cache --frozen` into a fresh DENO_DIR;
 * - `ftp-clone`: the launcher (deploy/release/ftp-clone), which runs
 *   `deno run --cached-only --frozen` with that DENO_DIR, so nothing is ever fetched;
 * - `ftp-clone-controle`: a symbolic link to it, the original tool's name, for old scripts;
 * - parametre.ini.example (the first command creates parametre.ini from it, so that unpacking
 *   a new version over an old one never replaces the user's file), README.txt, README.md and
 *   docs/.
 *
 * Before packing, the staged tree is run once (`ftp-clone --version`), in a network namespace
 * with no network when `unshare -n` can make one, to prove it works offline.
 *
 * Usage: `deno run -A deploy/build_dist.ts [--out-dir DIR] [--fast]` (`--fast`: gzip -1, about
 * 2 s instead of 5 s for a 10 % bigger file). Prints the tarball's path.
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file is deploy/build_dist.ts). */
const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The release's templates: launcher, example parametre.ini, README.txt. */
const RELEASE_DIR = fileURLToPath(new URL("./release/", import.meta.url));

/** Options of {@linkcode buildDist}. */
export interface BuildDistOptions {
  /** Where the tarball goes. @default {"<repo>/dist"} */
  outDir?: string;
  /** gzip level, 1 (fast) to 9. @default {6} */
  gzipLevel?: number;
  /** The Deno binary to ship. @default {Deno.execPath()} */
  deno?: string;
}

/** What {@linkcode buildDist} made. */
export interface DistResult {
  /** Absolute path of the tarball. */
  tarball: string;
  /** Its size in bytes. */
  bytes: number;
  /** The names at the top of the tarball (what unpacks into the current directory), sorted. */
  entries: string[];
}

/** The original tool's name for the launcher: a symbolic link, for scripts that call it. */
export const LEGACY_NAME = "ftp-clone-controle";

/** `ftp-clone-0.1.0-linux-x64.tar.gz`. */
export function tarballName(version: string): string {
  return `ftp-clone-${version}-linux-x64.tar.gz`;
}

/**
 * The repository-relative paths of the local modules in `deno info --json` output, sorted:
 * what the program loads, and nothing else (tests, bench and this script are not in the graph).
 */
export function localModules(info: { modules?: { specifier: string }[] }, root: string): string[] {
  const files: string[] = [];
  for (const { specifier } of info.modules ?? []) {
    if (!specifier.startsWith("file://")) continue;
    const rel = relative(root, fileURLToPath(specifier));
    if (rel.startsWith("..")) {
      throw new Error(`Module "${specifier}" is outside the repository "${root}"`);
    }
    files.push(rel.split("\\").join("/"));
  }
  return files.sort();
}

/** Runs a command; throws with its stderr when it fails. */
async function must(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
  }).output();
  const decoder = new TextDecoder();
  if (out.code !== 0) {
    throw new Error(
      `Command "${cmd} ${args.join(" ")}" failed (exit ${out.code}): ` +
        decoder.decode(out.stderr).trim(),
    );
  }
  return decoder.decode(out.stdout);
}

/** Whether `unshare -n` works here (root, util-linux): the smoke run then has no network. */
async function canUnshareNet(): Promise<boolean> {
  try {
    const out = await new Deno.Command("unshare", {
      args: ["-n", "true"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return out.code === 0;
  } catch {
    return false;
  }
}

function copyInto(from: string, to: string, mode?: number): void {
  Deno.mkdirSync(dirname(to), { recursive: true });
  Deno.copyFileSync(from, to);
  if (mode !== undefined) Deno.chmodSync(to, mode);
}

/** Removes all but `keep` from a directory. */
function keepOnly(dir: string, keep: string): void {
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.name !== keep) Deno.removeSync(join(dir, entry.name), { recursive: true });
  }
}

/** Builds the release tarball (see the module documentation). */
export async function buildDist(options: BuildDistOptions = {}): Promise<DistResult> {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    throw new Error(
      `Cannot build the linux-x64 release on ${Deno.build.os}-${Deno.build.arch}: it ships ` +
        "the running Deno binary",
    );
  }
  const denoJson = JSON.parse(Deno.readTextFileSync(join(REPO_ROOT, "deno.json")));
  const version = String(denoJson.version);
  const deno = Deno.realPathSync(options.deno ?? Deno.execPath());
  const denoVersion = (await must(deno, ["--version"])).split(/\s+/)[1] ?? "?";
  const outDir = resolve(options.outDir ?? join(REPO_ROOT, "dist"));
  const staging = await Deno.makeTempDir({ prefix: "ftp-clone-dist-" });
  try {
    const top = join(staging, "top");
    // The program: exactly the local modules of mod.ts's graph, plus the lock file.
    const info = JSON.parse(await must(deno, ["info", "--json", "mod.ts"], { cwd: REPO_ROOT }));
    const modules = localModules(info, REPO_ROOT);
    for (const rel of new Set([...modules, "deno.json", "deno.lock"])) {
      copyInto(join(REPO_ROOT, rel), join(top, rel), 0o644);
    }
    // The npm dependencies, from the registry into a fresh DENO_DIR; only npm/ is kept (the
    // other caches are keyed by this staging path and would be useless after unpacking).
    const denoDir = join(top, "deno-dir");
    await must(deno, ["cache", "--frozen", "--quiet", "mod.ts"], {
      cwd: REPO_ROOT,
      env: { ...Deno.env.toObject(), DENO_DIR: denoDir, NO_COLOR: "1" },
    });
    keepOnly(denoDir, "npm");
    // The runtime and its licence.
    copyInto(deno, join(top, "deno"), 0o755);
    try {
      copyInto(join(dirname(deno), "LICENSE"), join(top, "LICENSE.deno"), 0o644);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      Deno.writeTextFileSync(
        join(top, "LICENSE.deno"),
        "Deno is distributed under the MIT licence: https://github.com/denoland/deno\n",
      );
    }
    // The launcher, the example configuration and the documentation.
    copyInto(join(RELEASE_DIR, "ftp-clone"), join(top, "ftp-clone"), 0o755);
    Deno.symlinkSync("ftp-clone", join(top, LEGACY_NAME));
    copyInto(join(RELEASE_DIR, "parametre.ini"), join(top, "parametre.ini.example"), 0o644);
    copyInto(join(REPO_ROOT, "README.md"), join(top, "README.md"), 0o644);
    for (const doc of Deno.readDirSync(join(REPO_ROOT, "docs"))) {
      if (doc.name.endsWith(".md")) {
        copyInto(join(REPO_ROOT, "docs", doc.name), join(top, "docs", doc.name), 0o644);
      }
    }
    const readme = Deno.readTextFileSync(join(RELEASE_DIR, "README.txt"))
      .replaceAll("@VERSION@", version)
      .replaceAll("@DENO_VERSION@", denoVersion);
    Deno.writeTextFileSync(join(top, "README.txt"), readme, { mode: 0o644 });

    // Smoke run: the staged tree must start with no network at all.
    const launcher = join(top, "ftp-clone");
    const smokeEnv = { PATH: "/usr/bin:/bin", HOME: staging };
    const printed = (await canUnshareNet())
      ? await must("unshare", ["-n", launcher, "--version"], { env: smokeEnv, cwd: staging })
      : await must(launcher, ["--version"], { env: smokeEnv, cwd: staging });
    if (!printed.startsWith(`ftp-clone ${version} (Deno `)) {
      throw new Error(`The staged release printed "${printed.trim()}" for --version`);
    }
    keepOnly(denoDir, "npm");
    // --version creates nothing, but make sure no parametre.ini slips into the release.
    await Deno.remove(join(top, "parametre.ini")).catch(() => {});
    const entries = [...Deno.readDirSync(top)].map((e) => e.name).sort();

    Deno.mkdirSync(outDir, { recursive: true });
    const tarball = join(outDir, tarballName(version));
    const temp = `${tarball}.tmp${Deno.pid}`;
    const level = Math.min(9, Math.max(1, Math.trunc(options.gzipLevel ?? 6)));
    try {
      await must("tar", [
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        "--sort=name",
        `--use-compress-program=gzip -${level}`,
        "-C",
        top,
        "-cf",
        temp,
        // The names, not ".": a "./" entry would set the mode and owner of the directory the
        // user unpacks into.
        "--",
        ...entries,
      ]);
      Deno.renameSync(temp, tarball);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw error;
    }
    return { tarball, bytes: Deno.statSync(tarball).size, entries };
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}

if (import.meta.main) {
  const args = [...Deno.args];
  const outIndex = args.indexOf("--out-dir");
  const outDir = outIndex === -1 ? undefined : args[outIndex + 1];
  const started = performance.now();
  const result = await buildDist({
    ...(outDir === undefined ? {} : { outDir }),
    gzipLevel: args.includes("--fast") ? 1 : 6,
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const megabytes = (result.bytes / 1_048_576).toFixed(1);
  // deno-lint-ignore no-console -- a command-line entry point
  console.log(`${result.tarball} (${megabytes} MiB, ${seconds} s)`);
}
