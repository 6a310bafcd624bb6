/**
 * What the demo says about a pass, in plain words: one line per file that moved, was deleted or
 * was kept twice, then the errors. Pure: a function of the pass outcome.
 * @module
 */
import type { Action, PassOutcome } from "../../sync/mod.ts";

/**
 * One action in words (a conflict takes two lines); no lines for bookkeeping actions (adopt,
 * forget) that move nothing.
 */
export function describeAction(action: Action): string[] {
  const p = action.path;
  switch (action.type) {
    case "upload":
      return [`uploaded ${p} (local -> server)`];
    case "download":
      return [`downloaded ${p} (server -> local)`];
    case "mkdirLocal":
      return [`created folder ${p} locally (it appeared on the server)`];
    case "mkdirRemote":
      return [`created folder ${p} on the server (it appeared locally)`];
    case "deleteLocal":
      return [
        `deleted ${p} locally (it was deleted on the server; the local copy went to the trash)`,
      ];
    case "deleteRemote":
      return [`deleted ${p} on the server (it was deleted locally)`];
    case "keepBoth": {
      const winner = action.winner === "local" ? "local" : "server's";
      const loser = action.winner === "local" ? "server's" : "local";
      const where = action.onlySide === undefined
        ? "on both sides"
        : `on the ${action.onlySide === "local" ? "local" : "server"} side only (Direction)`;
      return [
        `conflict on ${p}: it changed on both sides; the newer (${winner}) version keeps the name,`,
        `  the ${loser} version is kept as ${action.loserPath}, ${where}`,
      ];
    }
    default:
      return [];
  }
}

/** The lines for pass number `n`; empty when the pass did nothing worth telling. */
export function describePass(outcome: PassOutcome, n: number): string[] {
  const { report, plan } = outcome;
  if (outcome.lockedBy !== undefined) {
    return [`Pass ${n}: skipped, another process (pid ${outcome.lockedBy}) holds the section`];
  }
  const lines = plan.actions.flatMap(describeAction);
  const errors = report.errors.map((error) => `  failed: ${error}`);
  if (lines.length === 0 && errors.length === 0 && report.outcome === "ok") return [];
  const head = report.outcome === "ok"
    ? `Pass ${n}:`
    : `Pass ${n} ${report.outcome === "failed" ? "failed" : "was stopped"}:`;
  return [head, ...lines.map((line) => `  ${line}`), ...errors];
}
