// Wipe the target disks: release whatever an earlier install left on them (mounts, swap,
// LVM volume groups, md arrays the rescue system auto-assembled), clear md superblocks and
// filesystem signatures of every partition, then the plan's wipefs and `sgdisk -Z` of
// each disk, which also clears the backup GPT. Holders are found now, not at plan time:
// udev may have assembled an array since the probe.

import { readFile } from "node:fs/promises";
import type { RunContext } from "../exec/context.ts";
import type { WipeStep } from "../plan/types.ts";
import { findHolders, hasLvm, parseMdstat } from "./holders.ts";
import { markDisksWritten } from "./run-state.ts";

export async function wipe(ctx: RunContext, step: WipeStep): Promise<void> {
  const run = (argv: string[]) => ctx.runner.run(argv, { step: step.id });
  const tree = await run(["lsblk", "-J", "-p", "-o", "NAME,TYPE,MOUNTPOINTS", ...step.disks]);
  const pvs = hasLvm(tree.stdout) ? (await run(["pvs", "--reportformat", "json", "-o", "pv_name,vg_name"])).stdout : "";
  const holders = findHolders(step.disks, tree.stdout, await readMdstat(), pvs);
  ctx.log.info({ step: step.id, holders }, "holders of the target disks");

  for (const mountPoint of holders.mounts) await run(["umount", mountPoint]);
  for (const swap of holders.swaps) await run(["swapoff", swap]);
  for (const vg of holders.vgs) await run(["vgchange", "-an", vg]);

  markDisksWritten(ctx);
  // the filesystem inside an md array starts after its superblock, where wiping the member misses it
  for (const md of holders.arrays) {
    if (md.active) await run(["wipefs", "-a", "-f", md.device]);
    await run(["mdadm", "--stop", md.device]);
  }
  if (holders.arrays.length > 0) await run(["udevadm", "settle"]);
  for (const member of holders.arrays.flatMap((md) => md.members)) {
    await run(["mdadm", "--zero-superblock", "--force", member]);
  }
  for (const partition of holders.partitions) await run(["wipefs", "-a", "-f", partition]);

  // the plan stops the arrays probe saw; the ones found above are already stopped
  const stillActive = new Set(parseMdstat(await readMdstat()).map((md) => md.device));
  for (const argv of step.commands) {
    if (argv[0] === "mdadm" && argv[1] === "--stop" && !stillActive.has(argv[2] ?? "")) {
      ctx.log.info({ step: step.id, argv }, "skipped: the array is already stopped");
      continue;
    }
    await run([...argv]);
  }
  for (const disk of step.disks) await run(["partprobe", disk]);
  await run(["udevadm", "settle"]);
}

async function readMdstat(): Promise<string> {
  try {
    return await readFile("/proc/mdstat", "utf8");
  } catch {
    return ""; // no md driver loaded: no arrays
  }
}
