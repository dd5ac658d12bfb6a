// The config-2 partition cloud-init reads; its files are written with mtools at run time.

import { CONFIG_DRIVE_MIB } from "./allocate.ts";
import type { ConfigDriveStep } from "./types.ts";

// BYOLinux: the partition exists already, the step formats and fills it.
// BYOI (no device): the step appends the partition after the image's own, so the number is known only then.
export function configDriveStep(disk: string, device?: string): ConfigDriveStep {
  const step: ConfigDriveStep = {
    kind: "config-drive",
    id: "config-drive",
    title: device === undefined ? `appending the config drive to ${disk}` : `writing the config drive ${device}`,
    commands: device === undefined ? [] : [["mkfs.vfat", "-n", "config-2", device]],
    disk,
    sizeMiB: CONFIG_DRIVE_MIB,
  };
  if (device !== undefined) step.device = device;
  return step;
}
