import { DIALECT_SCENARIOS, SPECIFIC } from "./dialect_scenarios.ts";
import { registerVariant } from "./known_failures.ts";
import { DIALECT_VARIANTS } from "./variants.ts";

registerVariant(DIALECT_VARIANTS.vsftpdDebian, [
  ...DIALECT_SCENARIOS,
  SPECIFIC.growingFile,
  SPECIFIC.badLocalNames,
  SPECIFIC.remoteNewlineDir,
  SPECIFIC.dirReplacedByFile,
]);
