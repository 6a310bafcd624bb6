import assert from "node:assert/strict";
import {
  changedFiles,
  contentPool,
  contentSlice,
  largeFiles,
  QUICK_SCALE,
  smallFiles,
  treeFiles,
  treeStats,
  writeTree,
} from "./data.ts";
import { Prng } from "./prng.ts";

Deno.test("the PRNG and the data sets are deterministic", () => {
  assert.deepEqual(new Prng(7).bytes(9), new Prng(7).bytes(9));
  assert.notDeepEqual(new Prng(7).bytes(16), new Prng(8).bytes(16));
  assert.deepEqual(smallFiles(QUICK_SCALE, 1), smallFiles(QUICK_SCALE, 1));
  const s = smallFiles(QUICK_SCALE, 1);
  assert.equal(s.length, 500);
  assert.equal(new Set(s.map((f) => f.path.split("/")[0])).size, 5);
  assert.ok(s.every((f) => f.size >= 1024 && f.size <= 16384));
  const x = treeFiles(QUICK_SCALE, 1);
  assert.equal(new Set(x.map((f) => f.path)).size, 2000);
  const c = changedFiles(x, { count: 20, seed: 1, changedAt: 2e9 });
  const paths = [...c.local, ...c.remote].map((f) => f.path);
  assert.equal(new Set(paths).size, 40, "the two sides change different files");
  assert.ok([...c.local, ...c.remote].every((f) => f.mtime >= 2e9));
});

Deno.test("writeTree writes the sizes, mtimes and content it was given", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench-data-test-" });
  try {
    const pool = contentPool(1);
    const specs = [
      ...smallFiles({ ...QUICK_SCALE, sFiles: 20, sDirs: 2 }, 3),
      ...largeFiles({ ...QUICK_SCALE, lFiles: 1, lBytes: 2.5 * 1024 * 1024 }),
    ];
    writeTree(dir, specs, pool);
    const stats = treeStats(dir);
    assert.equal(stats.files, 21);
    assert.equal(stats.bytes, specs.reduce((n, f) => n + f.size, 0));
    const first = specs[0];
    assert.ok(first !== undefined);
    assert.deepEqual(
      Deno.readFileSync(`${dir}/${first.path}`),
      contentSlice(first, pool, { offset: 0, length: first.size }),
    );
    assert.equal(Deno.statSync(`${dir}/${first.path}`).mtime?.getTime(), first.mtime * 1000);
    // No block of a large file is left zero-filled.
    const big = Deno.readFileSync(`${dir}/big-0.bin`);
    assert.ok(big.subarray(big.length - 4096).some((b) => b !== 0));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
