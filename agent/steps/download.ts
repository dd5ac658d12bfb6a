// Step "download": the image into RAM, its checksum verified in the same pass (agent/download/).
// The file goes when the run ends, however it ends.

import { rm } from "node:fs/promises";
import { downloadImage, memoryLimitBytes } from "../download/image.ts";
import type { RunContext, StepInputs } from "../exec/context.ts";
import { deferRelease } from "../exec/teardown.ts";
import type { DownloadStep } from "../plan/types.ts";

export async function run(
  ctx: RunContext,
  step: DownloadStep,
  inputs: Pick<StepInputs, "request" | "image" | "settings"> & {
    inventory: Pick<StepInputs["inventory"], "memoryBytes">;
  },
): Promise<void> {
  const { image } = inputs.request;
  deferRelease(ctx, `downloaded image ${step.path}`, () => rm(step.path, { force: true }));
  await downloadImage({
    ...inputs.settings.download,
    url: image.url,
    headers: image.httpHeaders,
    ...(image.checksum !== undefined && { checksum: image.checksum }),
    destination: step.path,
    limitBytes: memoryLimitBytes(inputs.inventory.memoryBytes),
    imageType: image.type,
    events: ctx.events,
    signal: ctx.signal,
    step: step.id,
  });
  inputs.image.file = step.path;
}
