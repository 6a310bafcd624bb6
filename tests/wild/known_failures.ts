/**
 * The scenarios that fail against the current engine, by scenario and variant, with the issue
 * item they belong to and why: the engine helpers' to-do list. A listed scenario is registered
 * with `ignore: true` so the suite stays green; delete its row when the engine is fixed (and see
 * it pass). `FTP_CLONE_WILD_ALL=1` runs the listed ones too, to see which of them pass now.
 * @module
 */
import { ignoreUnlessServer } from "../support/ftp_servers.ts";
import { Lab, type Variant } from "./wild_lab.ts";

/** Why a scenario fails on a variant today. */
export interface KnownFailure {
  /** `12.4` = issue 12, "What to build" item 4. */
  issue: string;
  reason: string;
}

/** `scenario id@variant` -> why it fails today. */
export const KNOWN_FAILURES: Readonly<Record<string, KnownFailure>> = {};

/** One scenario: applies to some variants, runs against a started lab. */
export interface Scenario {
  /** Short id, the row of KNOWN_FAILURES: `12e-day`, `13.1-collision`. */
  id: string;
  name: string;
  applies?: (variant: Variant) => boolean;
  run: (lab: Lab) => Promise<void>;
}

/** The known failure of `scenario` on `variant`, if any. */
export function knownFailure(scenario: string, variant: string): KnownFailure | undefined {
  return KNOWN_FAILURES[`${scenario}@${variant}`];
}

/** Registers one test for `variant`: its server started once, a step per applicable scenario. */
export function registerVariant(variant: Variant, scenarios: readonly Scenario[]): void {
  Deno.test({
    name: `wild ${variant.name}`,
    ignore: ignoreUnlessServer(...variant.needs),
    fn: async (t) => {
      await using lab = await Lab.start(variant);
      for (const scenario of scenarios) {
        if (scenario.applies && !scenario.applies(variant)) continue;
        const known = knownFailure(scenario.id, variant.name);
        const runAll = Deno.env.get("FTP_CLONE_WILD_ALL") === "1";
        await t.step({
          name: `${scenario.id}: ${scenario.name}${
            known ? ` (known failure, issue ${known.issue})` : ""
          }`,
          ignore: known !== undefined && !runAll,
          fn: () => scenario.run(lab),
        });
      }
    },
  });
}
