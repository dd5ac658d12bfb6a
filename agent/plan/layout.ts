// The request's layout made explicit: defaults applied and checked before anything is placed.

import { PlanError } from "../errors.ts";
import type { LayoutEntry, StorageRequest } from "../request/types.ts";
import type { MdLevel } from "./types.ts";

// A layout entry with its position in the request and where it goes.
export interface Entry extends LayoutEntry {
  index: number; // index in the request layout
  everyDisk: boolean; // one partition on each target disk (RAID members, default-layout swap)
}

// Minimum number of disks per md RAID level (ZFS lowers its layout instead: see zfs.ts).
export const RAID_MIN_DISKS: Record<MdLevel, number> = { 0: 2, 1: 2, 5: 3, 6: 4, 10: 4 };

// The default layout mirrors /boot and / on RAID1 when there are 2+ disks and puts swap on each disk.
export function layoutEntries(storage: StorageRequest, diskCount: number): Entry[] {
  const mirror = storage.defaultLayout && diskCount >= 2;
  const entries = storage.layout.map((e, index): Entry => {
    const entry: Entry = { ...e, index, everyDisk: false };
    if (mirror && e.fileSystem !== "swap" && e.raidLevel === undefined) entry.raidLevel = 1;
    entry.everyDisk = entry.raidLevel !== undefined || (mirror && e.fileSystem === "swap") || e.fileSystem === "zfs";
    return entry;
  });
  checkEntries(entries, diskCount);
  return entries;
}

// Request validation already refuses most of these; the planner defends itself anyway.
function checkEntries(entries: Entry[], diskCount: number): void {
  const problems: string[] = [];
  const fills = entries.filter((e) => e.sizeMiB === 0);
  if (fills.length > 1) {
    problems.push(`Only one partition may fill the disk (size 0): ${fills.map((e) => e.mountPoint).join(", ")} do`);
  }
  const seen = new Set<string>();
  for (const e of entries) {
    if (!Number.isInteger(e.sizeMiB) || e.sizeMiB < 0) {
      problems.push(`Partition ${e.mountPoint} has an invalid size of ${e.sizeMiB} MiB`);
    }
    if (e.mountPoint !== "swap" && seen.has(e.mountPoint)) problems.push(`Mount point ${e.mountPoint} appears twice`);
    seen.add(e.mountPoint);
    if (e.fileSystem === "swap" && e.lvName !== undefined) {
      problems.push(`Partition ${e.mountPoint}: swap cannot be on an LVM logical volume (${e.lvName})`);
    }
    if (e.fileSystem === "zfs") {
      problems.push(...zfsEntryProblems(e));
      continue;
    }
    if (e.raidLevel === 7 || e.zpName !== undefined) {
      problems.push(`Partition ${e.mountPoint}: RAID7 (raidz3) and pool names are for ZFS only`);
      continue;
    }
    if (e.raidLevel !== undefined && diskCount < RAID_MIN_DISKS[e.raidLevel]) {
      problems.push(
        `Partition ${e.mountPoint}: RAID${e.raidLevel} needs at least ${RAID_MIN_DISKS[e.raidLevel]} disks, ${diskCount} available`,
      );
    }
  }
  if (problems.length > 0) throw new PlanError(problems);
}

// OVHcloud's ZFS rules the planner cannot work around: no LVM under ZFS, no RAID 10.
function zfsEntryProblems(e: Entry): string[] {
  const problems: string[] = [];
  if (e.lvName !== undefined)
    problems.push(`Partition ${e.mountPoint}: ZFS cannot be on an LVM logical volume (${e.lvName})`);
  if (e.raidLevel === 10) problems.push(`Partition ${e.mountPoint}: RAID10 is not allowed with ZFS`);
  return problems;
}
