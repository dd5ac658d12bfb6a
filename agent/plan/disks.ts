// Target disks and the arithmetic of positions on them: everything is counted in whole MiB.

import { PlanError } from "../errors.ts";
import { groupDisks } from "../probe/groups.ts";
import type { Disk, Inventory } from "../probe/types.ts";
import type { StorageRequest } from "../request/types.ts";

export const MIB = 1024 * 1024;
// The first partition starts at 1 MiB; the last MiB of every disk stays free (backup GPT).
export const FIRST_START_MIB = 1;
export const TAIL_RESERVE_MIB = 1;

// The disks an install writes: the first `disks` of the requested group, in name order.
export function targetDisks(storage: StorageRequest, inventory: Inventory): Disk[] {
  const groups = groupDisks(inventory.disks);
  const group = groups.find((g) => g.id === storage.diskGroupId);
  if (group === undefined) {
    throw new PlanError([
      `Disk group ${storage.diskGroupId} does not exist: this server has ${groups.length} disk group(s)`,
    ]);
  }
  const count = storage.disks ?? group.disks.length;
  if (!Number.isInteger(count) || count < 1 || count > group.disks.length) {
    throw new PlanError([`Disk group ${group.id} has ${group.disks.length} disk(s), ${count} requested`]);
  }
  return group.disks.slice(0, count);
}

// Kernel partition names: sda -> sda1; names ending in a digit (nvme0n1, mmcblk0, loop0) -> nvme0n1p1.
export function partitionDevice(disk: string, number: number): string {
  return /\d$/.test(disk) ? `${disk}p${number}` : `${disk}${number}`;
}

// sgdisk counts in logical sectors: 2048 per MiB on 512-byte disks, 256 on 4Kn disks.
export function sectorsPerMiB(disk: { path: string; logicalSectorSize: number }): number {
  const size = disk.logicalSectorSize;
  if (!Number.isInteger(size) || size < 512 || MIB % size !== 0) {
    throw new PlanError([`Disk ${disk.path} has an unsupported logical sector size of ${size} bytes`]);
  }
  return MIB / size;
}

// The MiB boundary where usable space ends: the whole MiBs of the disk minus the reserved tail.
export function usableEndMiB(disk: { sizeBytes: number }): number {
  return Math.floor(disk.sizeBytes / MIB) - TAIL_RESERVE_MIB;
}
