/**
 * Baseline rows earned by the executor's actions.
 * @module
 */
import type { Action, BaselineUpdate, Entry, Side } from "./types.ts";

/** The entry the plan gave for a side, or an error naming the action. */
export function need(entry: Entry | undefined, action: Action, side: Side): Entry {
  if (entry === undefined) {
    throw new Error(`The plan gave no ${side} entry for ${action.type} "${action.path}"`);
  }
  return entry;
}

/** The update setting a path's row from both sides' entries (the row's kind is the local one). */
export function fileRow(path: string, local: Entry, remote: Entry): BaselineUpdate {
  return {
    path,
    row: {
      path,
      kind: local.kind,
      local: { ...local, path },
      remote: { ...remote, path },
    },
  };
}

/**
 * The local half recorded for a file that appeared locally during the pass (a download then went
 * to a conflict name): a size no file has, so that the next pass sees a local change and uploads
 * the local file, never overwrites it.
 */
export function appearedMarker(remote: Entry): Entry {
  return { ...remote, size: -1, mtimeMs: 0, mtimePrecisionMs: 1, rawTime: "" };
}
