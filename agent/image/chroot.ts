// What a chroot of the installed system needs to run its own tools (update-initramfs, grub-install,
// mdadm) and a script written for a booted Debian system: /dev with fd and std* links, devpts,
// a private /dev/shm, /dev/disk/by-*, /proc, /sys, efivars (UEFI only), /run, a tmpfs /tmp and a
// resolv.conf that works in the rescue system. Everything is undone afterwards, and on failure or
// interrupt.

import { existsSync } from "node:fs";
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  rmdir,
  symlink,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { deferRelease, mountHandle } from "../exec/teardown.ts";
import { type ChrootAction, mountArgv, planChroot, type RescueFacts } from "./chroot-plan.ts";
import { DISK_LINKS_BLKID, DISK_LINKS_LSBLK, diskLinks, linkTarget } from "./disk-links.ts";

// The image's own /etc/resolv.conf (often a symlink to ../run/systemd/resolve/stub-resolv.conf)
// waits under this name while the script runs.
export const SAVED_RESOLV_CONF = "resolv.conf.byol-saved";

// Sets up the chroot (chroot-plan.ts says what) and provides a resolv.conf. Returns "release
// now": undoes every action in reverse order, then puts the image's resolv.conf back. The run's
// stack does the same if the caller never gets there. `dev` stands in for the rescue's /dev in tests.
export async function bindMounts(ctx: RunContext, root: string, dev = "/dev"): Promise<() => Promise<void>> {
  // Registered on the stack BEFORE the mounts, so the stack (last in, first out) unmounts first and
  // restores resolv.conf after: no process of the chroot is left, nothing is mounted over the root's
  // /run that the image's symlink points into, and /tmp/a itself (registered by the mount step,
  // earlier still) is still mounted, so the restore lands in the installed system, not in the
  // empty directory under it.
  const restoreResolv = await provideResolvConf(ctx, root);
  const undo: (() => Promise<void>)[] = [];
  for (const action of planChroot(await rescueFacts(dev))) {
    const release = await perform(ctx, root, action);
    if (release !== undefined) undo.push(release);
  }
  return async () => {
    for (const release of undo.reverse()) await release();
    await restoreResolv();
  };
}

export async function rescueFacts(dev: string): Promise<RescueFacts> {
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8").catch(() => "");
  const devPts = `${dev}/pts`;
  return {
    dev,
    devEntries: new Set(await readdir(dev)),
    devPtsMounted: mountinfo.split("\n").some((line) => isMountOf(line, devPts, "devpts")),
    efivars: existsSync("/sys/firmware/efi/efivars"),
    mdstat: existsSync("/proc/mdstat"),
    run: await lstat("/run").then(
      (st) => st.isDirectory(),
      () => false,
    ),
  };
}

// A mountinfo line: id parent major:minor root mountpoint options … - fstype source superoptions.
function isMountOf(line: string, target: string, fstype: string): boolean {
  const fields = line.split(" ");
  const dash = fields.indexOf("-");
  return fields[4] === target && dash > 0 && fields[dash + 1] === fstype;
}

// Performs one action and registers its undo on the run's stack; returns the undo.
async function perform(
  ctx: RunContext,
  root: string,
  action: ChrootAction,
): Promise<(() => Promise<void>) | undefined> {
  const step = stepOf(ctx);
  switch (action.kind) {
    case "bind":
    case "mount": {
      const target = await realDirectory(ctx, root, action.target);
      await ctx.runner.run(mountArgv(action, target), { step });
      return mountHandle(ctx, target);
    }
    case "dev-mkdir": {
      // In the bound /dev, so in the rescue's own: removed again.
      const path = join(root, action.target);
      await mkdir(path, { mode: 0o755 });
      return deferRelease(ctx, `directory ${action.target} made in the rescue's /dev`, () => rmdir(path));
    }
    case "dev-symlink": {
      const path = join(root, action.target);
      await symlink(action.link, path);
      return deferRelease(ctx, `link ${action.target} made in the rescue's /dev`, async () => {
        if ((await readlink(path).catch(() => undefined)) === action.link) await rm(path);
      });
    }
    case "disk-links": {
      // Inside the chroot's own tmpfs: they go with its unmount.
      const lsblk = await ctx.runner.run([...DISK_LINKS_LSBLK], { step });
      // blkid exits 2 when it finds nothing to report.
      const blkid = await ctx.runner.run([...DISK_LINKS_BLKID], { step, okExitCodes: [0, 2] });
      const base = join(root, action.target);
      for (const link of diskLinks(lsblk.stdout, blkid.stdout)) {
        await mkdir(join(base, link.dir), { recursive: true });
        await symlink(linkTarget(link), join(base, link.dir, link.name));
      }
      return undefined;
    }
    case "kernel-module": {
      // Best effort: without it the script runs as before, and this says why it may fail.
      const why = await ctx.runner.run(["modprobe", action.module], { step, okExitCodes: [0, 1] }).then(
        (r) => (r.exitCode === 0 ? undefined : r.stderr.trim() || `exit ${r.exitCode}`),
        (error: unknown) => (error as Error).message,
      );
      if (why !== undefined) {
        const message = `modprobe ${action.module}: ${why}; the script sees no ${action.target}`;
        ctx.events.emit({ step, phase: "log", level: "warn", message });
      }
      return undefined;
    }
    default: {
      const never: never = action;
      throw new Error(`unknown chroot action ${JSON.stringify(never)}`);
    }
  }
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
    if (stat === undefined) {
      await mkdir(current);
      if (path === "/tmp") await chmod(current, 0o1777); // as a booted system's
    } else if (!stat.isDirectory()) {
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
