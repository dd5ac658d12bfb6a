// Step "byoi-inspect" (plan id "inspect"): BYOI's checks of the RAM copy of an image (qcow2, or raw
// staged with --image-staging ram) before its disk is touched: its format, a self-contained qcow2,
// its size against the disk and a partition table made for the disk's sector size
// (agent/image/inspection.ts). Each refusal ends the run with exit 3.

import { byoiTarget } from "../disk/byoi-table.ts";
import type { RunContext, StepInputs } from "../exec/context.ts";
import { inspectByoi } from "../image/inspection.ts";
import type { ByoiInspectStep } from "../plan/types.ts";

export async function run(
  ctx: RunContext,
  step: ByoiInspectStep,
  inputs: Pick<StepInputs, "image" | "plan">,
): Promise<void> {
  await inspectByoi(ctx, step, inputs.image, byoiTarget(inputs.plan));
}
