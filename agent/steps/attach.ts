// Step "attach": the image's one partition, read-only, on /dev/shm/image for the copy. A qcow2 is
// attached with qemu-nbd --read-only on a free /dev/nbdN and its partition node (/dev/nbdNp1) is
// mounted; a raw image is read from its file through a read-only loop device at the offset
// inspection found (also the fallback when the nbd module shows no partitions: max_part=0).

import { mkdir, rmdir } from "node:fs/promises";
import type { RunContext, StepInputs } from "../exec/context.ts";
import { deferRelease } from "../exec/teardown.ts";
import { mountImagePartition } from "../image/expose.ts";
import type { AttachStep } from "../plan/types.ts";

export async function run(ctx: RunContext, step: AttachStep, inputs: Pick<StepInputs, "image">): Promise<void> {
  const { image } = inputs;
  const { file, inspection } = image;
  if (file === undefined || inspection === undefined) throw new Error("attach: the image was not inspected");
  await mkdir(step.mountPoint, { recursive: true, mode: 0o700 });
  // registered first, so it runs after the unmount
  deferRelease(ctx, `directory ${step.mountPoint}`, () => rmdir(step.mountPoint).catch(() => {}));
  const source = { file, format: inspection.format };
  const target = { partition: inspection.partition, fileSystem: inspection.fileSystem, mountPoint: step.mountPoint };
  const opened = await mountImagePartition(ctx, step.id, source, target, { via: "nbd", scratch: step.mountPoint });
  image.attached = { device: opened.loop, mountPoint: step.mountPoint };
  const message = `${file} attached read-only through ${opened.view}; partition ${inspection.partition.number} on ${step.mountPoint} (${opened.loop})`;
  ctx.events.emit({ step: step.id, phase: "log", level: "info", message });
}
