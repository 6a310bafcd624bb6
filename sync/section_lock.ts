/**
 * A per-section lock in StateDirectory, so that the service and `sync` never run a pass of the
 * same section at once. It is an advisory `flock` held by the process (released by the kernel
 * if the process dies, so it never goes stale); the holder's pid is written inside so that the
 * refusal can say who holds it.
 * @module
 */
import { join } from "node:path";

/** A held section lock. */
export interface SectionLock {
  /** The lock file. */
  readonly path: string;
  /** Releases the lock (idempotent). */
  release(): void;
}

/** What {@linkcode tryLockSection} found. */
export type LockAttempt =
  | { ok: true; lock: SectionLock }
  | { ok: false; path: string; pid: number | undefined };

/** The lock file of a section: `<stateDir>/<identifier>.lock`. */
export function sectionLockPath(stateDir: string, identifier: string): string {
  return join(stateDir, `${identifier}.lock`);
}

/**
 * Takes the section's lock without waiting. When another process (or another pass in this one)
 * holds it, resolves `{ ok: false }` with the holder's pid when readable.
 */
export function tryLockSection(stateDir: string, identifier: string): LockAttempt {
  Deno.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const path = sectionLockPath(stateDir, identifier);
  const file = Deno.openSync(path, { read: true, write: true, create: true, mode: 0o600 });
  let locked = false;
  try {
    locked = file.tryLockSync(true);
  } catch (error) {
    file.close();
    throw new Error(`Cannot lock "${path}": ${(error as Error).message}`, { cause: error });
  }
  if (!locked) {
    file.close();
    return { ok: false, path, pid: readPid(path) };
  }
  file.truncateSync(0);
  file.writeSync(new TextEncoder().encode(`${Deno.pid}\n`));
  let released = false;
  return {
    ok: true,
    lock: {
      path,
      release(): void {
        if (released) return;
        released = true;
        try {
          file.truncateSync(0);
          file.unlockSync();
        } finally {
          file.close();
        }
      },
    },
  };
}

/** The pid written in a lock file, or undefined when unreadable or empty. */
function readPid(path: string): number | undefined {
  try {
    const text = Deno.readTextFileSync(path).trim();
    const pid = Number.parseInt(text, 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
