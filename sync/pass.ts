/**
 * One pass over one section: lock, walk both trees and the baseline directory by directory
 * (keeping only what the planner needs), read the exact times a move on the server needs, plan,
 * check safety, then (unless dry-run) execute, recording each completed action in the baseline,
 * and save the report.
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { SectionConfig } from "../config/mod.ts";
import type { RemoteFsPool } from "./ftp/mod.ts";
import { compileExclude, resumableTempPath } from "./exclude.ts";
import { checkLocalRoot } from "./local_lister.ts";
import { remotePath } from "./remote_lister.ts";
import { type LocalNames, probeLocalNames } from "./local_names.ts";
import { type SectionWalk, walkSection } from "./pass_walk.ts";
import { readMoveTimes } from "./move_times.ts";
import { settledAt } from "./remote_times.ts";
import { removeQuietly } from "./local_fs.ts";
import { plan as makePlan } from "./plan.ts";
import { checkSafety } from "./safety.ts";
import { execute, type ExecuteProgress } from "./execute.ts";
import { type BaselineSource, BaselineWriter, SqliteBaselineStore } from "./baseline_store.ts";
import { type BaselineReader, type BaselineRoots, openBaselineReader } from "./baseline_reader.ts";
import { purgeTrash } from "./trash.ts";
import { saveReport } from "./report_store.ts";
import { createPassAudit } from "./audit_log.ts";
import { type LockAttempt, tryLockSection } from "./section_lock.ts";
import { countResults, emptyReport } from "./pass_report.ts";
import { removeSnapshots } from "./growing_file.ts";
import type { ActionResult, PassReport, Plan } from "./types.ts";

/** Everything one pass needs. */
export interface PassOptions {
  section: SectionConfig;
  /** StateDirectory (absolute). */
  stateDir: string;
  /** Directory holding `chown` and `chmod`. */
  binDirectory: string;
  /** Plan only: nothing is written (not the trees, the baseline, the state directory). */
  dryRun: boolean;
  /** The time of the pass, read once by the caller. */
  now: Date;
  /** Connections to the section's server (the caller closes it). */
  pool: RemoteFsPool;
  /** The section's Identifier (the caller writes it into the ini first when missing). */
  identifier: string;
  /** Stops the pass at a safe point (no partial file under a final name). */
  signal?: AbortSignal;
  onProgress?: (progress: ExecuteProgress) => void;
  /** Delays between tries of a transiently failed action (ms). @default {[500, 2000]} */
  retryDelaysMs?: readonly number[];
  /** Overrides the wall clock used for the report's `finishedAt` (tests). */
  clock?: () => Date;
}

/** What a pass did (or, dry-run, would do). */
export interface PassOutcome {
  report: PassReport;
  plan: Plan;
  /** Set when another process holds the section's lock: its pid (0 when unreadable). */
  lockedBy?: number;
}

const EMPTY_PLAN: Plan = { actions: [], deletes: { local: 0, remote: 0 }, conflicts: 0 };

/** The roots a section's baseline belongs to. */
export function sectionRoots(section: SectionConfig): BaselineRoots {
  return {
    server: section.server,
    port: section.port,
    user: section.user,
    remoteDir: section.remoteDir,
    localDir: section.localDir,
  };
}

/**
 * The temporary files this plan's large transfers will resume (relative paths): those of the
 * same target and source version that a cut try left.
 */
function resumableTemps(plan: Plan): Set<string> {
  const temps = new Set<string>();
  for (const action of plan.actions) {
    const temp = action.type === "download" && action.remote !== undefined
      ? resumableTempPath("down", action.path, action.remote)
      : action.type === "upload" && action.local !== undefined
      ? resumableTempPath("up", action.path, action.local)
      : undefined;
    if (temp !== undefined) temps.add(temp);
  }
  return temps;
}

/**
 * Removes temporary files left by killed passes (best effort: they are invisible anyway), except
 * those the plan's transfers are about to resume.
 */
