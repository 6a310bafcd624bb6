/**
 * One file uploaded safely: to a temporary name beside its target, checked again just before the
 * rename that publishes it (the local file still the version sent; the remote name still free, or
 * still the version the baseline holds, proved at exact precision), mtime set, resumed where a
 * large one stopped. A file that changes during its upload is sent again a few times, then from a
 * snapshot (`growing_file.ts`). On a server that refuses renames, the file goes straight to its
 * final name, recorded in flight first (`in_flight.ts`). Used by `execute.ts`; throws on
 * failure, the caller turns that into a result.
 * @module
 */
import type { Published, RemoteFs } from "./ftp/mod.ts";
import { RESUMABLE_MIN_BYTES, resumableTempPath, uploadTempName } from "./exclude.ts";
import {
  ChangedDuringPassError,
  checkRemotePath,
  type ExecuteDeps,
  localAbs,
  meaningOf,
  onRemote,
  remoteAbs,
  RemoteVersionKeptError,
} from "./execute_ops.ts";
import { snapshotEntry, takeSnapshot } from "./growing_file.ts";
import { inFlightRow } from "./in_flight.ts";
import { localChangedSince, removeQuietly, statLocal } from "./local_fs.ts";
import {
  EXACT_MS,
  proveVersion,
  type RemoteNow,
  remoteNowOf,
  statRemoteNow,
} from "./remote_proof.ts";
import { uploadResuming } from "./transfer_resume.ts";
import type { Entry } from "./types.ts";

/** Options of {@linkcode uploadFile}. */
export interface UploadFileOptions {
  /** The local file as listed. */
  local: Entry;
  /** Relative local path to read (defaults to `local.path`). */
  from?: string;
  /** Relative remote path to write. */
  to: string;
  /** Whether a remote file was listed at `to` (allows delete-then-rename). */
  overwrite: boolean;
  /**
   * The remote file listed at `to` when planned: without `proveRemote`, the version that must
   * still be there (else undefined: the name must still be free).
   */
  plannedRemote?: Entry | undefined;
  /** The version the server must still hold at `to` (see `Action.proveRemote`). */
  proveRemote?: Entry | undefined;
  onBytes?: (bytes: number) => void;
}

/** What an upload sent and what the server then reports. */
export interface Uploaded {
  /** The local version sent (a newer one than listed when the file changed meanwhile). */
  local: Entry;
  remote: Entry;
}

/** Tries of a file that changes during its upload before a snapshot of it is sent (small files). */
const SMALL_FILE_TRIES = 3;

/** The server does not implement the command. */
function isUnsupported(error: unknown): boolean {
  return meaningOf(error) === "unsupported";
}

/** A file's entry at an exact time (MDTM's whole seconds). */
function fileEntry(relPath: string, size: number, mtimeMs: number): Entry {
  return { path: relPath, kind: "file", size, mtimeMs, mtimePrecisionMs: EXACT_MS, rawTime: "" };
}

/**
 * What the server reports for a file it just stored: the mtime it is known to keep since
 * `setMtime` (no round trip), else MDTM, else its LIST entry.
 */
export async function statRemoteFile(
  fs: RemoteFs,
  abs: string,
  relPath: string,
  size: number,
): Promise<Entry> {
  const stored = fs.storedMtime?.(abs);
  if (stored !== undefined) return fileEntry(relPath, size, stored);
  try {
    return fileEntry(relPath, size, await fs.mtime(abs));
  } catch (error) {
    if (!isUnsupported(error)) throw error;
  }
  const name = abs.slice(abs.lastIndexOf("/") + 1);
  const parent = abs.slice(0, abs.lastIndexOf("/")) || "/";
  const listed = (await fs.list(parent)).find((entry) => entry.name === name);
  if (listed === undefined) throw new Error(`"${abs}" is missing right after its upload`);
  return {
    path: relPath,
    kind: "file",
    size: listed.size,
    mtimeMs: listed.mtimeMs ?? 0,
    mtimePrecisionMs: listed.mtimeMs === undefined ? 86_400_000 : listed.mtimePrecisionMs,
    rawTime: listed.rawTime,
  };
}

