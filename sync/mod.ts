/**
 * The sync engine: listings, diff, plan, safety, execution, baseline, trash, locks, passes.
 * @module
 */
export type * from "./types.ts";
