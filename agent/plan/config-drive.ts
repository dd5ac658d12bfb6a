// The config-2 partition cloud-init reads; its files are written with mtools at run time.

import { CONFIG_DRIVE_MIB } from "./allocate.ts";
import type { ByoiConfigDriveStep, ConfigDriveStep } from "./types.ts";

// BYOLinux: the partition exists already, the step formats and fills it.
export function configDriveStep(disk: string, device: string): ConfigDriveStep {
  return {
    kind: "config-drive",
    id: "config-drive",
    title: `writing the config drive ${device}`,
    commands: [["mkfs.vfat", "-n", "config-2", device]],
    disk,
    device,
    sizeMiB: CONFIG_DRIVE_MIB,
  };
}

// BYOI: the step appends the partition after the image's own, so its number is known only then.
export function byoiConfigDriveStep(disk: string): ByoiConfigDriveStep {
  return {
    kind: "byoi-config-drive",
    id: "config-drive",
    title: `appending the config drive to ${disk}`,
    commands: [],
    disk,
    sizeMiB: CONFIG_DRIVE_MIB,
  };
}
