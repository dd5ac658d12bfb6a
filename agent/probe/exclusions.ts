// Disks that are never install targets although they are real disks: a USB stick or BMC
// virtual-media disk can sort first by name (sda) and would otherwise be disk group 1's
// first disk. Pure: the probe and the inventory-file reader share it, so `plan --inventory`
// plans what install would.

import type { Disk, ExcludedDisk } from "./types.ts";

// Transports whose disks are plugged in by a person, not built into the server.
const PLUGGED_TRANSPORTS = new Set(["usb", "ieee1394"]);

// Why a disk is not a target, one short word or phrase per reason; empty when it is one.
export function exclusionReasons(disk: Pick<Disk, "removable" | "readOnly" | "hotplug" | "transport">): string[] {
  const reasons: string[] = [];
  if (disk.removable) reasons.push("removable");
  if (disk.readOnly) reasons.push("read-only");
  if (disk.hotplug) reasons.push("hot-plugged");
  if (disk.transport !== undefined && PLUGGED_TRANSPORTS.has(disk.transport)) reasons.push(`on ${disk.transport}`);
  return reasons;
}

// Splits disks into targets and excluded ones, keeping each list's order.
export function splitExcluded<T extends Disk>(disks: readonly T[]): { disks: T[]; excluded: (T & ExcludedDisk)[] } {
  const targets: T[] = [];
  const excluded: (T & ExcludedDisk)[] = [];
  for (const disk of disks) {
    const reasons = exclusionReasons(disk);
    if (reasons.length === 0) targets.push(disk);
    else excluded.push({ ...disk, reasons });
  }
  return { disks: targets, excluded };
}
