import { SPECIFIC } from "./dialect_scenarios.ts";
import { registerVariant } from "./known_failures.ts";
import { DIALECT_VARIANTS } from "./variants.ts";

registerVariant(DIALECT_VARIANTS.perUserLimit, [
  SPECIFIC.connectionBudget,
  SPECIFIC.remoteNewlineDir,
]);
