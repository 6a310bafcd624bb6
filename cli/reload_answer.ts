/**
 * How the service answers a reload to `ftp-clone reload --pid` (the unit's ExecReload=): after
 * each SIGHUP it writes `$RUNTIME_DIRECTORY/reload-answer.json` (systemd's RuntimeDirectory=,
 * /run/ftp-clone) with its pid, a sequence number and whether the file was taken; the reloader
 * waits for an answer newer than the one it saw before signalling.
 * @module
 */
import { join } from "node:path";
import type { ReloadAnswer } from "../sync/mod.ts";
import type { Env } from "./context.ts";

/** One answer, as written. */
export interface ReloadAnswerFile extends ReloadAnswer {
  /** The service's pid. */
  pid: number;
  /** 1 for the first reload of that process, then 2, 3... */
  seq: number;
  /** ISO 8601, UTC. */
  at: string;
}

/** The directory shared by the service and its reloader, or undefined outside systemd. */
export function runtimeDirectory(env: Env): string | undefined {
  const dir = env["RUNTIME_DIRECTORY"]?.split(":")[0];
  return dir === undefined || dir === "" ? undefined : dir;
}

function answerPath(dir: string): string {
  return join(dir, "reload-answer.json");
}

/** Writes an answer atomically (temporary file, then rename). */
export function writeReloadAnswer(dir: string, answer: ReloadAnswerFile): void {
  const path = answerPath(dir);
  const temp = `${path}.tmp-${Deno.pid}`;
  Deno.writeTextFileSync(temp, JSON.stringify(answer) + "\n", { mode: 0o600 });
  Deno.renameSync(temp, path);
}

/** The last answer, or undefined when there is none (or it cannot be read). */
export function readReloadAnswer(dir: string): ReloadAnswerFile | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(answerPath(dir))) as ReloadAnswerFile;
  } catch {
    return undefined;
  }
}

/** Whether `answer` is newer than `before` for the service `pid`. */
export function isNewAnswer(
  answer: ReloadAnswerFile | undefined,
  before: ReloadAnswerFile | undefined,
  pid: number,
): answer is ReloadAnswerFile {
  if (answer === undefined || answer.pid !== pid) return false;
  return before === undefined || before.pid !== pid || answer.seq > before.seq;
}
