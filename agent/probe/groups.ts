// Disk groups, as OVH's `storage[].diskGroupId` counts them. Pure: the planner imports it.

import { exclusionReasons } from "./exclusions.ts";
import { compareDiskNames } from "./natural-order.ts";
import type { Disk, DiskGroup } from "./types.ts";

// Disks are interchangeable in a RAID set when size, medium, transport and sector size match.
function kindKey(disk: Disk): string {
  const medium = disk.rotational ? "hdd" : "ssd";
  return [disk.sizeBytes, medium, disk.transport ?? "", disk.logicalSectorSize].join("|");
}

// Groups identical disks. Group 1 holds the first disk by name; the others are numbered
// in the name order of their first disk, and disks within a group are in name order.
// A removable, read-only or hot-plugged disk never joins a group, however it got into `disks`.
export function groupDisks(disks: Disk[]): DiskGroup[] {
  const sorted = disks.filter((d) => exclusionReasons(d).length === 0).sort((a, b) => compareDiskNames(a.name, b.name));
  const byKind = new Map<string, Disk[]>();
  for (const disk of sorted) {
    const key = kindKey(disk);
    const members = byKind.get(key);
    if (members) members.push(disk);
    else byKind.set(key, [disk]);
  }
  // Map keeps insertion order, which is the name order of each group's first disk.
  return [...byKind.values()].map((members, i) => ({ id: i + 1, disks: members }));
}
