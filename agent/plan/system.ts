// The steps that finish the installed system: fstab, the image's script, boot entries, unmounting.

import type { Firmware } from "../probe/types.ts";
import type { InstallRequest } from "../request/types.ts";
import type { BootableScriptStep, BootEntriesStep, ConfigureStep, FinishStep, FstabEntry } from "./types.ts";

export const BOOTABLE_SCRIPT = "/root/.ovh/make_image_bootable.sh";

// /etc/fstab by UUID (and mdadm.conf when there are arrays), written into the copied system.
export function configureStep(request: InstallRequest, fstab: FstabEntry[], mdadmConf: boolean): ConfigureStep {
  const files = mdadmConf ? "/etc/fstab and /etc/mdadm/mdadm.conf" : "/etc/fstab";
  const step: ConfigureStep = {
    kind: "configure",
    id: "configure",
    title: `writing ${files}`,
    commands: [],
    fstab,
    mdadmConf,
  };
  if (request.hostname !== undefined) step.hostname = request.hostname;
  return step;
}

// The image's own make_image_bootable.sh, in a chroot of the new system.
export function bootableScriptStep(root: string): BootableScriptStep {
  const title = `running ${BOOTABLE_SCRIPT} in a chroot of ${root}`;
  return { kind: "bootable-script", id: "bootable-script", title, commands: [], script: BOOTABLE_SCRIPT, root };
}

// UEFI: one efibootmgr entry per ESP; legacy BIOS boots from what the image's grub install wrote.
export function bootEntriesStep(request: InstallRequest, firmware: Firmware, espDevices: string[]): BootEntriesStep {
  const uefi = firmware === "uefi";
  const title = uefi
    ? `creating UEFI boot entries${espDevices.length > 0 ? ` on ${espDevices.join(" ")}` : ""}`
    : "keeping the legacy BIOS boot order";
  const step: BootEntriesStep = { kind: "boot-entries", id: "boot-entries", title, commands: [], espDevices };
  if (uefi && request.efiBootloaderPath !== undefined) step.loaderPath = request.efiBootloaderPath;
  return step;
}

// Unmounts in reverse mount order, then syncs and reboots (unless --no-reboot).
export function finishStep(unmount: string[]): FinishStep {
  return { kind: "finish", id: "finish", title: "unmounting, syncing and rebooting", commands: [], unmount };
}
