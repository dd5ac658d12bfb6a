// Releases whatever holds the target disks or their partitions: mounts, swap, LVM volume
// groups, ZFS pools (exported, their labels cleared) and md arrays, including arrays udev assembled on its own from the superblocks of
// an earlier install. Found at run time from lsblk, /proc/mdstat and pvs, not from the plan:
// udev may have assembled an array since the probe, or just now from a new partition.
// An array that also has members on a disk that is not a target is refused ("refuse",
// before anything is touched) or loses only the target's members ("break").

import { readFile } from "node:fs/promises";
import { InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import type { RunOptions } from "../exec/types.ts";
import { findHolders, type Holders, hasLvm } from "./holders.ts";
import { settle } from "./settle.ts";
import { spanRefusal } from "./spanning.ts";

export interface ReleaseOptions {
  // every target disk of the run, so an array across two targets is not taken for one that spans another disk
  targets?: readonly string[];
  // what to do with an array that spans a target and another disk; default "break"
  spanning?: "refuse" | "break";
  beforeFirstWrite?: () => void;
  mdstat?: string; // for tests: /proc/mdstat's text
}

// lsblk of every disk: the ones that are not targets are needed to see the other members of a ZFS pool.
export const HOLDERS_LSBLK = ["lsblk", "-J", "-p", "-o", "NAME,TYPE,FSTYPE,LABEL,MOUNTPOINTS"] as const;

export async function releaseHolders(
  ctx: Pick<RunContext, "runner" | "log"> & Partial<Pick<RunContext, "held">>,
  disks: readonly string[],
  options: RunOptions,
  release: ReleaseOptions | (() => void) = {},
): Promise<Holders> {
  const opts: ReleaseOptions = typeof release === "function" ? { beforeFirstWrite: release } : release;
  const { targets = disks, spanning = "break", beforeFirstWrite = () => {} } = opts;
  const run = (argv: readonly string[]) => ctx.runner.run(argv, options);
  const tree = await run(HOLDERS_LSBLK);
  const pvs = hasLvm(tree.stdout) ? (await run(["pvs", "--reportformat", "json", "-o", "pv_name,vg_name"])).stdout : "";
  const holders = findHolders(disks, tree.stdout, opts.mdstat ?? (await readMdstat()), { pvsJson: pvs, targets });
  if (holders.spans.length > 0) {
    if (spanning === "refuse") throw new InstallError("spanning-array", options.step, spanRefusal(holders.spans[0]!));
    ctx.log.warn({ step: options.step, spans: holders.spans }, "--break-arrays: releasing only the target's members");
  }
  const held = holders.mounts.length + holders.swaps.length + holders.vgs.length + holders.arrays.length;
  if (held + holders.pools.length === 0) return holders;
  ctx.log.info({ step: options.step, holders }, "releasing the holders of the target disks");

  for (const mountPoint of holders.mounts) await run(["umount", mountPoint]);
  for (const swap of holders.swaps) await run(["swapoff", swap]);
  for (const vg of holders.vgs) await run(["vgchange", "-an", vg]);
  await releasePools(ctx, holders, options, beforeFirstWrite);
  if (holders.arrays.length === 0) return holders;

  beforeFirstWrite();
  // A stopped array's members still carry its superblock, and udev re-assembles them on the
  // event the stop itself causes. Its queue waits until the superblocks are gone. Recorded first:
  // a run killed in between leaves the queue stopped, and `byol cleanup` starts it again.
  ctx.held?.hold("udev", UDEV_QUEUE);
  await run(["udevadm", "control", "--stop-exec-queue"]);
  try {
    for (const md of holders.arrays) {
      if (md.degrade) {
        // the other disk keeps the array running: only the target's members leave it
        for (const m of md.members) await run(["mdadm", md.device, "--fail", m, "--remove", m]);
        continue;
      }
      // the filesystem inside an array starts after its superblock, where wiping a member misses it;
      // an array that spans another disk keeps its filesystem, which is that disk's data too
      if (md.active && !md.spans) await run(["wipefs", "-a", "-f", md.device]);
      await run(["mdadm", "--stop", md.device]);
    }
    for (const member of holders.arrays.flatMap((md) => md.members)) {
      await run(["mdadm", "--zero-superblock", "--force", member]);
    }
  } finally {
    await ctx.runner.run(["udevadm", "control", "--start-exec-queue"], { ...options, ignoreAbort: true });
    ctx.held?.drop("udev", UDEV_QUEUE);
  }
  await settle(ctx, options.step);
  return holders;
}

// The held value while udev's event queue is stopped.
export const UDEV_QUEUE = "exec-queue";

export async function readMdstat(): Promise<string> {
  try {
    return await readFile("/proc/mdstat", "utf8");
  } catch {
    return ""; // no md driver loaded: no arrays
  }
}

// ZFS pools on the targets, as md arrays: an imported one is exported (its datasets unmounted; one
// that spans another disk too: that disk keeps its data), then the target's members lose their
// labels, so nothing imports them again. Without the zpool tool nothing can be imported: the
// members' signatures go with the wipe's wipefs.
async function releasePools(
  ctx: Pick<RunContext, "runner" | "log">,
  holders: Holders,
  options: RunOptions,
  beforeFirstWrite: () => void,
): Promise<void> {
  if (holders.pools.length === 0) return;
  let imported: string[];
  try {
    imported = (await ctx.runner.run(["zpool", "list", "-H", "-o", "name"], options)).stdout.split("\n");
  } catch (error) {
    ctx.log.info({ step: options.step, err: error }, "zpool list failed: no ZFS pool is imported");
    return;
  }
  for (const pool of holders.pools.filter((p) => imported.includes(p.name))) {
    await ctx.runner.run(["zpool", "export", "-f", pool.name], options);
  }
  beforeFirstWrite();
  for (const member of holders.pools.flatMap((p) => p.members)) {
    await ctx.runner.run(["zpool", "labelclear", "-f", member], options);
  }
}
