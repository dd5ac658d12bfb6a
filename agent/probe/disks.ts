// Turns lsblk's device tree into install targets: whole disks that are not the rescue
// system's own, not virtual (loop, zram, ram, nbd, md, dm) and not optical.

import type { BlockDevice } from "./lsblk.ts";
import { compareDiskNames } from "./natural-order.ts";
import type { Disk } from "./types.ts";

// zram/ram/nbd/md/dm can be TYPE "disk" in lsblk, so the name is checked as well as the type.
const VIRTUAL_NAME = /^(loop|zram|ram|nbd|md|dm-|sr)/;

// A real disk byol could write to. Empty disks (card readers without a card) are not.
function isCandidate(device: BlockDevice): boolean {
  return device.type === "disk" && !VIRTUAL_NAME.test(device.name) && device.sizeBytes > 0;
}

// The device and everything nested under it (partitions, md arrays, dm maps).
function* subtree(device: BlockDevice): Generator<BlockDevice> {
  yield device;
  for (const child of device.children) yield* subtree(child);
}

// root=/dev/sda1, root=UUID=…, root=PARTUUID=…, root=LABEL=… from /proc/cmdline; else undefined.
export function cmdlineRoot(cmdline: string): string | undefined {
  const match = /(?:^|\s)root=(\S+)/.exec(cmdline);
  return match?.[1];
}

// Whether one device is the root named on the kernel command line.
function isCmdlineRoot(device: BlockDevice, root: string): boolean {
  const [kind, value] = root.includes("=") ? root.split("=", 2) : ["PATH", root];
  switch (kind?.toUpperCase()) {
    case "UUID":
      return device.uuid?.toLowerCase() === value?.toLowerCase();
    case "PARTUUID":
      return device.partuuid?.toLowerCase() === value?.toLowerCase();
    case "LABEL":
      return device.label === value;
    case "PATH":
      return device.path === value;
    default:
      return false;
  }
}

// The rescue system runs from a disk when that disk, or anything on it, is mounted at `/`
// or under /run/live (Debian live: /run/live/medium), or is the root= of /proc/cmdline.
export function isRescueDisk(disk: BlockDevice, cmdline: string): boolean {
  const root = cmdlineRoot(cmdline);
  for (const device of subtree(disk)) {
    if (device.mountpoints.some((m) => m === "/" || m === "/run/live" || m.startsWith("/run/live/"))) return true;
    if (root !== undefined && isCmdlineRoot(device, root)) return true;
  }
  return false;
}

// The Disk record for one lsblk disk.
function toDisk(device: BlockDevice): Disk {
  const disk: Disk = {
    path: device.path,
    name: device.name,
    sizeBytes: device.sizeBytes,
    logicalSectorSize: device.logicalSectorSize,
    physicalSectorSize: device.physicalSectorSize,
    rotational: device.rotational,
    removable: device.removable,
    readOnly: device.readOnly,
  };
  if (device.model !== undefined) disk.model = device.model;
  if (device.serial !== undefined) disk.serial = device.serial;
  if (device.wwn !== undefined) disk.wwn = device.wwn;
  if (device.transport !== undefined) disk.transport = device.transport;
  return disk;
}

export interface DiskSelection {
  disks: Disk[]; // install targets, in natural name order
  rescueDisk?: string; // the first (by name) disk the rescue system runs from
}

// Picks the install targets out of lsblk's top-level devices.
export function selectDisks(devices: BlockDevice[], cmdline: string): DiskSelection {
  const candidates = devices.filter(isCandidate).sort((a, b) => compareDiskNames(a.name, b.name));
  const rescue = candidates.filter((d) => isRescueDisk(d, cmdline));
  const selection: DiskSelection = { disks: candidates.filter((d) => !rescue.includes(d)).map(toDisk) };
  if (rescue[0]) selection.rescueDisk = rescue[0].path;
  return selection;
}
