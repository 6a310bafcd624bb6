/**
 * Executes a plan: renames first (in the order planned), then directories (shallow first), then
 * transfers and comparisons through the pool, then deletions (deepest first), then what replaces
 * a deleted directory; the last two only if no transfer failed for a reason that may affect the
 * whole pass (a transient error that outlived its retries, or an abort). A failed action is a
 * result, never an exception (Syncthing's order of execution).
 * @module
 */
import type {
  Action,
  ActionResult,
  BaselineUpdate,
  Comparison,
  Plan,
  RenameAction,
} from "./types.ts";
import {
  ChangedDuringPassError,
  type ExecuteDeps,
  isTransient,
  localAbs,
  OwnershipBatcher,
  remoteAbs,
  RemoteVersionKeptError,
} from "./execute_ops.ts";
import { downloadFile } from "./execute_download.ts";
import { uploadFile } from "./execute_upload.ts";
import { appearedMarker, fileRow, need } from "./execute_rows.ts";
import { deleteLocal, deleteRemote } from "./execute_delete.ts";
import { keepBoth } from "./execute_keep_both.ts";
import { makeDirLocal, makeDirRemote } from "./execute_mkdir.ts";
import { compareFile } from "./execute_compare.ts";
import { movedRows, renameLocal, renameRemote } from "./execute_rename.ts";
import { ancestors, phaseOf, renameWaves } from "./plan_order.ts";

export type { ExecuteDeps } from "./execute_ops.ts";

/** Progress of the transfers, for the service's progress lines. */
export interface ExecuteProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

/** Options of {@linkcode execute}: its dependencies and callbacks. */
export interface ExecuteOptions extends ExecuteDeps {
  /** Told about each result as it completes (the pass records it in the baseline). */
  onResult?: (result: ActionResult) => void;
  onProgress?: (progress: ExecuteProgress) => void;
}

/** Actions that move file contents or read them across the link (counted in the progress). */
const TRANSFERS = new Set<Action["type"]>(["download", "upload", "keepBoth", "compare"]);

/** What one action did: its baseline updates, and what it did instead when that differs. */
interface Done {
  updates: BaselineUpdate[];
  performed?: Action;
  comparison?: Comparison;
}

function depth(path: string): number {
  let n = 0;
  for (const c of path) if (c === "/") n++;
  return n;
}

/** Runs `fn` over `items`, at most `limit` at once, stopping new starts once `stop()` holds. */
async function runAll<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
  stop: () => boolean,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stop()) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** Groups actions by path depth, in the given order of depths. */
function byDepth(actions: readonly Action[], deepestFirst: boolean): Action[][] {
  const groups = new Map<number, Action[]>();
  for (const action of actions) {
    const d = depth(action.path);
    groups.set(d, [...(groups.get(d) ?? []), action]);
  }
  const depths = [...groups.keys()].sort((a, b) => deepestFirst ? b - a : a - b);
  return depths.map((d) => groups.get(d)!);
}

const VERBS: Record<Action["type"], string> = {
  download: "download",
  upload: "upload",
  mkdirLocal: "make the local directory",
  mkdirRemote: "make the remote directory",
  deleteLocal: "delete locally",
  deleteRemote: "delete on the server",
  keepBoth: "keep both versions of",
  compare: "compare",
  renameLocal: "rename locally",
  renameRemote: "rename on the server",
  recordMove: "record the move to",
  adopt: "adopt",
  forget: "forget",
};

/**
 * Executes `plan` and returns one result per action started (actions never started because of
 * an abort have none; deletions skipped after a failed transfer are failed results).
 */
