// Step "inspect" (BYOLinux): decide from the downloaded image's content, before any disk is
// touched, whether it can be installed: its format, a self-contained qcow2, one partition with
// ext4, xfs or btrfs, and an executable make_image_bootable.sh (agent/image/inspection.ts).
// Each refusal ends the run with exit 3.

import type { RunContext, StepInputs } from "../exec/context.ts";
import { inspectImage } from "../image/inspection.ts";
import type { InspectStep } from "../plan/types.ts";

export async function run(ctx: RunContext, step: InspectStep, inputs: Pick<StepInputs, "image">): Promise<void> {
  await inspectImage(ctx, step, inputs.image);
}
