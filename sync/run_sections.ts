/**
 * Runs one pass over several sections, ConcurrentSynchronisations at a time, each with its own
 * connection pool, and turns the outcomes into an exit code.
 * @module
 */
import type { SectionConfig } from "../config/mod.ts";
import type { RemoteFsPool } from "./ftp/mod.ts";
import { type PassOptions, type PassOutcome, runPass } from "./pass.ts";

/** Options of {@linkcode syncSections}. */
export interface SyncSectionsOptions {
  /** Sections run at once (ConcurrentSynchronisations). */
  concurrency: number;
  /** Makes the section's pool; it is closed after the section's pass. */
  makePool: (section: SectionConfig) => RemoteFsPool;
  stateDir: string;
  binDirectory: string;
  dryRun: boolean;
  /** The section's Identifier (the caller has written it into the ini when it was missing). */
  identifierOf: (section: SectionConfig) => string;
  /** The time of each pass, read once per pass. @default {() => new Date()} */
  clock?: () => Date;
  signal?: AbortSignal;
  /** Told as each section finishes. */
  onOutcome?: (section: SectionConfig, outcome: PassOutcome) => void;
  /** Extra pass options (progress, retry delays in tests). */
  passOptions?: Partial<Pick<PassOptions, "onProgress" | "retryDelaysMs">>;
}

/** One section's result. */
export interface SectionOutcome {
  section: SectionConfig;
  outcome: PassOutcome;
}

/** Runs a pass over each section, at most `concurrency` at once; outcomes in section order. */
export async function syncSections(
  sections: readonly SectionConfig[],
  options: SyncSectionsOptions,
): Promise<SectionOutcome[]> {
  const clock = options.clock ?? (() => new Date());
  const outcomes: SectionOutcome[] = new Array(sections.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sections.length) {
      const index = next++;
      const section = sections[index]!;
      const pool = options.makePool(section);
      let outcome: PassOutcome;
      try {
        outcome = await runPass({
          section,
          stateDir: options.stateDir,
          binDirectory: options.binDirectory,
          dryRun: options.dryRun,
          now: clock(),
          pool,
          identifier: options.identifierOf(section),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          ...options.passOptions,
        });
      } finally {
        await pool.close();
      }
      outcomes[index] = { section, outcome };
      options.onOutcome?.(section, outcome);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, sections.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return outcomes;
}

/** 0 when every pass ended "ok" (conflicts included), else 1. */
export function exitCodeFor(outcomes: readonly SectionOutcome[]): 0 | 1 {
  return outcomes.every(({ outcome }) => outcome.report.outcome === "ok") ? 0 : 1;
}
