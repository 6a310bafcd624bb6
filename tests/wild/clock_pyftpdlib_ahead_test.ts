import { CLOCK_SCENARIOS } from "./clock_scenarios.ts";
import { registerVariant } from "./known_failures.ts";
import { CLOCK_VARIANTS } from "./variants.ts";

registerVariant(CLOCK_VARIANTS.pyftpdlibListAhead, CLOCK_SCENARIOS);
