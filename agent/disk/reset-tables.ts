// Resetting the target disks' partition tables after a failure, so a half-written disk
// never boots: wipefs for every signature, then sgdisk -Z for both GPT copies and the MBR,
// then the kernel is made to forget the partitions it still lists.

import { readdirSync } from "node:fs";
import { basename } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { RunContext } from "../exec/context.ts";

export type ResetContext = Pick<RunContext, "runner" | "log" | "events">;

// Never throws: it runs while another error is on its way out. Problems are returned and logged.
export async function resetPartitionTables(
  ctx: ResetContext,
  disks: readonly string[],
  step = "reset-tables",
): Promise<{ reset: string[]; problems: string[] }> {
  const reset: string[] = [];
  const problems: string[] = [];
  const options = { step, ignoreAbort: true, timeoutMs: 120_000 } as const;
  for (const disk of disks) {
    try {
      await ctx.runner.run(["wipefs", "-a", "-f", disk], options);
      await ctx.runner.run(["sgdisk", "-Z", disk], options);
      await forgetPartitions(ctx, disk, step);
      reset.push(disk);
      ctx.log.warn({ disk }, `reset the partition table of ${disk}`);
    } catch (error) {
      const message = `resetting the partition table of ${disk}: ${(error as Error).message}`;
      problems.push(message);
      ctx.log.error({ disk, err: error }, message);
      ctx.events.emit({ step, phase: "log", level: "warn", message });
    }
  }
  return { reset, problems };
}

// The partitions the kernel lists for a disk (/sys/block/vdb/vdb1, …); none for a file or an unknown disk.
export function kernelPartitions(disk: string, sysBlock = "/sys/block"): string[] {
  const name = basename(disk);
  try {
    return readdirSync(`${sysBlock}/${name}`).filter((e) => e.startsWith(name) && e !== name);
  } catch {
    return [];
  }
}

// sgdisk's re-read of the now empty table fails quietly while a partition is open, e.g. by udev
// probing what wipefs changed (seconds under load), and the kernel keeps the old partitions:
// wait for udev and ask again, a few times. Leftover entries are a warning: the disk holds no table.
async function forgetPartitions(ctx: ResetContext, disk: string, step: string, tries = 5): Promise<void> {
  const options = { step, ignoreAbort: true, timeoutMs: 120_000, okExitCodes: [0, 1] } as const;
  for (let attempt = 1; kernelPartitions(disk).length > 0; attempt++) {
    if (attempt > tries) {
      const message = `the kernel still lists ${kernelPartitions(disk).join(" ")} of ${disk}; its table is empty on disk`;
      ctx.log.warn({ disk }, message);
      ctx.events.emit({ step, phase: "log", level: "warn", message });
      return;
    }
    await ctx.runner.run(["udevadm", "settle", "--timeout=30"], options);
    await ctx.runner.run(["partprobe", disk], options);
    if (kernelPartitions(disk).length > 0) await sleep(attempt * 1000);
  }
}
