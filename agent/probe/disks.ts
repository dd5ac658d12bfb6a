// Turns lsblk's device tree into install targets: whole disks that are not the rescue
// system's own, not virtual (loop, zram, ram, nbd, md, dm), not optical, and not removable,
// read-only or hot-plugged (those are listed as excluded, with the reason).

import { splitExcluded } from "./exclusions.ts";
import type { BlockDevice } from "./lsblk.ts";
import { compareDiskNames } from "./natural-order.ts";
import type { Disk, ExcludedDisk } from "./types.ts";

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
// dracut's live root (root=live:CDLABEL=…, root=live:/dev/sdb1) names the live medium the same way.
export function cmdlineRoot(cmdline: string): string | undefined {
  const match = /(?:^|\s)root=(\S+)/.exec(cmdline);
  const root = match?.[1];
  if (root === undefined || !root.startsWith("live:")) return root;
  return root.slice("live:".length).replace(/^CDLABEL=/, "LABEL=");
}

// Where live systems mount the medium they booted from: Debian live (/run/live/medium, and
// /lib/live/mount/medium before Debian 9), Ubuntu's casper and Debian installers (/cdrom),
// Arch (/run/archiso/bootmnt), dracut dmsquash-live (/run/initramfs/live), GRML (/run/live too).
const LIVE_MEDIA = ["/run/live", "/lib/live/mount", "/cdrom", "/run/archiso", "/run/initramfs/live"];

// `/` itself, or a live medium's mount point (the directory or anything under it).
export function isRescueMountPoint(mountPoint: string): boolean {
  if (mountPoint === "/") return true;
  return LIVE_MEDIA.some((root) => mountPoint === root || mountPoint.startsWith(`${root}/`));
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

// The rescue system runs from a disk when that disk, or anything on it, is mounted at `/` or
// where a live system mounts its medium (LIVE_MEDIA), or is the root= of /proc/cmdline.
export function isRescueDisk(disk: BlockDevice, cmdline: string): boolean {
  const root = cmdlineRoot(cmdline);
  for (const device of subtree(disk)) {
    if (device.mountpoints.some(isRescueMountPoint)) return true;
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
    hotplug: device.hotplug,
  };
  if (device.model !== undefined) disk.model = device.model;
  if (device.serial !== undefined) disk.serial = device.serial;
  if (device.wwn !== undefined) disk.wwn = device.wwn;
  if (device.transport !== undefined) disk.transport = device.transport;
  return disk;
}

export interface DiskSelection {
  disks: Disk[]; // install targets, in natural name order
  excluded: ExcludedDisk[]; // removable, read-only or hot-plugged disks, with the reasons
  rescueDisk?: string; // the first (by name) disk the rescue system runs from
}

// Picks the install targets out of lsblk's top-level devices.
export function selectDisks(devices: BlockDevice[], cmdline: string): DiskSelection {
  const candidates = devices.filter(isCandidate).sort((a, b) => compareDiskNames(a.name, b.name));
  const rescue = candidates.filter((d) => isRescueDisk(d, cmdline));
  const selection: DiskSelection = splitExcluded(candidates.filter((d) => !rescue.includes(d)).map(toDisk));
  if (rescue[0]) selection.rescueDisk = rescue[0].path;
  return selection;
}
