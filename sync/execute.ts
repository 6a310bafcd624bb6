/**
 * Executes a plan: directories first (shallow first), then transfers through the pool, then
 * deletions (deepest first), and the deletions only if no transfer failed for a reason that may
 * affect the whole pass (a transient error that outlived its retries, or an abort). A failed
 * action is a result, never an exception (Syncthing's order of execution).
 * @module
 */
import type { Action, ActionResult, BaselineUpdate, Plan } from "./types.ts";
import {
  ChangedDuringPassError,
  type ExecuteDeps,
  isTransient,
  localAbs,
  mkdirLocalAt,
  mkdirRemoteAt,
  OwnershipBatcher,
  remoteAbs,
} from "./execute_ops.ts";
import { downloadFile } from "./execute_download.ts";
import { uploadFile } from "./execute_upload.ts";
import { appearedMarker, fileRow, need } from "./execute_rows.ts";
import { deleteLocal, deleteRemote } from "./execute_delete.ts";
import { keepBoth } from "./execute_keep_both.ts";

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

const TRANSFERS = new Set<Action["type"]>(["download", "upload", "keepBoth"]);

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
  adopt: "adopt",
  forget: "forget",
};

/**
 * Executes `plan` and returns one result per action started (actions never started because of
 * an abort have none; deletions skipped after a failed transfer are failed results).
 */
export async function execute(plan: Plan, deps: ExecuteOptions): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  const ownership = new OwnershipBatcher(deps);
  const aborted = (): boolean => deps.signal?.aborted === true;
  const progress: ExecuteProgress = { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };
  for (const action of plan.actions) {
    if (!TRANSFERS.has(action.type)) continue;
    progress.filesTotal++;
    if (action.type !== "upload") progress.bytesTotal += action.remote?.size ?? 0;
    if (action.type !== "download") progress.bytesTotal += action.local?.size ?? 0;
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
      const updates = await perform(action, countBytes);
      result = { action, ok: true, updates, bytes };
    } catch (error) {
      const where = action.type === "deleteRemote" || action.type === "mkdirRemote" ||
          action.type === "upload"
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

  const perform = async (
    action: Action,
    countBytes: (n: number) => void,
  ): Promise<BaselineUpdate[]> => {
    switch (action.type) {
      case "adopt":
        return [
          fileRow(
            action.path,
            need(action.local, action, "local"),
            need(action.remote, action, "remote"),
          ),
        ];
      case "forget":
        return [{ path: action.path, row: null }];
      case "mkdirLocal": {
        const local = mkdirLocalAt(deps, action.path, ownership);
        const remote = action.remote ??
          {
            path: action.path,
            kind: "dir",
            size: 0,
            mtimeMs: 0,
            mtimePrecisionMs: 1000,
            rawTime: "",
          };
        return [fileRow(action.path, local, remote)];
      }
      case "mkdirRemote": {
        const remote = await mkdirRemoteAt(deps, action.path);
        return [fileRow(action.path, need(action.local, action, "local"), remote)];
      }
      case "download": {
        const remote = need(action.remote, action, "remote");
        const outcome = await downloadFile(deps, {
          remote,
          to: action.path,
          plannedLocal: action.local,
          ownership,
          onBytes: countBytes,
        });
        if (outcome.placed) return [fileRow(action.path, outcome.local, remote)];
        deps.log.warn(
          "Conflict: {path} changed locally during the pass; the remote version was saved as " +
            "{conflictPath}",
          { path: localAbs(deps, action.path), conflictPath: outcome.conflictPath },
        );
        deps.onConflict?.(action.path, outcome.conflictPath);
        // The row keeps the local side as listed, so that the next pass sees the local change
        // (and uploads it); the conflict copy is a new local file, uploaded by the next pass.
        // When the local file appeared during the pass, a size that no file has stands for it.
        return [fileRow(action.path, action.local ?? appearedMarker(remote), remote)];
      }
      case "upload": {
        const local = need(action.local, action, "local");
        const remote = await uploadFile(deps, {
          local,
          to: action.path,
          overwrite: action.remote !== undefined,
          plannedRemote: action.remote,
          onBytes: countBytes,
        });
        return [fileRow(action.path, local, remote)];
      }
      case "deleteLocal":
        return deleteLocal(deps, action);
      case "deleteRemote":
        return await deleteRemote(deps, action);
      case "keepBoth":
        return await keepBoth(deps, action, { ownership, countBytes });
    }
  };

  // 1. Directories, shallow first (one depth at a time, in parallel within it).
  const mkdirs = plan.actions.filter((a) => a.type === "mkdirLocal" || a.type === "mkdirRemote");
  for (const group of byDepth(mkdirs, false)) {
    await runAll(group, deps.pool.size, run, aborted);
  }
  // 2. Transfers through the pool; baseline-only actions at once.
  const middle = plan.actions.filter((a) =>
    TRANSFERS.has(a.type) || a.type === "adopt" || a.type === "forget"
  );
  for (const action of middle) if (!TRANSFERS.has(action.type)) await run(action);
  await runAll(middle.filter((a) => TRANSFERS.has(a.type)), deps.pool.size, run, aborted);
  await ownership.flush();
  try {
    await ownership.flushDirs();
  } catch (error) {
    deps.log.error("Cannot apply Linux_chown to the directories made: {error}", {
      error: (error as Error).message,
    });
  }
  // 3. Deletions, deepest first, only when no transfer failed in a way that may hit the pass.
  const deletions = plan.actions.filter((a) =>
    a.type === "deleteLocal" || a.type === "deleteRemote"
  );
  const fatal = aborted() ||
    results.some((r) => !r.ok && r.transient && !r.deferred && TRANSFERS.has(r.action.type));
  if (fatal) {
    if (!aborted()) {
      for (const action of deletions) {
        record({
          action,
          ok: false,
          error: `Skipped deleting "${action.path}": a transfer failed; the next pass retries`,
          transient: true,
        });
      }
    }
    return results;
  }
  for (const group of byDepth(deletions, true)) {
    await runAll(group, deps.pool.size, run, aborted);
  }
  return results;
}
