/**
 * What CI must see besides behaviour: formatting, lint, type checks, and the import layering of
 * the module map (cli -> {config, sync, deploy}; sync -> sync/ftp; across folders only through a
 * folder's mod.ts; no cycles; product code never imports tests/), and no product file that only
 * tests use (test doubles and test models live under tests/; a file nothing imports is dead).
 * @module
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

async function run(args: string[]): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  return { code, output: text };
}

Deno.test("deno fmt --check passes", async () => {
  const { code, output } = await run(["fmt", "--check"]);
  assert.equal(code, 0, output);
});

Deno.test("deno lint passes", async () => {
  const { code, output } = await run(["lint"]);
  assert.equal(code, 0, output);
});

Deno.test("deno check passes on every module", async () => {
  const { code, output } = await run([
    "check",
    "mod.ts",
    "cli",
    "config",
    "sync",
    "deploy",
    "tests",
  ]);
  assert.equal(code, 0, output);
});

/** Every .ts file under the code folders, relative to ROOT, "/"-separated. */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of Deno.readDirSync(join(ROOT, dir))) {
      const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory && !["node_modules", "dist", "fixtures", ".git"].includes(entry.name)) {
        walk(rel);
      } else if (entry.isFile && entry.name.endsWith(".ts")) files.push(rel);
    }
  };
  for (const top of ["cli", "config", "sync", "deploy"]) walk(top);
  files.push("mod.ts");
  return files;
}

const IMPORT_REGEXP = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+["']([^"']+)["']/gm;
const BARE_IMPORT_REGEXP = /^\s*import\s+["']([^"']+)["']/gm;

/** The top folder a file belongs to for layering: "sync/ftp" is its own layer. */
function layerOf(file: string): string {
  if (file.startsWith("sync/ftp/")) return "sync/ftp";
  const slash = file.indexOf("/");
  return slash === -1 ? "." : file.slice(0, slash);
}

/** Which layers a layer may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  ".": ["cli"],
  cli: ["config", "sync", "deploy"],
  config: [],
  sync: ["sync/ftp", "config"],
  "sync/ftp": [],
  deploy: [],
};

function localImports(file: string): { target: string; typeOnly: boolean }[] {
  const text = Deno.readTextFileSync(join(ROOT, file));
  const found: { target: string; typeOnly: boolean }[] = [];
  for (const match of text.matchAll(IMPORT_REGEXP)) {
    const spec = match[3]!;
    if (spec.startsWith(".")) {
      found.push({
        target: relative(ROOT, resolve(ROOT, dirname(file), spec)),
        typeOnly: match[2] !== undefined,
      });
    }
  }
  for (const match of text.matchAll(BARE_IMPORT_REGEXP)) {
    const spec = match[1]!;
    if (spec.startsWith(".")) {
      found.push({ target: relative(ROOT, resolve(ROOT, dirname(file), spec)), typeOnly: false });
    }
  }
  return found;
}

Deno.test("imports follow the module map and have no cycles", () => {
  const problems: string[] = [];
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    const from = layerOf(file);
    const edges: string[] = [];
    // Tests may reach into private files and tests/support; only production code is layered.
    const isTest = file.endsWith("_test.ts");
    for (const { target, typeOnly } of localImports(file)) {
      edges.push(target);
      if (isTest) continue;
      if (target.startsWith("tests/")) {
        problems.push(`${file}: product code never imports tests/ ("${target}")`);
        continue;
      }
      // The CLI reads its version from deno.json.
      if (target === "deno.json" && from === "cli") continue;
      const to = layerOf(target);
      if (to === from) continue;
      if (!ALLOWED[from]?.includes(to)) {
        problems.push(`${file}: layer "${from}" may not import "${target}"`);
        continue;
      }
      // sync may only see config's types; across folders only through a folder's mod.ts.
      if (from === "sync" && to === "config" && !typeOnly) {
        problems.push(`${file}: sync may import only types from config ("${target}")`);
      } else if (!target.endsWith("/mod.ts")) {
        problems.push(`${file}: imports "${target}"; across folders import only a mod.ts`);
      }
    }
    graph.set(file, edges);
  }
  // Cycle detection by depth-first search over file-level edges.
  const state = new Map<string, "open" | "done">();
  const visit = (file: string, stack: string[]): void => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      problems.push(`import cycle: ${[...stack.slice(stack.indexOf(file)), file].join(" -> ")}`);
      return;
    }
    state.set(file, "open");
    for (const next of graph.get(file) ?? []) visit(next, [...stack, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(problems, []);
});

/** Programs run directly (deno.json's tasks), besides the CLI's mod.ts. */
const ENTRY_POINTS = ["mod.ts", "deploy/build_dist.ts"];

Deno.test("every product file is reached from an entry point, not only from tests", () => {
  const product = sourceFiles().filter((file) => !file.endsWith("_test.ts"));
  const reached = new Set<string>();
  const visit = (file: string): void => {
    if (reached.has(file)) return;
    reached.add(file);
    for (const { target } of localImports(file)) if (target.endsWith(".ts")) visit(target);
  };
  for (const entry of ENTRY_POINTS) visit(entry);
  assert.deepEqual(product.filter((file) => !reached.has(file)), []);
});

/**
 * FTP reply codes compared outside `sync/ftp/` (`code === 550`, `case 421:`...): the engine speaks
 * meanings (`FtpError.meaning`), decided once in `sync/ftp/errors.ts`.
 */
const REPLY_CODE_REGEXP =
  /(===|!==|case)\s*[1-6][0-5][0-9]\b|\bcode\s*(>=|<=|<|>)\s*[1-6][0-9]{2}\b/;

Deno.test("no FTP reply code is read outside sync/ftp/", () => {
  const found = sourceFiles()
    .filter((file) => !file.startsWith("sync/ftp/") && !file.endsWith("_test.ts"))
    .flatMap((file) =>
      Deno.readTextFileSync(join(ROOT, file)).split("\n").flatMap((line, i) =>
        REPLY_CODE_REGEXP.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []
      )
    );
  assert.deepEqual(found, []);
});
