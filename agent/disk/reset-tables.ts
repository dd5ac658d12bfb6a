// Resetting the target disks' partition tables after a failure, so a half-written disk
// never boots: wipefs for every signature, then sgdisk -Z for both GPT copies and the MBR.

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
