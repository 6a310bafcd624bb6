import assert from "node:assert/strict";
import { parseOptions } from "./options.ts";
import { FULL_SCALE, QUICK_SCALE } from "./data.ts";

Deno.test("parseOptions: defaults, --quick, filters and errors", async (t) => {
  await t.step("defaults: full scale, 3 reps, every profile and contender", () => {
    const o = parseOptions([]);
    assert.deepEqual(o.scale, FULL_SCALE);
    assert.equal(o.reps, 3);
    assert.deepEqual(o.profiles, ["plain", "ftps", "rtt20"]);
    assert.deepEqual(o.datasets, ["S", "L", "X", "C", "W"]);
    assert.equal(o.contenders.length, 6);
    assert.equal(o.outDir, undefined);
  });
  await t.step("--quick: small scale, 1 rep, plain only", () => {
    const o = parseOptions(["--quick"]);
    assert.deepEqual(o.scale, QUICK_SCALE);
    assert.equal(o.reps, 1);
    assert.deepEqual(o.profiles, ["plain"]);
  });
  await t.step("--only, --contenders, --reps, --scale", () => {
    const o = parseOptions([
      "--only",
      "S,X",
      "--contenders",
      "lftp,bisync",
      "--reps",
      "5",
      "--scale",
      "0.1",
    ]);
    assert.deepEqual(o.datasets, ["S", "X"]);
    assert.deepEqual(o.contenders, ["lftp mirror", "rclone bisync"]);
    assert.equal(o.reps, 5);
    assert.equal(o.scale.sFiles, 1000);
    assert.equal(o.scale.xFiles, 5000);
  });
  await t.step("errors name the option and the value", () => {
    assert.throws(() => parseOptions(["--only", "S,Q"]), /data set "Q"/);
    assert.throws(() => parseOptions(["--reps", "0"]), /--reps "0"/);
    assert.throws(() => parseOptions(["--reps", "1.5"]), /--reps "1.5"/);
    assert.throws(() => parseOptions(["--bogus"]));
  });
});
