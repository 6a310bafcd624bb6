/**
 * A property test of the planner: random trees on both sides (with a baseline or without, files
 * edited, deleted, added and moved), executed by a faithful model of the executor, must converge
 * within two passes, keep both sides equal (Direction=both) and never lose a version that was
 * created or changed since the baseline.
 */
import assert from "node:assert/strict";
import { applyResults } from "../tests/support/apply_results.ts";
import { movedRows } from "./execute_rename.ts";
import { isConflictName } from "./conflict_name.ts";
import { type Direction, plan } from "./plan.ts";
import type {
  Action,
  ActionResult,
  Baseline,
  BaselineRow,
  BaselineUpdate,
  Entry,
  Listing,
  Side,
} from "./types.ts";

interface Node {
  kind: "file" | "dir";
  content: string;
  mtimeMs: number;
  /** A local file's inode (a move keeps it). */
  ino?: number;
}
type Tree = Map<string, Node>;

const POOL = [
  "a",
  "b",
  "d/a",
  "d/b",
  "d/e/a",
  "x",
  "x/y",
  "d",
  "e/f",
  "a.conflict-20260101T000000-local",
];
const T0 = 1_700_000_000_000;
const DIR: Node = { kind: "dir", content: "", mtimeMs: 0 };

/** A small deterministic generator (tests must be reproducible). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function ancestors(path: string): string[] {
  const parts = path.split("/");
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

function clashes(a: string, b: string): boolean {
  return a === b || a.startsWith(b + "/") || b.startsWith(a + "/");
}

function treeFrom(files: Map<string, Node>, dirs: string[]): Tree {
  const tree: Tree = new Map(files);
  const names = [...files.keys()];
  for (const dir of dirs) {
    if (names.some((file) => clashes(file, dir) && file !== dir && !file.startsWith(dir + "/"))) {
      continue;
    }
    if (!files.has(dir)) tree.set(dir, DIR);
  }
  for (const path of [...tree.keys()]) for (const a of ancestors(path)) tree.set(a, DIR);
  return tree;
}

function entry(path: string, node: Node, side: Side): Entry {
  const precision = side === "local" ? 1 : 1000;
  return {
    path,
    kind: node.kind,
    size: node.kind === "file" ? node.content.length : 0,
    mtimeMs: Math.floor(node.mtimeMs / precision) * precision,
    mtimePrecisionMs: precision,
    rawTime: "",
    ...(side === "local" && node.ino !== undefined ? { dev: 1, ino: node.ino } : {}),
  };
}

function listing(tree: Tree, side: Side): Listing {
  return new Map([...tree].map(([path, node]) => [path, entry(path, node, side)]));
}

function row(path: string, local: Node, remote: Node): BaselineRow {
  return {
    path,
    kind: local.kind,
    local: entry(path, local, "local"),
    remote: entry(path, remote, "remote"),
  };
}

/** Executes a plan the way `execute.ts` is specified to (without its I/O). */
function execute(actions: Action[], trees: Record<Side, Tree>, trash: string[]): ActionResult[] {
  const results: ActionResult[] = [];
  const ok = (action: Action, updates: BaselineUpdate[]) =>
    results.push({ action, ok: true, updates, bytes: 0 });
  const fail = (action: Action, error: string) =>
    results.push({ action, ok: false, error, transient: false });
  const parentsExist = (tree: Tree, path: string) =>
    ancestors(path).every((a) => tree.get(a)?.kind === "dir");
  const rowOf = (path: string): BaselineUpdate => {
    const l = trees.local.get(path);
    const r = trees.remote.get(path);
    return { path, row: l && r ? row(path, l, r) : null };
  };
  const run = (action: Action): void => {
    switch (action.type) {
      case "upload":
      case "download": {
        const [from, to] = action.type === "upload"
          ? [trees.local, trees.remote]
          : [trees.remote, trees.local];
        const node = from.get(action.path);
        if (node?.kind !== "file") fail(action, `no source file at ${action.path}`);
        else if (!parentsExist(to, action.path)) fail(action, `no parent for ${action.path}`);
        else if (to.get(action.path)?.kind === "dir") fail(action, `a directory at ${action.path}`);
        else {
          const old = to.get(action.path);
          if (old !== undefined && action.type === "download") trash.push(old.content);
          to.set(action.path, { ...node });
          ok(action, [rowOf(action.path)]);
        }
        break;
      }
      case "mkdirLocal":
      case "mkdirRemote": {
        const tree = action.type === "mkdirLocal" ? trees.local : trees.remote;
        const old = tree.get(action.path);
        if (action.replaceFile && old?.kind === "file") {
          if (action.type === "mkdirLocal") trash.push(old.content);
          tree.delete(action.path);
        }
        if (!parentsExist(tree, action.path)) fail(action, `no parent for ${action.path}`);
        else if (tree.get(action.path)?.kind === "file") fail(action, `${action.path} exists`);
        else {
          // An existing directory is fine (a rename made it as a parent).
          tree.set(action.path, DIR);
          const update = rowOf(action.path);
          ok(action, update.row === null ? [] : [update]);
        }
        break;
      }
      case "deleteLocal":
      case "deleteRemote": {
        const tree = action.type === "deleteLocal" ? trees.local : trees.remote;
        if ([...tree.keys()].some((path) => path.startsWith(action.path + "/"))) {
          fail(action, `${action.path} is not empty`);
        } else {
          const old = tree.get(action.path);
          if (old?.kind === "file" && action.type === "deleteLocal") trash.push(old.content);
          tree.delete(action.path);
          ok(action, [{ path: action.path, row: null }]);
        }
        break;
      }
      case "adopt":
        ok(action, [rowOf(action.path)]);
        break;
      case "forget":
        ok(action, [{ path: action.path, row: null }]);
        break;
      case "keepBoth": {
        const loser: Side = action.winner === "local" ? "remote" : "local";
        const loserNode = trees[loser].get(action.path)!;
        const winnerNode = trees[action.winner].get(action.path)!;
        trees[loser].set(action.loserPath, { ...loserNode });
        trees[loser].set(action.path, { ...winnerNode });
        if (action.onlySide === undefined) {
          trees[action.winner].set(action.loserPath, { ...loserNode });
          ok(action, [rowOf(action.path), rowOf(action.loserPath)]);
        } else {
          ok(action, [rowOf(action.path)]);
        }
        break;
      }
      case "compare": {
        const l = trees.local.get(action.path)!;
        const r = trees.remote.get(action.path)!;
        if (l.content !== r.content) {
          run(action.ifDifferent);
          break;
        }
        // Equal: the older mtime on both sides (on the writable one only, with Direction).
        const older = Math.min(l.mtimeMs, r.mtimeMs);
        if (action.onlySide !== "remote") trees.local.set(action.path, { ...l, mtimeMs: older });
        if (action.onlySide !== "local") trees.remote.set(action.path, { ...r, mtimeMs: older });
        ok(action, [rowOf(action.path)]);
        break;
      }
      case "renameLocal":
      case "renameRemote": {
        const tree = action.type === "renameLocal" ? trees.local : trees.remote;
        const node = tree.get(action.from);
        if (node?.kind !== action.kind) fail(action, `no source at ${action.from}`);
        else if (tree.has(action.path)) fail(action, `${action.path} exists`);
        else {
          // Locally every missing parent is made; on the server, those the plan names.
          const made = action.type === "renameLocal" ? ancestors(action.path) : action.parents;
          for (const a of made ?? []) if (!tree.has(a)) tree.set(a, DIR);
          if (!parentsExist(tree, action.path)) {
            fail(action, `no parent for ${action.path}`);
            break;
          }
          for (const [path, moved] of [...tree]) {
            if (path !== action.from && !path.startsWith(`${action.from}/`)) continue;
            tree.delete(path);
            tree.set(action.path + path.slice(action.from.length), moved);
          }
          ok(action, movedRows(action));
        }
        break;
      }
      case "recordMove":
        ok(action, movedRows(action));
        break;
    }
  };
  for (const action of actions) run(action);
  return results;
}