/** The local file's entry now; throws (to the next pass) when it is gone or no longer a file. */
function currentVersion(source: string, relPath: string): Entry {
  const now = statLocal(source, relPath);
  if (now === undefined || now.kind !== "file" || now.rawTime === "symlink") {
    throw new ChangedDuringPassError(
      `"${source}" changed since it was listed; the next pass will decide`,
    );
  }
  return now;
}

/** One try: what to send, and how to tell whether it stayed the version sent. */
interface Send {
  /** Absolute local path read. */
  source: string;
  version: Entry;
  /** Whether the source is still `version` once sent. */
  stable: () => boolean;
}

/** Per upload: what the remote name must hold before it is replaced (switched once in flight). */
interface TargetState {
  /** The version to prove, or undefined: the name must be free. */
  expected: Entry | undefined;
  /** The warning for a refused rename was given, and uploads go straight to the final name. */
  direct: boolean;
}

/**
 * Uploads a local file to a temporary dot-name in the target remote directory, renames it onto
 * the final name (where the server refuses to replace an existing file: delete, then rename),
 * sets the remote mtime to the local one where the server allows, and returns what the server
 * then reports. Throws `RemoteVersionKeptError` when the remote version to replace cannot be
 * proved to be the expected one, `ChangedDuringPassError` when the local file vanished or the
 * remote name was taken since the listing.
 */
export async function uploadFile(deps: ExecuteDeps, options: UploadFileOptions): Promise<Uploaded> {
  const { to } = options;
  const from = options.from ?? options.local.path;
  checkRemotePath(to);
  const source = localAbs(deps, from);
  const target: TargetState = {
    expected: options.proveRemote ?? options.plannedRemote,
    direct: false,
  };
  // A file that changes during its upload is sent again with its newer version, a few times
  // for a small file, once for a large one; then from a snapshot that cannot change.
  const tries = options.local.size < RESUMABLE_MIN_BYTES ? SMALL_FILE_TRIES : 1;
  for (let attempt = 0; attempt < tries; attempt++) {
    const version = currentVersion(source, from);
    const remote = await sendOnce(deps, options, target, {
      source,
      version,
      stable: () => !localChangedSince(source, from, version),
    });
    if (remote !== undefined) return { local: version, remote };
  }
  const snapshot = takeSnapshot(source, from, deps);
  if (snapshot === undefined) {
    throw new ChangedDuringPassError(
      `"${source}" changed since it was listed; the next pass will decide`,
    );
  }
  try {
    deps.log.warn(
      "{path} changed during each of {tries} uploads: sending a snapshot of it ({size} bytes); " +
        "newer versions follow once it has settled",
      { path: source, tries, size: snapshot.entry.size },
    );
    const remote = await sendOnce(deps, options, target, {
      source: snapshot.path,
      version: snapshot.entry,
      stable: () => true,
    });
    if (remote === undefined) throw new Error(`The snapshot of "${source}" changed`);
    return { local: snapshotEntry(snapshot.entry, deps.now.getTime()), remote };
  } finally {
    removeQuietly(snapshot.path);
  }
}

/** Throws unless the remote name holds what `target` expects (free, or the expected version). */
function checkTarget(abs: string, now: RemoteNow, target: TargetState): void {
  if (target.expected === undefined) {
    if (now.state === "absent") return;
    throw new ChangedDuringPassError(
      `"${abs}" appeared on the server since the listing: it was not replaced; the next pass ` +
        "will compare both versions",
    );
  }
  if (now.state === "absent") return; // deleted meanwhile: nothing to lose
  const proof = proveVersion(target.expected, now);
  if (proof === "same") return;
  throw new RemoteVersionKeptError(
    proof === "changed"
      ? `"${abs}" changed on the server since the last pass: it was kept, not replaced; the ` +
        "next pass compares both versions"
      : `"${abs}" cannot be proved unchanged (the last pass knew its time only to the ` +
        `${target.expected.mtimePrecisionMs >= 86_400_000 ? "day" : "minute"}): it was kept, ` +
        "not replaced; the next pass compares both versions",
  );
}

