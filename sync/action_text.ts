/**
 * Actions in words: one line per planned action (a dry run) and one per completed action (the
 * audit trail), for every action type, with the facts a reader needs (the other name of a
 * rename or a conflict, how a comparison was made, a remote version kept instead of replaced).
 * Paths are JSON-quoted, so a name with spaces or quotes reads unambiguously.
 * @module
 */
import type { Action, ActionResult, Comparison, RenameAction } from "./types.ts";

function quote(path: string): string {
  return JSON.stringify(path);
}

const BY: Record<Comparison["by"], string> = {
  mtime: "by exact time",
  hash: "by hash",
  download: "by download",
};

/** "the directory " before a renamed directory's name, "" for a file. */
function dirWord(action: RenameAction): string {
  return action.kind === "dir" ? "the directory " : "";
}

/** What an action will do, without its reason. */
function what(action: Action): string {
  const path = quote(action.path);
  switch (action.type) {
    case "upload":
      return `upload ${path}` +
        (action.proveRemote === undefined ? "" : " over the server's version, proved unchanged") +
        (action.afterDeletions ? " once the server's directory there is deleted" : "");
    case "download":
      return `download ${path}` +
        (action.local?.kind === "file" ? " (the local version to the trash)" : "") +
        (action.afterDeletions ? " once the local directory there is deleted" : "");
    case "mkdirLocal":
      return `make the directory ${path} here` +
        (action.replaceFile ? " (the local file there to the trash)" : "");
    case "mkdirRemote":
      return `make the directory ${path} on the server` +
        (action.replaceFile ? " (the server's file there deleted, proved unchanged)" : "");
    case "deleteLocal":
      return action.kind === "dir"
        ? `delete the directory ${path} here`
        : `delete ${path} here (to the trash)`;
    case "deleteRemote":
      return action.kind === "dir"
        ? `delete the directory ${path} on the server`
        : `delete ${path} on the server, proved unchanged`;
    case "keepBoth": {
      const loser = action.winner === "local" ? "server's" : "local";
      const where = action.onlySide === undefined
        ? ""
        : action.onlySide === "local"
        ? " (here only)"
        : " (on the server only)";
      return `keep both versions of ${path}: the ${
        action.winner === "local" ? "local" : "server's"
      } ` +
        `one keeps the name, the ${loser} one becomes ${quote(action.loserPath)}${where}`;
    }
    case "compare":
      return `compare ${path} (the same size on both sides): equal, adopt it; different, ` +
        what(action.ifDifferent);
    case "renameLocal":
      return `rename ${dirWord(action)}${quote(action.from)} -> ${path} here`;
    case "renameRemote":
      return `rename ${dirWord(action)}${quote(action.from)} -> ${path} on the server`;
    case "recordMove":
      return `record the move of ${dirWord(action)}${quote(action.from)} -> ${path} (made on ` +
        "both sides)";
    case "adopt":
      return `record ${path} as in sync`;
    case "forget":
      return `forget ${path}`;
  }
}

/** One line for a planned action (a dry run): what, where, why. */
export function planLine(action: Action): string {
  return `${what(action)}: ${action.reason}`;
}

/** What a completed action did, in the past tense. */
function done(action: Action): string {
  const path = quote(action.path);
  switch (action.type) {
    case "upload":
      return `uploaded ${path}`;
    case "download":
      return `downloaded ${path}`;
    case "mkdirLocal":
      return `made the directory ${path} here` +
        (action.replaceFile ? ", the file there moved to the trash" : "");
    case "mkdirRemote":
      return `made the directory ${path} on the server` +
        (action.replaceFile ? ", the file there deleted" : "");
    case "deleteLocal":
      return action.kind === "dir"
        ? `deleted the directory ${path} here`
        : `deleted ${path} here, moved to the trash`;
    case "deleteRemote":
      return action.kind === "dir"
        ? `deleted the directory ${path} on the server`
        : `deleted ${path} on the server`;
    case "keepBoth": {
      const loser = action.winner === "local" ? "server's" : "local";
      return `kept both versions of ${path}: the ${loser} one is ${quote(action.loserPath)}`;
    }
    case "compare":
      return `compared ${path}`;
    case "renameLocal":
      return `renamed ${dirWord(action)}${quote(action.from)} -> ${path} here`;
    case "renameRemote":
      return `renamed ${dirWord(action)}${quote(action.from)} -> ${path} on the server`;
    case "recordMove":
      return `recorded the move of ${dirWord(action)}${quote(action.from)} -> ${path} made on ` +
        "both sides";
    case "adopt":
      return `recorded ${path} as in sync`;
    case "forget":
      return `forgot ${path}`;
  }
}

/**
 * One line for what a completed action did (the audit trail), and its level: info when a file
 * changed or its contents were read across the link, debug when only the baseline (or a
 * directory) did. Undefined for a failed action (the executor logs failures where they happen).
 */
export function resultLine(
  result: ActionResult,
): { level: "info" | "debug"; text: string } | undefined {
  if (!result.ok) return undefined;
  const { action, performed, comparison } = result;
  if (action.type === "compare" && comparison !== undefined) {
    const how = `${BY[comparison.by]}`;
    if (comparison.equal) {
      return {
        level: comparison.by === "mtime" ? "debug" : "info",
        text: `compared ${quote(action.path)} equal ${how}: adopted, nothing transferred`,
      };
    }
    return {
      level: "info",
      text: `compared ${quote(action.path)} different ${how}: ${done(performed ?? action)}`,
    };
  }
  if (performed?.type === "forget") {
    return { level: "info", text: `kept the server's ${quote(action.path)}: ${performed.reason}` };
  }
  const shown = performed ?? action;
  const quiet = shown.type === "adopt" || shown.type === "forget" || shown.type === "recordMove" ||
    ((shown.type === "mkdirLocal" || shown.type === "mkdirRemote") && !shown.replaceFile);
  return { level: quiet ? "debug" : "info", text: `${done(shown)}: ${shown.reason}` };
}
