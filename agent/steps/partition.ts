// Partition one disk with the plan's commands (sgdisk on GPT, parted on MBR, then partprobe
// and udevadm settle), wait until udev has created every partition's node, then clear what
// the new partitions show of an earlier install: a partition that starts or ends where an
// old one did shows its old md superblock again, and udev may already have assembled it.

import { releaseHolders } from "../disk/release-holders.ts";
import { isSettle, settle } from "../disk/settle.ts";
import { waitForNodes } from "../disk/wait-for-nodes.ts";
import type { RunContext } from "../exec/context.ts";
import { markDisksWritten } from "../exec/run-state.ts";
import type { PartitionStep } from "../plan/types.ts";

export async function run(ctx: RunContext, step: PartitionStep): Promise<void> {
  markDisksWritten(ctx);
  for (const argv of step.commands) {
    if (isSettle(argv)) await settle(ctx, step.id, argv);
    else await ctx.runner.run(argv, { step: step.id });
  }
  await waitForNodes(step.partitions, { step: step.id, what: `partitioning ${step.disk}`, signal: ctx.signal });

  await releaseHolders(ctx, [step.disk], { step: step.id }, { targets: ctx.state.targetDisks });
  for (const p of step.partitions) await ctx.runner.run(["wipefs", "-a", "-f", p], { step: step.id });
  await settle(ctx, step.id);
}