/**
 * Sends one version and publishes it; undefined when the source changed while it was sent (the
 * temporary file is then removed and nothing is published).
 */
async function sendOnce(
  deps: ExecuteDeps,
  options: UploadFileOptions,
  target: TargetState,
  send: Send,
): Promise<Entry | undefined> {
  const { to } = options;
  const abs = remoteAbs(deps, to);
  const slash = abs.lastIndexOf("/");
  // A large file goes to a name derived from its version, which a retry or the next pass finds
  // again and resumes (APPE); a small one to a random name, restarted from scratch.
  const resumable = resumableTempPath("up", to, send.version);
  const tempName = resumable === undefined
    ? uploadTempName(abs.slice(slash + 1))
    : resumable.slice(resumable.lastIndexOf("/") + 1);
  const temp = `${abs.slice(0, slash)}/${tempName}`;
  let keepTemp = resumable !== undefined;
  try {
    const entry = await onRemote(deps, async (fs) => {
      const signal = deps.signal === undefined ? {} : { signal: deps.signal };
      if (target.direct || !fs.capabilities.renames) {
        keepTemp = false;
        return await sendDirect(deps, fs, { abs, to, send, target });
      }
      try {
        if (resumable === undefined) {
          await fs.uploadFromFile(send.source, temp, signal);
        } else {
          await uploadResuming(fs, send.source, temp, {
            size: send.version.size,
            transfer: signal,
            log: deps.log,
          });
        }
      } catch (error) {
        // More or fewer bytes than the version read (a large upload checks its size): the file
        // changed while it was sent, which the caller handles like a change found below.
        if (send.stable() || deps.signal?.aborted) throw error;
      }
      keepTemp = false;
      // Just before publishing: the bytes sent must be the version read (a file rewritten
      // during its upload could arrive torn), and the name must not hide a version written on
      // the server since the last pass (RNTO replaces it without a trace).
      if (!send.stable()) {
        await fs.remove(temp).catch(() => {});
        return undefined;
      }
      // The check's reads go with the RNFR; the RNTO waits for the check (`RemoteFs.publish`).
      let checkFailed: unknown;
      let published: Published;
      try {
        published = await fs.publish(temp, abs, {
          mtimeMs: send.version.mtimeMs,
          check: async (now) => {
            try {
              const read = now.state === "unread"
                ? await statRemoteNow(fs, abs, to)
                : remoteNowOf(now, to);
              checkTarget(abs, read, target);
            } catch (error) {
              checkFailed = error;
              throw error;
            }
          },
        });
      } catch (error) {
        if (error === checkFailed) throw error;
        const meaning = meaningOf(error);
        if (meaning === "unsupported") {
          // The server refuses renames (learned now by the FTP layer): straight to the name.
          await fs.remove(temp).catch(() => {});
          return await sendDirect(deps, fs, { abs, to, send, target });
        }
        const taken = meaning === "exists" || meaning === "refused" || meaning === "notFound";
        if (!options.overwrite || !taken) throw error;
        deps.log.warn(
          "The server refused to rename onto the existing {path}: deleting it, then renaming",
          { path: abs },
        );
        await fs.remove(abs);
        try {
          await fs.rename(temp, abs);
        } catch (second) {
          // With the old file gone, the refusal shows what it was: no renames at all.
          if (meaningOf(second) !== "unsupported") throw second;
          await fs.remove(temp).catch(() => {});
          return await sendDirect(deps, fs, { abs, to, send, target });
        }
        return await finish(deps, fs, abs, to, send.version);
      }
      if (published.mtimeError !== undefined) warnMtime(deps, abs, published.mtimeError);
      return published.mtimeMs === undefined
        ? await statRemoteFile(fs, abs, to, send.version.size)
        : fileEntry(to, send.version.size, published.mtimeMs);
    });
    if (entry !== undefined) options.onBytes?.(send.version.size);
    return entry;
  } catch (caught) {
    const error = caught instanceof ChangedDuringPassError ||
        caught instanceof RemoteVersionKeptError || !changedSafely(send)
      ? caught
      // The failure came from the file itself being rewritten, deleted or renamed during the
      // upload (e.g. "No such file" on opening it): the next pass decides on fresh listings.
      : new ChangedDuringPassError(
        `"${send.source}" changed or disappeared during its upload; the next pass will decide`,
      );
    // Best effort: a leftover temporary name is invisible to listings and replaced next time.
    // A large upload cut short keeps its bytes for the next try (its name is its version's).
    if (!keepTemp || error instanceof ChangedDuringPassError) {
      await deps.pool.use((fs) => fs.remove(temp)).catch(() => {});
    }
    throw error;
  }
}