export async function execute(plan: Plan, options: ExecuteOptions): Promise<ActionResult[]> {
  const warned = new Set<string>();
  const deps: ExecuteOptions = {
    ...options,
    warnOnce: options.warnOnce ?? ((key, message) => {
      if (warned.has(key)) return;
      warned.add(key);
      options.log.warn("{message}", { message });
    }),
  };
  const results: ActionResult[] = [];
  const ownership = new OwnershipBatcher(deps);
  const aborted = (): boolean => deps.signal?.aborted === true;
  const progress: ExecuteProgress = { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };
  for (const action of plan.actions) {
    if (!TRANSFERS.has(action.type)) continue;
    progress.filesTotal++;
    if (action.type !== "upload") progress.bytesTotal += action.remote?.size ?? 0;
    // A comparison reads the remote file at most (a hash reads nothing).
    if (action.type !== "download" && action.type !== "compare") {
      progress.bytesTotal += action.local?.size ?? 0;
    }
  }
  const onBytes = (bytes: number): void => {
    progress.bytesDone += bytes;
  };

  const record = (result: ActionResult): void => {
    results.push(result);
    if (!result.ok && aborted()) {
      // A requested stop: the transfer was abandoned at a safe point, which is no error.
      deps.log.info("Stopped: {error}", { error: result.error, path: result.action.path });
    } else if (!result.ok && result.deferred) {
      deps.log.warn("{error}", { error: result.error, path: result.action.path });
    } else if (!result.ok) {
      deps.log.error("{error}", { error: result.error, path: result.action.path });
    }
    deps.onResult?.(result);
  };

  const run = async (action: Action): Promise<void> => {
    let bytes = 0;
    const countBytes = (n: number): void => {
      bytes += n;
      onBytes(n);
    };
    let result: ActionResult;
    try {
      const done = await performKeeping(action, countBytes);
      result = { action, ok: true, bytes, ...done };
    } catch (error) {
      const where = action.type === "deleteRemote" || action.type === "mkdirRemote" ||
          action.type === "upload" || action.type === "renameRemote"
        ? remoteAbs(deps, action.path)
        : localAbs(deps, action.path);
      result = {
        action,
        ok: false,
        error: `Cannot ${VERBS[action.type]} "${where}": ${(error as Error).message}`,
        transient: isTransient(error) || aborted(),
        ...(error instanceof ChangedDuringPassError ? { deferred: true } : {}),
      };
    }
    // Outside the try: a failure to record (the baseline's disk is full) fails the pass.
    record(result);
    if (TRANSFERS.has(action.type)) {
      progress.filesDone++;
      deps.onProgress?.({ ...progress });
    }
  };

  /**
   * `perform`, where a remote version that is not provably the baseline's was kept instead of
   * being replaced or deleted: the path's row is forgotten, so that the next pass sees a version
   * on each side and decides as on a first sync.
   */
  const performKeeping = async (
    action: Action,
    countBytes: (n: number) => void,
  ): Promise<Done> => {
    try {
      return await perform(action, countBytes);
    } catch (error) {
      if (!(error instanceof RemoteVersionKeptError)) throw error;
      deps.log.warn("{message}", { message: error.message, path: action.path });
      return {
        updates: [{ path: action.path, row: null }],
        performed: { type: "forget", path: action.path, reason: error.message },
      };
    }
  };

  const perform = async (action: Action, countBytes: (n: number) => void): Promise<Done> => {
    switch (action.type) {
      case "adopt":
        return {
          updates: [
            fileRow(
              action.path,
              need(action.local, action, "local"),
              need(action.remote, action, "remote"),
            ),
          ],
        };
      case "forget":
        return { updates: [{ path: action.path, row: null }] };
      case "mkdirLocal":
        return { updates: makeDirLocal(deps, action, ownership) };
      case "mkdirRemote":
        return { updates: await makeDirRemote(deps, action) };
      case "download": {
        const remote = need(action.remote, action, "remote");
        const outcome = await downloadFile(deps, {
          remote,
          to: action.path,
          // After the deletions, the directory that was there is gone.
          plannedLocal: action.afterDeletions ? undefined : action.local,
          ownership,
          onBytes: countBytes,
        });
        if (outcome.placed) {
          return { updates: [fileRow(action.path, outcome.local, outcome.remote)] };
        }
        deps.log.warn(
          "Conflict: {path} changed locally during the pass; the remote version was saved as " +
            "{conflictPath}",
          { path: localAbs(deps, action.path), conflictPath: outcome.conflictPath },
        );
        deps.onConflict?.(action.path, outcome.conflictPath);
        // The row keeps the local side as listed, so that the next pass sees the local change
        // (and uploads it); the conflict copy is a new local file, uploaded by the next pass.
        // When the local file appeared during the pass, a size that no file has stands for it.
        const listedLocal = action.afterDeletions ? undefined : action.local;
        return {
          updates: [fileRow(action.path, listedLocal ?? appearedMarker(remote), outcome.remote)],
        };
      }
      case "upload": {
        const local = need(action.local, action, "local");
        // After the deletions, the directory that was there is gone: the name must be free.
        const remote = action.afterDeletions ? undefined : action.remote;
        const uploaded = await uploadFile(deps, {
          local,
          to: action.path,
          overwrite: remote !== undefined,
          plannedRemote: remote,
          proveRemote: action.proveRemote,
          onBytes: countBytes,
        });
        return { updates: [fileRow(action.path, uploaded.local, uploaded.remote)] };
      }
      case "deleteLocal":
        return { updates: deleteLocal(deps, action) };
      case "deleteRemote":
        return { updates: await deleteRemote(deps, action) };
      case "keepBoth":
        return { updates: await keepBoth(deps, action, { ownership, countBytes }) };
      case "compare": {
        const outcome = await compareFile(deps, action, countBytes);
        if (outcome.comparison.equal) {
          return { updates: outcome.updates, comparison: outcome.comparison };
        }
        const ifDifferent = { ...action.ifDifferent, remote: outcome.remote };
        const done = await perform(ifDifferent, countBytes);
        return { ...done, performed: ifDifferent, comparison: outcome.comparison };
      }
      case "renameLocal":
        return { updates: renameLocal(deps, action, ownership) };
      case "renameRemote":
        return { updates: await renameRemote(deps, action, countBytes) };
      case "recordMove":
        return { updates: movedRows(action) };
    }
  };

  // A rename that failed leaves its trees as they were: what the plan decided at or under its
  // names (the content of a moved directory, a file made under the old name) waits for the
  // next pass, which lists both sides afresh.
  const failedRenames = new Set<string>();
  const waitsFor = (action: Action): string | undefined =>
    [...ancestors(action.path), action.path].find((path) => failedRenames.has(path));
  const runUnlessBlocked = async (action: Action): Promise<void> => {
    const blocker = waitsFor(action);
    if (blocker === undefined) return await run(action);
    record({
      action,
      ok: false,
      error: `Skipped: cannot ${VERBS[action.type]} "${action.path}" before "${blocker}" is ` +
        "renamed; the next pass decides",
      transient: true,
      deferred: true,
    });
  };
  const runRename = async (action: Action): Promise<void> => {
    const before = results.length;
    await runUnlessBlocked(action);
    if (results.slice(before).some((result) => !result.ok)) {
      failedRenames.add(action.path);
      failedRenames.add((action as RenameAction).from);
    }
  };

  const phase = (n: number): Action[] => plan.actions.filter((a) => phaseOf(a) === n);
  // 0. Renames, in waves (those of one wave at once: see renameWaves), then 1. directories,
  // shallow first (one depth at a time, in parallel within it).
  for (const wave of renameWaves(phase(0) as RenameAction[])) {
    await runAll(wave, deps.pool.size, runRename, aborted);
  }
  for (const group of byDepth(phase(1), false)) {
    await runAll(group, deps.pool.size, runUnlessBlocked, aborted);
  }
  // 2. Transfers and comparisons through the pool; baseline-only actions at once.
  const middle = phase(2);
  for (const action of middle) if (!TRANSFERS.has(action.type)) await runUnlessBlocked(action);
  await runAll(
    middle.filter((a) => TRANSFERS.has(a.type)),
    deps.pool.size,
    runUnlessBlocked,
    aborted,
  );
  await ownership.flush();
  try {
    await ownership.flushDirs();
  } catch (error) {
    deps.log.error("Cannot apply Linux_chown to the directories made: {error}", {
      error: (error as Error).message,
    });
  }
  // 3. Deletions, deepest first, and 4. what replaces a deleted directory, only when no
  // transfer failed in a way that may hit the pass.
  const last = [...phase(3), ...phase(4)];
  const fatal = aborted() ||
    results.some((r) => !r.ok && r.transient && !r.deferred && TRANSFERS.has(r.action.type));
  if (fatal) {
    if (!aborted()) {
      for (const action of last) {
        record({
          action,
          ok: false,
          error: `Skipped ${VERBS[action.type]} "${action.path}": a transfer failed; the next ` +
            "pass retries",
          transient: true,
        });
      }
    }
    return results;
  }
  for (const group of byDepth(phase(3), true)) {
    await runAll(group, deps.pool.size, runUnlessBlocked, aborted);
  }
  await runAll(phase(4), deps.pool.size, runUnlessBlocked, aborted);
  await ownership.flush();
  return results;
}
