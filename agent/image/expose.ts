// The image's virtual disk as something the kernel can read, read-only, and its one partition
// mounted read-only from it. Inspection and attach share this:
//   raw file   -> the file itself;
//   qcow2      -> a FUSE export by qemu-storage-daemon (no nbd device taken, works wherever FUSE
//                 does) or, where qemu-storage-daemon is not installed, qemu-nbd --read-only;
// then the partition: for nbd the kernel's node (nbd0p1), otherwise a read-only loop device at the
// partition's offset; mounted ro without journal replay.
// Every piece is a handle on the run's stack; the returned function releases them all now.

import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isAlive } from "../exec/alive.ts";
import type { RunContext } from "../exec/context.ts";
import { deferRelease, loopHandle, mountHandle, TEARDOWN } from "../exec/teardown.ts";
import { parseMounts } from "../probe/mounts.ts";
import { connectNbd } from "./nbd.ts";
import type { ImageFileSystem, ImagePartition } from "./types.ts";

export type Via = "fuse" | "nbd";

export interface ImageSource {
  file: string;
  format: "qcow2" | "raw";
}

// Mount options that never write: no journal or log replay, nothing executable or special.
const READ_ONLY: Record<ImageFileSystem, string> = {
  ext4: "ro,noload",
  xfs: "ro,norecovery",
  btrfs: "ro,rescue=nologreplay",
};

export interface Opened {
  release: () => Promise<void>;
  view: string; // the virtual disk: the raw file, the FUSE export or /dev/nbdN
  loop: string; // the partition's device: /dev/nbd0p1, or a read-only loop device
}

// The default for inspection: FUSE when qemu-storage-daemon is there, else nbd.
export function defaultVia(): Via {
  return onPath("qemu-storage-daemon") ? "fuse" : "nbd";
}

// Mounts `partition` of the image on `mountPoint` (an existing empty directory), read-only.
// `scratch` is a private directory for the FUSE export's files.
export async function mountImagePartition(
  ctx: RunContext,
  step: string,
  image: ImageSource,
  target: { partition: ImagePartition; fileSystem: ImageFileSystem; mountPoint: string },
  opts: { via: Via; scratch: string },
): Promise<Opened> {
  const releases: (() => Promise<void>)[] = [];
  const release = async () => {
    for (const r of releases.splice(0).reverse()) await r();
  };
  try {
    let view = image.file;
    if (image.format === "qcow2") {
      if (opts.via === "fuse") {
        const exported = await fuseExport(ctx, step, image.file, opts.scratch);
        releases.push(exported.release);
        view = exported.path;
      } else {
        const nbd = await connectNbd(ctx, step, image);
        releases.push(nbd.release);
        view = nbd.device;
      }
    }
    let device = view.startsWith("/dev/nbd") ? await nbdPartition(ctx, step, view, target.partition) : undefined;
    if (device === undefined) {
      device = await loopAt(ctx, step, view, target.partition);
      releases.push(loopHandle(ctx, device));
    }
    const options = `${READ_ONLY[target.fileSystem]},nosuid,nodev,noexec`;
    await ctx.runner.run(["mount", "-t", target.fileSystem, "-o", options, device, target.mountPoint], { step });
    releases.push(mountHandle(ctx, target.mountPoint));
    return { release, view, loop: device };
  } catch (error) {
    await release();
    throw error;
  }
}

// The kernel's own partition node of the nbd device (nbd0p1), once it appears: the kernel reads
// the table when qemu-nbd connects (max_part > 0). Undefined if it does not, so a loop is used.
async function nbdPartition(ctx: RunContext, step: string, nbd: string, p: ImagePartition) {
  const node = `${nbd}p${p.number}`;
  await ctx.runner.run(["udevadm", "settle", "--timeout=10"], { step, okExitCodes: [0, 1] });
  for (let i = 0; i < 50 && !existsSync(node); i++) await sleep(100, undefined, { signal: ctx.signal });
  return existsSync(node) ? node : undefined;
}

// A read-only loop device over the partition's bytes (the loop module is loaded if needed).
async function loopAt(ctx: RunContext, step: string, view: string, p: ImagePartition): Promise<string> {
  // /dev/loop-control can be a static node while the module is not loaded: ask the kernel what is loaded
  if (!existsSync("/sys/module/loop")) await ctx.runner.run(["modprobe", "loop"], { step });
  const argv = ["losetup", "--read-only", "--offset", String(p.offset), "--sizelimit", String(p.size), "--find"];
  return (await ctx.runner.run([...argv, "--show", view], { step })).stdout.trim();
}

// qemu-storage-daemon exports the qcow2's virtual disk as a read-only raw file over FUSE. No
// backing file is ever opened (backing: null), whatever the header says.
async function fuseExport(
  ctx: RunContext,
  step: string,
  file: string,
  scratch: string,
): Promise<{ path: string; release: () => Promise<void> }> {
  const path = join(scratch, "virtual-disk");
  const pidFile = join(scratch, "qemu-storage-daemon.pid");
  await writeFile(path, "", { flag: "wx", mode: 0o600 }); // FUSE mounts a file on a file
  const blockdev = (o: object) => ["--blockdev", JSON.stringify(o)];
  const argv = [
    "qemu-storage-daemon",
    "--daemonize",
    "--pidfile",
    pidFile,
    ...blockdev({ driver: "file", "node-name": "file", filename: file, "read-only": true }),
    ...blockdev({ driver: "qcow2", "node-name": "image", file: "file", "read-only": true, backing: null }),
    "--export",
    JSON.stringify({ type: "fuse", id: "export", "node-name": "image", mountpoint: path, writable: false }),
  ];
  const removeFiles = async () => {
    await rm(path, { force: true });
    await rm(pidFile, { force: true });
  };
  try {
    await ctx.runner.run(argv, { step });
  } catch (error) {
    await removeFiles();
    throw error;
  }
  ctx.held?.hold("mounts", path);
  const pid = Number((await readFile(pidFile, "utf8")).trim());
  const release = deferRelease(ctx, `FUSE export ${path}`, async () => {
    await stopDaemon(pid, path);
    if (mounted(path)) await ctx.runner.run(["umount", "-l", path], TEARDOWN);
    ctx.held?.drop("mounts", path);
    await removeFiles();
  });
  return { path, release };
}

// SIGTERM, then wait up to 5 s for the daemon to remove its export and exit.
async function stopDaemon(pid: number, path: string): Promise<void> {
  if (!(pid > 1)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return; // gone already
  }
  for (let i = 0; i < 50 && (isAlive(pid) || mounted(path)); i++) await sleep(100);
}

function mounted(path: string): boolean {
  return parseMounts(readFileSync("/proc/self/mounts", "utf8")).some((m) => m.target === path);
}

export function onPath(program: string): boolean {
  for (const dir of (process.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    const file = join(dir || ".", program);
    try {
      if (existsSync(file)) {
        accessSync(file, constants.X_OK);
        return true;
      }
    } catch {}
  }
  return false;
}

// Removes an empty scratch directory; never recursive (something may still be mounted in it).
export async function removeScratch(dir: string): Promise<void> {
  await rmdir(dir).catch(() => {});
}
