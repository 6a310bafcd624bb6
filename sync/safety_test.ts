import assert from "node:assert/strict";
import { checkSafety } from "./safety.ts";
import type { Plan, Side } from "./types.ts";

/** The file counts of a baseline of `files` files on each side. */
function baselineOf(files: number): () => Record<Side, number> {
  return () => ({ local: files, remote: files });
}

function planWith(local: number, remote: number): Plan {
  return { actions: [], deletes: { local, remote }, conflicts: 0 };
}

const NOT_EMPTY = { localListingEmpty: false, remoteListingEmpty: false };

Deno.test("checkSafety() allows up to MaxDelete percent per side", async (t) => {
  const rows: Array<[string, number, number, "ok" | "local" | "remote"]> = [
    ["49% local", 49, 0, "ok"],
    ["50% local (exactly MaxDelete)", 50, 0, "ok"],
    ["51% local", 51, 0, "local"],
    ["49% remote", 0, 49, "ok"],
    ["50% remote", 0, 50, "ok"],
    ["51% remote", 0, 51, "remote"],
    ["51% both: local reported first", 51, 51, "local"],
  ];
  for (const [name, local, remote, expected] of rows) {
    await t.step(name, () => {
      const verdict = checkSafety(planWith(local, remote), baselineOf(100), {
        maxDeletePercent: 50,
        ...NOT_EMPTY,
      });
      if (expected === "ok") {
        assert.deepEqual(verdict, { ok: true });
      } else {
        assert.equal(verdict.ok, false);
        if (verdict.ok) return;
        assert.equal(verdict.side, expected);
        assert.equal(verdict.deletes, 51);
        assert.equal(verdict.files, 100);
      }
    });
  }
});

Deno.test("checkSafety() names the section, side, counts and MaxDelete", () => {
  const verdict = checkSafety(planWith(0, 3), baselineOf(4), {
    maxDeletePercent: 50,
    section: "FTP1",
    ...NOT_EMPTY,
  });
  assert.equal(verdict.ok, false);
  if (verdict.ok) return;
  assert.equal(
    verdict.message,
    'Refusing to delete 3 of 4 files (75%) on the remote side of section "FTP1": more than ' +
      "MaxDelete=50%, nothing was changed",
  );
});

Deno.test("checkSafety() counts an empty root as deleting every file", async (t) => {
  await t.step("local root empty: the remote side would lose everything", () => {
    const verdict = checkSafety(planWith(0, 0), baselineOf(10), {
      maxDeletePercent: 50,
      localListingEmpty: true,
      remoteListingEmpty: false,
    });
    assert.equal(verdict.ok, false);
    if (verdict.ok) return;
    assert.equal(verdict.side, "remote");
    assert.equal(verdict.deletes, 10);
    assert.match(verdict.message, /the local root lists empty/);
  });
  await t.step("remote root empty: the local side would lose everything", () => {
    const verdict = checkSafety(planWith(0, 0), baselineOf(10), {
      maxDeletePercent: 50,
      localListingEmpty: false,
      remoteListingEmpty: true,
    });
    assert.equal(verdict.ok, false);
    if (!verdict.ok) assert.equal(verdict.side, "local");
  });
  await t.step("MaxDelete=100 allows it", () => {
    const verdict = checkSafety(planWith(0, 0), baselineOf(10), {
      maxDeletePercent: 100,
      localListingEmpty: true,
      remoteListingEmpty: false,
    });
    assert.deepEqual(verdict, { ok: true });
  });
});

Deno.test("checkSafety() never aborts with an empty baseline (first sync)", () => {
  const verdict = checkSafety(planWith(0, 0), baselineOf(0), {
    maxDeletePercent: 0,
    localListingEmpty: true,
    remoteListingEmpty: true,
  });
  assert.deepEqual(verdict, { ok: true });
});

Deno.test("checkSafety() counts each side's own files", () => {
  // 10 local files, 100 remote ones (a kind changed since): 20 remote deletions are 20%.
  const counts = () => ({ local: 10, remote: 100 });
  assert.deepEqual(checkSafety(planWith(0, 20), counts, { maxDeletePercent: 50, ...NOT_EMPTY }), {
    ok: true,
  });
  const verdict = checkSafety(planWith(6, 0), counts, { maxDeletePercent: 50, ...NOT_EMPTY });
  assert.equal(verdict.ok, false);
  if (!verdict.ok) assert.equal(verdict.files, 10);
});

Deno.test("checkSafety() counts the baseline only when something is deleted", () => {
  let asked = 0;
  const counts = () => {
    asked++;
    return { local: 10, remote: 10 };
  };
  checkSafety(planWith(0, 0), counts, { maxDeletePercent: 50, ...NOT_EMPTY });
  assert.equal(asked, 0);
  checkSafety(planWith(1, 0), counts, { maxDeletePercent: 50, ...NOT_EMPTY });
  assert.equal(asked, 1);
});
