/**
 * Direct uploads, on servers that refuse renames: the file is written under its final name, so
 * that an interrupted upload leaves a partial file there. Just before such an upload starts, the
 * executor records it in the baseline (`inFlightRow`); the planner then takes what the server
 * shows at that path for our own upload (`isOurUpload`) and sends the local file again, instead
 * of seeing a remote change (a download of the partial file, or a conflict).
 * @module
 */
import { UNKNOWN_MTIME_PRECISION_MS } from "./diff.ts";
import type { BaselineRow, Entry } from "./types.ts";

/** The remote half's time text that marks a direct upload in flight. */
const MARK = "ftp-clone:in-flight ";

/** What an in-flight record says. */
interface InFlight {
  /** Bytes being sent. */
  size: number;
  /** The remote file that the upload replaces (size, mtime ms, precision ms), if any. */
  before: [number, number, number] | null;
}

/**
 * The baseline row recorded before a direct upload of `local` to `path`, over `before` (the
 * remote file there, if any). Its local half matches no file, so that the next pass uploads the
 * local file again unless this upload's own result replaces the row.
 */
export function inFlightRow(path: string, local: Entry, before: Entry | undefined): BaselineRow {
  const record: InFlight = {
    size: local.size,
    before: before === undefined ? null : [before.size, before.mtimeMs, before.mtimePrecisionMs],
  };
  return {
    path,
    kind: "file",
    local: { path, kind: "file", size: -1, mtimeMs: 0, mtimePrecisionMs: 1, rawTime: "" },
    remote: {
      path,
      kind: "file",
      size: local.size,
      mtimeMs: 0,
      mtimePrecisionMs: UNKNOWN_MTIME_PRECISION_MS,
      rawTime: MARK + JSON.stringify(record),
    },
  };
}

/** The in-flight record of a remote half, or undefined when it is an ordinary one. */
function inFlightOf(remote: Entry): InFlight | undefined {
  if (!remote.rawTime.startsWith(MARK)) return undefined;
  try {
    return JSON.parse(remote.rawTime.slice(MARK.length)) as InFlight;
  } catch {
    return undefined;
  }
}

/** Whether a remote half is an in-flight record. */
export function isInFlight(remote: Entry): boolean {
  return inFlightOf(remote) !== undefined;
}

/**
 * Whether `now`, what the server shows at a path whose remote half is `recorded`, is what a
 * direct upload recorded there left: part or all of the bytes sent, or the file it was about to
 * replace. False for an ordinary remote half.
 */
export function isOurUpload(recorded: Entry, now: Entry): boolean {
  const record = inFlightOf(recorded);
  if (record === undefined || now.kind !== "file") return false;
  if (now.size <= record.size) return true;
  if (record.before === null) return false;
  const [size, mtimeMs, precisionMs] = record.before;
  const precision = Math.max(precisionMs, now.mtimePrecisionMs, 1);
  return now.size === size && Math.floor(now.mtimeMs / precision) ===
      Math.floor(mtimeMs / precision);
}
