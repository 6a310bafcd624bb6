/**
 * Bad input: a seeded fuzz loop over parametre.ini. Mutated copies of the original tool's example
 * and of every fixture, and generated files, go through `loadConfig`. Every outcome must be a
 * loaded configuration or a list of issues, each `<file>:<line>: ...` with a line that exists
 * (line 0 only for file-level issues), never a thrown exception, never a password in a message.
 * Counts: 500 cases in CI, 10,000 with FTP_CLONE_FAULTS=large. Replay one case with
 * FTP_CLONE_FUZZ_SEED=<seed printed in the failure> (case 0 is that seed).
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import process from "node:process";
import {
  configFromText,
  type ConfigIssue,
  encryptPassword,
  formatIssue,
  loadConfig,
  loadSecretKey,
} from "../../config/mod.ts";
import { generateIni, makeRng, mutateIni } from "../support/fuzz_ini.ts";
import { FUZZ_SEED, scaled } from "./fault_scale.ts";

const FIXTURES = new URL("../fixtures/ini/", import.meta.url);
const SECRET = "s3cret-fuzz-P4ss";
/**
 * A case that takes more CPU than this is a failure (a regexp that backtracks, quadratic parsing of
 * one line), in ms of this process's CPU time (not wall time, which a loaded machine stretches):
 * 2 s plus 0.25 ms per line.
 */
function slowCaseMs(lineCount: number): number {
  return 2_000 + lineCount / 4;
}

/** CPU time (user + system) this process has used, in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Every fixture's bytes, the original tool's example first. */
async function fixtures(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for await (const entry of Deno.readDir(FIXTURES)) {
    if (!entry.isFile || !entry.name.endsWith(".ini")) continue;
    out.push({ name: entry.name, bytes: await Deno.readFile(new URL(entry.name, FIXTURES)) });
  }
  out.sort((a, b) => (a.name === "original.ini" ? -1 : b.name === "original.ini" ? 1 : 0));
  return out;
}

/** Why an issue is malformed, or undefined. */
export function issueProblem(
  issue: ConfigIssue,
  path: string,
  lineCount: number,
): string | undefined {
  if (issue.file !== path) return `file is ${JSON.stringify(issue.file)}`;
  if (!Number.isInteger(issue.line) || issue.line < 0 || issue.line > lineCount) {
    return `line ${issue.line} is not a line of the file (1-${lineCount})`;
  }
  const text = formatIssue(issue);
  const prefix = issue.line > 0 ? `${path}:${issue.line}: ` : `${path}: `;
  if (!text.startsWith(prefix)) return `formatted as ${JSON.stringify(text.slice(0, 80))}`;
  if (issue.line === 0 && (issue.key !== undefined)) {
    return `a key issue without a line: ${JSON.stringify(text.slice(0, 120))}`;
  }
  if (text.includes("\n")) return "the message spans several lines";
  if (text.includes(SECRET)) return "the message shows the password";
  return undefined;
}

/** The number of lines as the INI parser counts them (only LF ends a line). */
function countLines(bytes: Uint8Array): number {
  let n = 1;
  for (const b of bytes) if (b === 0x0a) n++;
  return n;
}

interface Failure {
  seed: number;
  ops: string;
  problem: string;
}

