// Create one md array with the plan's mdadm --create. The array stays assembled until the
// run ends; its handle stops it when the run fails or is interrupted. The initial resync
// runs in the background: formatting and copying do not wait for it.

import { waitForNodes } from "../disk/wait-for-nodes.ts";
import type { RunContext } from "../exec/context.ts";
import { markDisksWritten } from "../exec/run-state.ts";
import { mdHandle } from "../exec/teardown.ts";
import type { RaidStep } from "../plan/types.ts";

export async function run(ctx: RunContext, step: RaidStep): Promise<void> {
  markDisksWritten(ctx);
  for (const argv of step.commands) await ctx.runner.run(argv, { step: step.id });
  mdHandle(ctx, step.device);
  await waitForNodes([step.device], { step: step.id, what: `creating ${step.device}`, signal: ctx.signal });
}
