// What a chroot of the installed system needs to run its own tools (update-initramfs, grub-install,
// mdadm): the kernel's /dev, /dev/pts, /proc, /sys, efivars (UEFI only), /run, and a resolv.conf
// that works in the rescue system. Everything is undone afterwards, and on failure or interrupt.

import { existsSync } from "node:fs";
import { lstat, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { deferRelease, mountHandle } from "../exec/teardown.ts";

// Host path -> path inside the root. Non-recursive binds: the rescue's own submounts (/dev/shm,
// which holds the downloaded image, cgroups, securityfs) stay out of the chroot.
const BINDS = ["/dev", "/dev/pts", "/proc", "/sys", "/sys/firmware/efi/efivars", "/run"] as const;
// Only bound when the rescue system booted with UEFI; the others must exist.
const OPTIONAL = new Set<string>(["/sys/firmware/efi/efivars"]);

// The image's own /etc/resolv.conf (often a symlink to ../run/systemd/resolve/stub-resolv.conf)
// waits under this name while the script runs.
export const SAVED_RESOLV_CONF = "resolv.conf.byol-saved";

// Bind-mounts the kernel file systems into `root` and provides a resolv.conf. Returns "release
// now": unmounts in reverse order, then puts the image's resolv.conf back. The run's stack does
// the same if the caller never gets there.
export async function bindMounts(ctx: RunContext, root: string): Promise<() => Promise<void>> {
  // Registered on the stack BEFORE the mounts, so the stack (last in, first out) unmounts first and
  // restores resolv.conf after: no process of the chroot is left, nothing is mounted over the root's
  // /run that the image's symlink points into, and /tmp/a itself (registered by the mount step,
  // earlier still) is still mounted, so the restore lands in the installed system, not in the
  // empty directory under it.
  const restoreResolv = await provideResolvConf(ctx, root);
  const unmounts: (() => Promise<void>)[] = [];
  for (const source of BINDS) {
    if (OPTIONAL.has(source) && !existsSync(source)) continue;
    const target = await realDirectory(ctx, root, source);
    await ctx.runner.run(["mount", "--bind", source, target], { step: stepOf(ctx) });
    unmounts.push(mountHandle(ctx, target));
  }
  return async () => {
    for (const unmount of unmounts.reverse()) await unmount();
    await restoreResolv();
  };
}

// The rescue's resolv.conf as a plain file in the root; the image's own entry (file or symlink,
// kept as it is) is renamed aside and restored by the returned function, also registered on the stack.
async function provideResolvConf(ctx: RunContext, root: string): Promise<() => Promise<void>> {
  let content: string;
  try {
    content = await readFile("/etc/resolv.conf", "utf8");
  } catch (error) {
    ctx.log.warn({ err: error }, "the rescue system has no readable /etc/resolv.conf; the chroot keeps its own");
    return async () => {};
  }
  const etc = await realDirectory(ctx, root, "/etc");
  const file = join(etc, "resolv.conf");
  const saved = join(etc, SAVED_RESOLV_CONF);
  if (await present(saved)) {
    throw new InstallError("script", stepOf(ctx), `${saved} exists already: a previous run did not restore it`);
  }
  const had = await present(file);
  if (had) await rename(file, saved); // rename moves a symlink itself, never its target
  const restore = async () => {
    await rm(file, { force: true });
    if (had) await rename(saved, file);
  };
  const release = deferRelease(ctx, `${file} of the image`, restore);
  await writeFile(file, content, { flag: "wx", mode: 0o644 }); // wx: never through a symlink put there meanwhile
  return release;
}

// `root` + `path`, created where missing. Every component must be a real directory: the image is
// the customer's, and a symlink there (say /sys -> /) would otherwise send a mount or a write
// into the rescue system itself.
async function realDirectory(ctx: RunContext, root: string, path: string): Promise<string> {
  let current = root;
  for (const part of path.split("/").filter((p) => p !== "")) {
    current = join(current, part);
    const stat = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (stat === undefined) await mkdir(current);
    else if (!stat.isDirectory()) {
      const what = stat.isSymbolicLink() ? "a symbolic link" : "not a directory";
      throw new InstallError(
        "script",
        stepOf(ctx),
        `${current} in the installed system is ${what}; cannot mount on it`,
      );
    }
  }
  return current;
}

async function present(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return false;
      throw error;
    },
  );
}

function stepOf(ctx: RunContext): string {
  return ctx.state.step ?? "bootable-script";
}