function contents(trees: Record<Side, Tree>): string[] {
  return [...trees.local.values(), ...trees.remote.values()]
    .filter((node) => node.kind === "file")
    .map((node) => node.content);
}

Deno.test("plan() converges in two passes and loses no changed version (random trees)", () => {
  const next = random(20261125);
  let counter = 0;
  const newFile = (): Node => {
    counter++;
    const pad = "x".repeat(Math.floor(next() * 3));
    return {
      kind: "file",
      content: `v${counter}${pad}`,
      mtimeMs: T0 + counter * 10_000,
      ino: counter,
    };
  };
  const mutate = (tree: Tree): Tree => {
    const files = new Map<string, Node>();
    const moved: Node[] = [];
    for (const [path, node] of tree) {
      if (node.kind !== "file") continue;
      const r = next();
      if (r < 0.45) files.set(path, node);
      else if (r < 0.55) moved.push(node);
      else if (r < 0.75) files.set(path, newFile());
    }
    // Moves: the same file (inode, size, time) under another name.
    for (const node of moved) {
      const to = POOL[Math.floor(next() * POOL.length)]!;
      if (![...files.keys()].some((file) => clashes(file, to))) files.set(to, node);
    }
    for (const path of POOL) {
      if (next() < 0.2 && ![...files.keys()].some((file) => clashes(file, path))) {
        files.set(path, newFile());
      }
    }
    const dirs = [...tree].filter(([, node]) => node.kind === "dir" && next() < 0.7);
    return treeFrom(files, dirs.map(([path]) => path));
  };
  const directions: Direction[] = ["both", "upload", "download"];
  for (let round = 0; round < 1500; round++) {
    const direction = directions[round % 3]!;
    const synced = new Map<string, Node>();
    for (const path of POOL) {
      if (next() < 0.4 && ![...synced.keys()].some((file) => clashes(file, path))) {
        synced.set(path, newFile());
      }
    }
    const start = treeFrom(synced, []);
    const firstSync = next() < 0.2;
    let baseline: Baseline = firstSync
      ? new Map()
      : new Map([...start].map(([path, node]) => [path, row(path, node, node)]));
    const trees: Record<Side, Tree> = { local: mutate(start), remote: mutate(start) };
    const scenario = JSON.stringify(
      { round, direction, firstSync, ...trees },
      (_, v) => v instanceof Map ? [...v.keys()] : v,
    );
    const before = contents(trees);
    const trash: string[] = [];
    for (let pass = 0; pass < 3; pass++) {
      const result = plan(
        { local: listing(trees.local, "local"), remote: listing(trees.remote, "remote") },
        baseline,
        { direction, now: new Date(T0 + 1e9 + pass * 1000) },
      );
      for (const action of result.actions) {
        if (action.type !== "keepBoth" || action.local?.kind !== action.remote?.kind) continue;
        assert.ok(!isConflictName(action.path), `a conflict copy in conflict: ${scenario}`);
        if (action.onlySide === undefined) {
          const winner = action[action.winner]!;
          const loser = action[action.winner === "local" ? "remote" : "local"]!;
          assert.ok(winner.mtimeMs >= loser.mtimeMs, `the older version won: ${scenario}`);
        }
      }
      if (pass === 2) {
        assert.deepEqual(result.actions.map((a) => `${a.type} ${a.path}`), [], scenario);
      }
      const results = execute(result.actions, trees, trash);
      for (const r of results) assert.ok(r.ok, `${r.action.type} ${r.action.path}: ${scenario}`);
      baseline = applyResults(baseline, results);
    }
    const after = new Set([...contents(trees), ...trash]);
    const synchronised = new Set([...start.values()].map((node) => node.content));
    for (const content of before) {
      // Only a version unchanged since the baseline may go, when the other side deleted it.
      if (firstSync || !synchronised.has(content)) assert.ok(after.has(content), scenario);
    }
    if (direction === "both") {
      const files = (tree: Tree) =>
        [...tree].filter(([, node]) => node.kind === "file").sort(([a], [b]) => (a < b ? -1 : 1));
      assert.deepEqual(files(trees.local), files(trees.remote), scenario);
    }
  }
});
