// Partition one disk with the plan's commands (sgdisk on GPT, parted on MBR, then partprobe
// and udevadm settle), and wait until udev has created every partition's node.

import type { RunContext } from "../exec/context.ts";
import type { PartitionStep } from "../plan/types.ts";
import { markDisksWritten } from "./run-state.ts";
import { waitForNodes } from "./wait-for-nodes.ts";

export async function partition(ctx: RunContext, step: PartitionStep): Promise<void> {
  markDisksWritten(ctx);
  for (const argv of step.commands) await ctx.runner.run(argv, { step: step.id });
  await waitForNodes(step.partitions, { step: step.id, what: `partitioning ${step.disk}`, signal: ctx.signal });
}
