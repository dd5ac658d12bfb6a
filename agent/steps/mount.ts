// Mount one filesystem under /tmp/a, creating its directory first. The mount is released
// in reverse order when the run ends, fails or is interrupted.

import { mkdir } from "node:fs/promises";
import type { RunContext } from "../exec/context.ts";
import { mountHandle } from "../exec/teardown.ts";
import type { MountStep } from "../plan/types.ts";

export async function run(ctx: RunContext, step: MountStep): Promise<void> {
  await mkdir(step.target, { recursive: true });
  for (const argv of step.commands) await ctx.runner.run(argv, { step: step.id });
  mountHandle(ctx, step.target);
}
