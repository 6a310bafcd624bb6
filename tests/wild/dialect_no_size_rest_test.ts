import { DIALECT_SCENARIOS } from "./dialect_scenarios.ts";
import { registerVariant } from "./known_failures.ts";
import { DIALECT_VARIANTS } from "./variants.ts";

registerVariant(DIALECT_VARIANTS.noSizeRest, [...DIALECT_SCENARIOS]);
