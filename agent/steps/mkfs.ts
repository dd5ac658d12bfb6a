// Format one partition, array or logical volume with the plan's mkfs/mkswap command.

import type { RunContext } from "../exec/context.ts";
import { markDisksWritten } from "../exec/run-state.ts";
import type { MkfsStep } from "../plan/types.ts";

export async function run(ctx: RunContext, step: MkfsStep): Promise<void> {
  markDisksWritten(ctx);
  for (const argv of step.commands) await ctx.runner.run(argv, { step: step.id });
}
