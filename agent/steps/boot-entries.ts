// Step "boot-entries" (BYOLinux): makes the installed system boot. UEFI: one efibootmgr entry per
// ESP of the plan, the first ESP copied to the others first; legacy BIOS: GRUB checked on every
// target disk (agent/efi/entries.ts).

import { join } from "node:path";
import { makeBootEntries } from "../efi/entries.ts";
import type { RunContext, StepInputs } from "../exec/context.ts";
import type { BootEntriesStep } from "../plan/types.ts";

export async function run(
  ctx: RunContext,
  step: BootEntriesStep,
  inputs: Pick<StepInputs, "settings" | "plan"> & { request: Pick<StepInputs["request"], "hostname"> },
): Promise<void> {
  const { settings, plan, request } = inputs;
  await makeBootEntries(ctx, step, {
    bootOrder: settings.bootOrder,
    firmware: plan.firmware,
    ...(request.hostname !== undefined && { hostname: request.hostname }),
    disks: plan.disks.map((d) => d.path),
    espMountPoint: join(plan.targetRoot, "boot", "efi"),
  });
}