async function removeLeftovers(
  options: PassOptions,
  plan: Plan,
  temps: { local: readonly string[]; remote: readonly string[] },
): Promise<void> {
  const resumed = resumableTemps(plan);
  for (const path of temps.local) {
    if (!resumed.has(path)) removeQuietly(`${options.section.localDir}/${path}`);
  }
  const remoteTemps = temps.remote.filter((path) => !resumed.has(path));
  if (remoteTemps.length === 0) return;
  await options.pool.use(async (remote) => {
    for (const path of remoteTemps) {
      await remote.remove(remotePath(options.section.remoteDir, path)).catch(() => {});
    }
  }, options.signal).catch(() => {});
}

/**
 * Runs one pass over a section. Never throws for the section's own failures (a listing error, a
 * safety abort, a held lock): they come back as the report's outcome and errors.
 */
export async function runPass(options: PassOptions): Promise<PassOutcome> {
  const { section, stateDir, identifier, now, dryRun } = options;
  const log = getLogger(["ftp-clone", section.name]);
  const clock = options.clock ?? (() => new Date());
  const started = performance.now();
  const report = emptyReport({ section: section.name, identifier, now });
  const finish = (outcome: PassReport["outcome"], plan: Plan): PassOutcome => {
    report.outcome = outcome;
    report.finishedAt = clock().toISOString();
    if (!dryRun) saveReport(stateDir, report);
    return { report, plan };
  };
  const fail = (message: string, plan: Plan = EMPTY_PLAN): PassOutcome => {
    log.error("{message}", { message });
    report.errors.push(message);
    return finish("failed", plan);
  };

  // 1. Lock (a dry run writes nothing, so it takes no lock either).
  let lock: LockAttempt | undefined;
  if (!dryRun) {
    lock = tryLockSection(stateDir, identifier);
    if (!lock.ok) {
      const who = lock.pid === undefined ? "another process" : `process ${lock.pid}`;
      const message = `Section "${section.name}" is being synchronised by ${who} ` +
        `(lock "${lock.path}"); try again later`;
      log.error("{message}", { message });
      report.errors.push(message);
      report.outcome = "failed";
      report.finishedAt = clock().toISOString();
      return { report, plan: EMPTY_PLAN, lockedBy: lock.pid ?? 0 };
    }
  }
  let store: SqliteBaselineStore | undefined;
  let reader: BaselineReader | undefined;
  try {
    // 2. The baseline (set aside when its roots changed: this pass is then a first sync).
    const roots = sectionRoots(section);
    let source: BaselineSource;
    if (dryRun) {
      reader = openBaselineReader(stateDir, identifier, roots);
      source = reader.source;
    } else {
      store = SqliteBaselineStore.open(stateDir, identifier, roots, {
        now,
        onSetAside: (aside) =>
          log.warn(
            "The roots of section {section} changed: its old baseline was set aside as " +
              "{aside}; this pass is a first sync",
            { section: section.name, aside },
          ),
      });
      source = store;
    }

    // 3. Both trees and the baseline, directory by directory (walk.ts).
    const exclude = compileExclude(section.exclude);
    const onWarning = (message: string): void => log.warn("{message}", { message });
    // Temporary files left by a killed pass: the lock proves no pass of ours writes them now.
    // Remote ones may belong to another client mid-upload: only those over a day old go.
    const localTemps: string[] = [];
    const remoteTemps: string[] = [];
    let walked: SectionWalk;
    let names: LocalNames;
    try {
      checkLocalRoot(section.localDir);
      names = probeLocalNames(section.localDir, { write: !dryRun });
      walked = await walkSection(options, source, store, {
        exclude,
        onWarning,
        names,
        localTemps,
        remoteTemps,
        report,
      });
      // Exact times for the new remote files that could be moves (a LIST-only server).
      await readMoveTimes(walked, options.pool, {
        rootDir: section.remoteDir,
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal?.aborted) return finish("aborted", EMPTY_PLAN);
      return fail(`Section "${section.name}": ${(error as Error).message}`);
    }
    const baseline = walked.baseline;

    // 4. Plan, then 5. the safety checks, before anything is touched.
    const plan = makePlan({ local: walked.local, remote: walked.remote }, baseline, {
      direction: section.direction,
      now,
      isExcluded: exclude,
      localChanges: walked.localChanges,
      remoteChanges: walked.remoteChanges,
      // A moved server file is told by its time only once that time was seen settled.
      remoteSettled: (path, before) => {
        const seenMs = walked.remoteSeenMs.get(path);
        return seenMs !== undefined && settledAt(seenMs, before.mtimeMs, walked.clock);
      },
      // Names that Local_dir takes as one: never merged, never a deletion; renamed as renames.
      ...(names.caseInsensitive || names.normalization !== "none"
        ? { foldLocalName: names.fold }
        : {}),
    });
    for (const skipped of plan.skipped ?? []) {
      log.debug("Skipped {path}: {reason}", { path: skipped.path, reason: skipped.reason });
    }
    for (const message of plan.warnings ?? []) log.warn("{message}", { message });
    const verdict = checkSafety(plan, () => source.fileCounts(), {
      maxDeletePercent: section.maxDeletePercent,
      localListingEmpty: walked.localEmpty,
      remoteListingEmpty: walked.remoteEmpty,
      section: section.name,
    });
    if (!verdict.ok) {
      log.error("{message}", { message: verdict.message });
      report.errors.push(verdict.message);
      return finish("aborted", plan);
    }
    if (dryRun) {
      report.finishedAt = clock().toISOString();
      return { report, plan };
    }

    // 6. Execute, 7. recording each completed action as it completes (batched).
    await removeLeftovers(options, plan, { local: localTemps, remote: remoteTemps });
    removeSnapshots({ stateDir, identifier });
    const writer = new BaselineWriter(store!);
    const audit = createPassAudit(log, { localRoot: section.localDir });
    let lateConflicts = 0;
    let results: ActionResult[];
    try {
      results = await execute(plan, {
        pool: options.pool,
        localRoot: section.localDir,
        remoteRoot: section.remoteDir,
        stateDir,
        identifier,
        now,
        log,
        signal: options.signal,
        binDirectory: options.binDirectory,
        linuxChown: section.linuxChown,
        linuxChmod: section.linuxChmod,
        ...(options.retryDelaysMs === undefined ? {} : { retryDelaysMs: options.retryDelaysMs }),
        onResult: (result) => {
          if (result.ok) writer.add(result.updates);
          audit.action(result);
        },
        onConflict: (path, conflictPath) => {
          lateConflicts++;
          audit.conflict(path, conflictPath);
        },
        recordNow: (updates) => {
          writer.add(updates);
          writer.flush();
        },
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      });
    } finally {
      writer.close();
    }
    countResults(report, results);
    report.conflicts += lateConflicts;

    try {
      purgeTrash(stateDir, identifier, { keepDays: section.keepDeletedDays, now });
    } catch (error) {
      log.warn("Cannot purge the trash of section {section}: {error}", {
        section: section.name,
        error: (error as Error).message,
      });
    }
    const failed = results.some((result) => !result.ok && !result.deferred);
    const outcome = options.signal?.aborted ? "aborted" : failed ? "failed" : "ok";
    audit.summary(report, {
      outcome,
      seconds: ((performance.now() - started) / 1000).toFixed(1),
      failures: results.filter((result) => !result.ok && !result.deferred).length,
    });
    return finish(outcome, plan);
  } catch (error) {
    return fail(`Section "${section.name}": ${(error as Error).message}`);
  } finally {
    store?.close();
    reader?.close();
    if (lock?.ok) lock.lock.release();
  }
}