/** Sets the remote mtime to the local one where the server allows; returns what it reports. */
async function finish(
  deps: ExecuteDeps,
  fs: RemoteFs,
  abs: string,
  to: string,
  version: Entry,
): Promise<Entry> {
  try {
    await fs.setMtime(abs, version.mtimeMs);
  } catch (error) {
    warnMtime(deps, abs, error);
  }
  return await statRemoteFile(fs, abs, to, version.size);
}

function warnMtime(deps: ExecuteDeps, abs: string, error: unknown): void {
  deps.log.warn("Cannot set the mtime of {path}: {error}", {
    path: abs,
    error: (error as Error).message,
  });
}

/**
 * Uploads straight to the final name (the server refuses renames): the target is checked first,
 * then recorded in flight in the baseline, so that a cut upload is sent again by the next pass
 * and never taken for a remote change. Undefined when the source changed while it was sent.
 */
async function sendDirect(
  deps: ExecuteDeps,
  fs: RemoteFs,
  options: { abs: string; to: string; send: Send; target: TargetState },
): Promise<Entry | undefined> {
  const { abs, to, send, target } = options;
  if (!target.direct) {
    target.direct = true;
    const message = "The server refuses renames: uploads go straight to their final name (a " +
      "reader of the server may see a file while it is written; an interrupted upload is redone)";
    if (deps.warnOnce !== undefined) deps.warnOnce("direct-upload", message);
    else deps.log.warn("{message}", { message });
  }
  const now = await statRemoteNow(fs, abs, to);
  checkTarget(abs, now, target);
  const row = inFlightRow(to, send.version, now.state === "present" ? now.entry : undefined);
  deps.recordNow?.([{ path: to, row }]);
  // From now on the name may hold part of our own upload: a retry proves that, not the old one.
  target.expected = row.remote;
  await fs.uploadFromFile(
    send.source,
    abs,
    deps.signal === undefined ? {} : { signal: deps.signal },
  );
  if (!send.stable()) {
    // The file changed while it was read: what the name holds now is ours, whatever its size.
    const written = await statRemoteNow(fs, abs, to);
    if (written.state === "present") {
      const ours = inFlightRow(to, written.entry, now.state === "present" ? now.entry : undefined);
      deps.recordNow?.([{ path: to, row: ours }]);
      target.expected = ours.remote;
    }
    return undefined;
  }
  return await finish(deps, fs, abs, to, send.version);
}

/** Whether the source changed, false when it cannot tell (a failure being reported must not be lost). */
function changedSafely(send: Send): boolean {
  try {
    return !send.stable();
  } catch {
    return false;
  }
}
