// The steps that finish the installed system: fstab, the image's script, boot entries, unmounting.

import { loaderDistro, toFirmwarePath } from "../efi/loader.ts";
import { partitionOf } from "../efi/partition-of.ts";
import type { Firmware } from "../probe/types.ts";
import type { InstallRequest } from "../request/types.ts";
import type {
  BootableScriptStep,
  BootEntriesStep,
  ByoiBootEntriesStep,
  ConfigureStep,
  FinishStep,
  FstabEntry,
} from "./types.ts";

export const BOOTABLE_SCRIPT = "/root/.ovh/make_image_bootable.sh";

// /etc/fstab by UUID (and mdadm.conf when there are arrays), written into the copied system.
// zfs: the mount points of the ZFS datasets (no fstab line; the image's lines for them are dropped).
export function configureStep(
  request: InstallRequest,
  fstab: FstabEntry[],
  mdadmConf: boolean,
  zfs: string[] = [],
): ConfigureStep {
  const files = mdadmConf ? "/etc/fstab and /etc/mdadm/mdadm.conf" : "/etc/fstab";
  const step: ConfigureStep = {
    kind: "configure",
    id: "configure",
    title: `writing ${files}`,
    commands: [
      ...fstab.map((e) => ["blkid", "-c", "/dev/null", "-s", "UUID", "-o", "value", e.device]),
      ...(mdadmConf ? [["mdadm", "--detail", "--scan"]] : []),
    ],
    fstab,
    mdadmConf,
  };
  if (request.hostname !== undefined) step.hostname = request.hostname;
  if (zfs.length > 0) step.zfsMountPoints = zfs;
  return step;
}

// The image's own make_image_bootable.sh, in a chroot of the new system.
export function bootableScriptStep(root: string): BootableScriptStep {
  const title = `running ${BOOTABLE_SCRIPT} in a chroot of ${root}`;
  const commands = [["chroot", root, BOOTABLE_SCRIPT]]; // run as it is, in /dev, /proc, /sys, /run bound from the rescue
  return { kind: "bootable-script", id: "bootable-script", title, commands, script: BOOTABLE_SCRIPT, root };
}

// UEFI: one efibootmgr entry per ESP; legacy BIOS boots from what the image's grub install wrote.
export function bootEntriesStep(request: InstallRequest, firmware: Firmware, espDevices: string[]): BootEntriesStep {
  const uefi = firmware === "uefi";
  const title = uefi
    ? `creating UEFI boot entries${espDevices.length > 0 ? ` on ${espDevices.join(" ")}` : ""}`
    : "keeping the legacy BIOS boot order";
  const step: BootEntriesStep = { kind: "boot-entries", id: "boot-entries", title, commands: [], espDevices };
  if (uefi && request.efiBootloaderPath !== undefined) step.loaderPath = request.efiBootloaderPath;
  if (uefi && espDevices.length > 0) {
    const given = step.loaderPath === undefined ? undefined : toFirmwarePath(step.loaderPath);
    const loader = given ?? "<loader-installed-by-the-script>";
    const name = request.hostname ?? (given !== undefined ? loaderDistro(given) : undefined) ?? "<loader-distribution>";
    const create = espDevices.map((device) => {
      const { disk, number } = partitionOf(device);
      const label = `byol ${name} (${disk.slice(disk.lastIndexOf("/") + 1)})`;
      return ["efibootmgr", "-c", "-d", disk, "-p", String(number), "-L", label, "-l", loader];
    });
    const order = ["efibootmgr", "-o", "<boot-order-by-policy>"];
    step.commands = [["efibootmgr", "-v"], ...create, ["efibootmgr", "-v"], order];
  }
  return step;
}

// BYOI: the entry for the loader on the image's own ESP, found on the written disk at run time.
export function byoiBootEntriesStep(request: InstallRequest, firmware: Firmware): ByoiBootEntriesStep {
  const uefi = firmware === "uefi";
  const title = uefi ? "creating UEFI boot entries" : "keeping the legacy BIOS boot order";
  const step: ByoiBootEntriesStep = { kind: "byoi-boot-entries", id: "boot-entries", title, commands: [] };
  if (uefi && request.efiBootloaderPath !== undefined) step.loaderPath = request.efiBootloaderPath;
  return step;
}

// Syncs, unmounts in reverse mount order, then reboots (unless --no-reboot).
export function finishStep(unmount: string[], firmware: Firmware, pools: readonly string[] = []): FinishStep {
  const commands = [
    ["sync"],
    ...unmount.map((target) => ["umount", target]),
    // the state the installed system imports its pools from (see the zfs-target step)
    ...pools.map((pool) => ["zpool", "export", pool]),
    ...(firmware === "uefi" ? [["efibootmgr", "-v"]] : []),
    ["systemctl", "reboot"],
  ];
  const title = `unmounting${pools.length > 0 ? ", exporting the ZFS pools" : ""}, syncing and rebooting`;
  return { kind: "finish", id: "finish", title, commands, unmount };
}
