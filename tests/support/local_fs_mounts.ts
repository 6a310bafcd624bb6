/**
 * Local file systems other than the test machine's own, for Local_dir: a case-insensitive exFAT
 * (Debian's exfatprogs + exfat-fuse) on a loop device, and a small tmpfs (another device inside
 * Local_dir: renames across it fail with EXDEV), as root.
 *
 * ```ts
 * await using fs = await mountExfat();
 * // fs.path is an empty, mounted, case-insensitive directory
 * ```
 * Disposal unmounts, detaches the loop device and removes the image, also after a failure.
 * Parallel callers each get their own image and loop device (`losetup --find --show` picks a free
 * one atomically). The kernel here has no vfat/exfat driver; FUSE works. ext4 with casefold is not
 * offered: this kernel is built without CONFIG_UNICODE (no /sys/fs/ext4/features/casefold; mount
 * says "Filesystem with casefold feature cannot be mounted without CONFIG_UNICODE").
 * @module
 */

/** A mounted file system; `await using` unmounts it. */
export interface MountedFs extends AsyncDisposable {
  /** The mount point (an empty directory at first). */
  readonly path: string;
  /** The loop device, e.g. `/dev/loop3`. */
  readonly device: string;
}

/** The programs mountExfat runs, by purpose. */
export const EXFAT_TOOLS: Readonly<Record<string, string>> = {
  "mkfs.exfat (exfatprogs)": "/usr/sbin/mkfs.exfat",
  "mount.exfat-fuse (exfat-fuse)": "/usr/sbin/mount.exfat-fuse",
  "losetup (mount)": "/usr/sbin/losetup",
  "FUSE device": "/dev/fuse",
  "loop control device": "/dev/loop-control",
};

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`"${cmd} ${args.join(" ")}" failed (exit ${out.code}): ${err || text}`);
  }
  return text;
}

function mounted(path: string): boolean {
  return Deno.readTextFileSync("/proc/self/mounts").split("\n").some((line) =>
    line.split(" ")[1] === path
  );
}

/** Unmount (lazily if busy), detach, remove: each step even if an earlier one failed. */
async function teardown(dir: string, mountPoint: string, device: string | undefined) {
  const errors: string[] = [];
  if (mounted(mountPoint)) {
    await run("/usr/bin/umount", [mountPoint]).catch(async (e) => {
      errors.push(String(e));
      await run("/usr/bin/umount", ["-l", mountPoint]).catch((e2) => errors.push(String(e2)));
    });
  }
  if (device !== undefined) {
    await run(EXFAT_TOOLS["losetup (mount)"]!, ["-d", device]).catch((e) => errors.push(String(e)));
  }
  await Deno.remove(dir, { recursive: true }).catch((e) => errors.push(String(e)));
  if (errors.length > 0 && mounted(mountPoint)) {
    throw new Error(`Cannot unmount the test exFAT at "${mountPoint}": ${errors.join("; ")}`);
  }
}

/** Make a `sizeMiB` exFAT image in a temp dir, attach it to a loop device and mount it with FUSE. */
export async function mountExfat(options: { sizeMiB?: number } = {}): Promise<MountedFs> {
  const dir = await Deno.makeTempDir({ prefix: "ftp-clone-exfat-" });
  await Deno.chmod(dir, 0o755);
  const image = `${dir}/exfat.img`;
  const mountPoint = `${dir}/mnt`;
  let device: string | undefined;
  try {
    await Deno.mkdir(mountPoint);
    const file = await Deno.open(image, { create: true, write: true });
    await file.truncate((options.sizeMiB ?? 64) * 1024 * 1024);
    file.close();
    await run(EXFAT_TOOLS["mkfs.exfat (exfatprogs)"]!, ["-L", "FTPCLONE", image]);
    device = await run(EXFAT_TOOLS["losetup (mount)"]!, ["--find", "--show", image]);
    await run(EXFAT_TOOLS["mount.exfat-fuse (exfat-fuse)"]!, [device, mountPoint]);
    if (!mounted(mountPoint)) {
      throw new Error(`"${mountPoint}" is not a mount point after mounting`);
    }
  } catch (e) {
    await teardown(dir, mountPoint, device).catch(() => {});
    throw new Error(`Cannot mount a test exFAT: ${e instanceof Error ? e.message : e}`);
  }
  const dev = device;
  let disposed = false;
  return {
    path: mountPoint,
    device: dev,
    async [Symbol.asyncDispose]() {
      if (disposed) return;
      disposed = true;
      await teardown(dir, mountPoint, dev);
    },
  };
}

/** The programs mountTmpfs runs. */
export const TMPFS_TOOLS: Readonly<Record<string, string>> = {
  "mount (mount)": "/usr/bin/mount",
  "umount (mount)": "/usr/bin/umount",
};

/** Mounts a small tmpfs on `mountPoint` (an existing, empty directory); disposal unmounts it. */
export async function mountTmpfs(mountPoint: string): Promise<AsyncDisposable> {
  await run(TMPFS_TOOLS["mount (mount)"]!, ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint]);
  let disposed = false;
  return {
    async [Symbol.asyncDispose]() {
      if (disposed) return;
      disposed = true;
      await run(TMPFS_TOOLS["umount (mount)"]!, [mountPoint]).catch(() =>
        run(TMPFS_TOOLS["umount (mount)"]!, ["-l", mountPoint])
      );
    },
  };
}
