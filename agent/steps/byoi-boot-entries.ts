// Step "byoi-boot-entries" (plan id "boot-entries"). UEFI: the ESP is the image's own, found on
// the written disk, and must hold efiBootloaderPath (agent/efi/byoi-loader.ts); then the efibootmgr
// entry is made and --boot-order applied as for BYOLinux. Legacy BIOS: no entry; the MBR's boot
// code is checked, with a warning.

import { byoiTarget } from "../disk/byoi-table.ts";
import { findLoader } from "../efi/byoi-loader.ts";
import { type BootEntriesOptions, makeBootEntries } from "../efi/entries.ts";
import type { RunContext, StepInputs } from "../exec/context.ts";
import type { ByoiBootEntriesStep } from "../plan/types.ts";

export async function run(
  ctx: RunContext,
  step: ByoiBootEntriesStep,
  inputs: Pick<StepInputs, "settings" | "plan"> & { request: Pick<StepInputs["request"], "hostname"> },
): Promise<void> {
  const { settings, plan, request } = inputs;
  const disk = byoiTarget(plan);
  const options: BootEntriesOptions = {
    bootOrder: settings.bootOrder,
    firmware: plan.firmware,
    ...(request.hostname !== undefined && { hostname: request.hostname }),
    disks: [disk.path],
  };
  const espDevices = options.firmware === "bios" ? [] : [await findLoader(ctx, step, disk.path)];
  await makeBootEntries(
    ctx,
    { id: step.id, espDevices, ...(step.loaderPath !== undefined && { loaderPath: step.loaderPath }) },
    options,
  );
}
