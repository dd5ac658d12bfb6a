// Step "config-drive" (BYOLinux): the config-2 partition the plan allocated is formatted with the
// plan's mkfs.vfat and filled with cloud-init's OpenStack files (meta_data.json with a fresh uuid,
// user_data, network_data.json).

import { randomUUID } from "node:crypto";
import { configDriveFiles } from "../config-drive/files.ts";
import { writeConfigDrive } from "../config-drive/write.ts";
import type { RunContext, StepInputs } from "../exec/context.ts";
import type { ConfigDriveStep } from "../plan/types.ts";

export async function run(
  ctx: RunContext,
  step: ConfigDriveStep,
  inputs: Pick<StepInputs, "request" | "inventory">,
): Promise<void> {
  await writeConfigDrive(ctx, step, configDriveFiles(inputs.request, inputs.inventory.nics, randomUUID()));
}
