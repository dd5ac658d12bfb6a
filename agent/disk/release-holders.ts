// Releases whatever holds the target disks or their partitions: mounts, swap, LVM volume
// groups and md arrays, including arrays udev assembled on its own from the superblocks of
// an earlier install. Found at run time from lsblk, /proc/mdstat and pvs, not from the plan:
// udev may have assembled an array since the probe, or just now from a new partition.

import { readFile } from "node:fs/promises";
import type { RunContext } from "../exec/context.ts";
import type { RunOptions } from "../exec/types.ts";
import { findHolders, type Holders, hasLvm } from "./holders.ts";
import { settle } from "./settle.ts";

export async function releaseHolders(
  ctx: Pick<RunContext, "runner" | "log">,
  disks: readonly string[],
  options: RunOptions,
  beforeFirstWrite: () => void = () => {},
): Promise<Holders> {
  const run = (argv: string[]) => ctx.runner.run(argv, options);
  const tree = await run(["lsblk", "-J", "-p", "-o", "NAME,TYPE,MOUNTPOINTS", ...disks]);
  const pvs = hasLvm(tree.stdout) ? (await run(["pvs", "--reportformat", "json", "-o", "pv_name,vg_name"])).stdout : "";
  const holders = findHolders(disks, tree.stdout, await readMdstat(), pvs);
  if (holders.mounts.length + holders.swaps.length + holders.vgs.length + holders.arrays.length === 0) return holders;
  ctx.log.info({ step: options.step, holders }, "releasing the holders of the target disks");

  for (const mountPoint of holders.mounts) await run(["umount", mountPoint]);
  for (const swap of holders.swaps) await run(["swapoff", swap]);
  for (const vg of holders.vgs) await run(["vgchange", "-an", vg]);
  if (holders.arrays.length === 0) return holders;

  beforeFirstWrite();
  // A stopped array's members still carry its superblock, and udev re-assembles them on the
  // event the stop itself causes. Its queue waits until the superblocks are gone.
  await run(["udevadm", "control", "--stop-exec-queue"]);
  try {
    for (const md of holders.arrays) {
      // the filesystem inside an array starts after its superblock, where wiping a member misses it
      if (md.active) await run(["wipefs", "-a", "-f", md.device]);
      await run(["mdadm", "--stop", md.device]);
    }
    for (const member of holders.arrays.flatMap((md) => md.members)) {
      await run(["mdadm", "--zero-superblock", "--force", member]);
    }
  } finally {
    await ctx.runner.run(["udevadm", "control", "--start-exec-queue"], { ...options, ignoreAbort: true });
  }
  await settle(ctx, options.step);
  return holders;
}

export async function readMdstat(): Promise<string> {
  try {
    return await readFile("/proc/mdstat", "utf8");
  } catch {
    return ""; // no md driver loaded: no arrays
  }
}
