/**
 * The next baseline from the results of a pass (docs/design.md, invariant 2), on an in-memory
 * `Baseline`: the model of what `runPass` does with its `BaselineStore` (`onResult` adds the
 * updates of successful results only), for tests that chain passes without a state directory.
 * @module
 */
import type { ActionResult, Baseline, BaselineRow } from "../../sync/types.ts";

/**
 * A new baseline: the old one with the updates of every successful result applied in order
 * (a `null` row drops the path). Failed results change nothing, so their paths keep their old
 * rows and are planned again by the next pass. The input is not modified.
 */
export function applyResults(baseline: Baseline, results: readonly ActionResult[]): Baseline {
  const next = new Map<string, BaselineRow>(baseline);
  for (const result of results) {
    if (!result.ok) continue;
    for (const update of result.updates) {
      if (update.row === null) next.delete(update.path);
      else next.set(update.path, update.row);
    }
  }
  return next;
}