Deno.test("config fuzz: every mutated or generated parametre.ini loads or reports issues", async (t) => {
  const cases = scaled(500, 10_000);
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-fuzz-ini-" });
  try {
    const path = join(dir, "parametre.ini");
    const key = await loadSecretKey(path, { create: true });
    assert.ok(key);
    const encrypted = {
      ftp1: await encryptPassword(SECRET, key, { section: "FTP1" }),
      ftp2: await encryptPassword(SECRET, key, { section: "FTP2" }),
    };
    const sources = await fixtures();
    assert.ok(sources.length >= 7, "the INI fixtures are missing");
    const encoder = new TextEncoder();
    // Sources with real encrypted passwords, so that decryption runs on mutated values too.
    const original = new TextDecoder().decode(sources[0]!.bytes);
    sources.push({
      name: "original+passwords",
      bytes: encoder.encode(
        original.replace(/(\[FTP1\][^[]*?Password =)/, `$1 ${encrypted.ftp1}`)
          .replace(/(\[FTP2\][^[]*?Password =)/, `$1 ${encrypted.ftp2}`),
      ),
    });
    assert.match(new TextDecoder().decode(sources.at(-1)!.bytes), /Password = v1:/);

    const failures: Failure[] = [];
    const stats = { loaded: 0, rejected: 0, issues: 0, slowestMs: 0 };
    for (let i = 0; i < cases; i++) {
      const seed = (FUZZ_SEED + i) >>> 0;
      const rng = makeRng(seed);
      let bytes: Uint8Array;
      let ops: string;
      if (rng.chance(0.25)) {
        bytes = encoder.encode(generateIni(rng));
        ops = "generate";
        if (rng.chance(0.5)) {
          const m = mutateIni(bytes, rng);
          bytes = m.bytes;
          ops += `+${m.ops.join("+")}`;
        }
      } else {
        const source = rng.pick(sources);
        const m = mutateIni(source.bytes, rng);
        bytes = m.bytes;
        ops = `${source.name}:${m.ops.join("+")}`;
      }
      await Deno.writeFile(path, bytes);
      const lineCount = countLines(bytes);
      const started = cpuMs();
      let problem: string | undefined;
      try {
        const result = await loadConfig(path, { env: {} });
        const issues = result.ok ? result.config.warnings : [...result.errors, ...result.warnings];
        if (result.ok) {
          stats.loaded++;
          for (const s of result.config.sections) {
            if (s.line < 1 || s.line > lineCount) {
              problem ??= `section [${s.name}] at line ${s.line}`;
            }
            if (s.passwordError?.includes(SECRET)) problem ??= "passwordError shows the password";
          }
        } else {
          stats.rejected++;
          if (result.errors.length === 0) problem = "rejected without any error";
        }
        stats.issues += issues.length;
        for (const issue of issues) problem ??= issueProblem(issue, path, lineCount);
      } catch (error) {
        problem = `threw ${error instanceof Error ? `${error.name}: ${error.message}` : error}`;
      }
      const ms = cpuMs() - started;
      stats.slowestMs = Math.max(stats.slowestMs, ms);
      if (ms > slowCaseMs(lineCount)) problem ??= `took ${ms.toFixed(0)} ms`;
      if (problem !== undefined) failures.push({ seed, ops, problem });
    }
    await t.step(`${cases} cases: ${stats.loaded} loaded, ${stats.rejected} rejected`, () => {
      // Both outcomes must occur, or the fuzzer is not exercising the loader.
      assert.ok(stats.loaded > cases / 50, `only ${stats.loaded} cases loaded`);
      assert.ok(stats.rejected > cases / 10, `only ${stats.rejected} cases rejected`);
      assert.deepEqual(failures.slice(0, 10), [], `${failures.length} failing cases`);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config fuzz: issueProblem catches malformed issues", () => {
  const ok: ConfigIssue = { file: "/a.ini", line: 3, section: "FTP1", key: "Port", message: "Bad" };
  assert.equal(issueProblem(ok, "/a.ini", 5), undefined);
  assert.match(issueProblem({ ...ok, line: 9 }, "/a.ini", 5)!, /not a line/);
  assert.match(issueProblem({ ...ok, line: 0 }, "/a.ini", 5)!, /without a line/);
  assert.match(issueProblem({ ...ok, message: `x ${SECRET}` }, "/a.ini", 5)!, /password/);
  assert.match(issueProblem({ ...ok, message: "a\nb" }, "/a.ini", 5)!, /several lines/);
});

Deno.test({
  // Regression: suggestSection's regexp backtracked quadratically on a long section name of
  // letters, spaces, "_" or "-" that does not end in digits (64 KB: ~6.5 s).
  name: "config: a 64 KB section name is reported in well under a second",
}, async () => {
  const text = `[a${
    "-".repeat(64_000)
  }!]\n[FTP1]\nServer = h\nRemote_dir = /\nLocal_dir = /srv/a\n`;
  const started = cpuMs();
  const result = await configFromText(text, { path: "/x/parametre.ini" });
  const ms = cpuMs() - started;
  assert.equal(result.ok, false);
  assert.ok(ms < 1_000, `took ${ms.toFixed(0)} ms`);
});
