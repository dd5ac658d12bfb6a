// Places every partition on every target disk: sizes, fill, 1 MiB aligned positions, numbers.
// Partitions shared by all disks (RAID members, default-layout swap) come first, so they sit
// at the same start and size on each disk; first-disk-only partitions follow; the config
// drive takes the last 64 MiB of the first disk before the reserved final MiB.

import { PlanError } from "../errors.ts";
import type { Disk, Firmware } from "../probe/types.ts";
import { FIRST_START_MIB, partitionDevice, sectorsPerMiB, usableEndMiB } from "./disks.ts";
import { type PartitionKind, typeCode } from "./partition-table.ts";
import type { PartitionRole, PlannedDisk, PlannedPartition, TableType } from "./types.ts";
import type { Unit } from "./units.ts";

export const ESP_MIB = 512;
export const BIOS_BOOT_MIB = 1;
export const CONFIG_DRIVE_MIB = 64;
// The last MiB an MBR entry can address with 512-byte sectors (2^32 sectors = 2 TiB).
export const MBR_LIMIT_MIB = 2 * 1024 * 1024;
// Logical partitions each need room for their extended boot record in front of them.
const EBR_GAP_MIB = 1;
// The entries a GPT holds (sgdisk's and the UEFI default table), and the highest MBR partition
// number parted writes (libparted's msdos label: 3 primary, the extended one, logical 5 to 64).
export const GPT_MAX_PARTITIONS = 128;
export const MBR_MAX_NUMBER = 64;

interface Slot {
  role: PartitionRole;
  name: string; // for messages
  label: string;
  kind: PartitionKind;
  sizeMiB: number; // 0 = fill
  active: boolean;
  unit?: Unit;
}

export interface Allocation {
  disks: PlannedDisk[];
  byUnit: Map<Unit, PlannedPartition[]>; // one per disk the unit spans, in disk order
  esps: PlannedPartition[];
  configDrive: PlannedPartition;
}

// The whole placement, or a PlanError naming the partition that does not fit.
export function allocate(disks: Disk[], units: Unit[], firmware: Firmware, table: TableType): Allocation {
  const slots = disks.map((_, i) => slotsFor(i, units, firmware, table));
  checkTableHolds(disks, slots, table);
  const fill = fillSize(disks, slots, table);
  const out: Allocation = { disks: [], byUnit: new Map(), esps: [], configDrive: undefined as never };
  const mbrProblems = new Set<string>();
  const overlaps: string[] = [];
  disks.forEach((disk, i) => {
    const planned = place(disk, slots[i]!, fill, table);
    out.disks.push(planned.disk);
    if (planned.overlap !== undefined) overlaps.push(planned.overlap);
    planned.placed.forEach(({ slot, partition }) => {
      const end = partition.startMiB + partition.sizeMiB;
      if (table === "mbr" && slot.role !== "config-drive" && end > MBR_LIMIT_MIB) {
        mbrProblems.add(
          `Error with MBR partition table: Partition ${slot.name} is larger than 2TiB and this server does not support GPT`,
        );
      }
      if (slot.role === "esp") out.esps.push(partition);
      if (slot.role === "config-drive") out.configDrive = partition;
      if (slot.unit !== undefined) out.byUnit.set(slot.unit, [...(out.byUnit.get(slot.unit) ?? []), partition]);
    });
  });
  // OVH's MBR wording first: on a disk beyond 2 TiB it explains why the config drive does not fit either
  if (mbrProblems.size > 0) throw new PlanError([...mbrProblems]);
  if (overlaps.length > 0) throw new PlanError(overlaps);
  return out;
}

// The ordered partitions of one disk, before sizes are resolved.
function slotsFor(index: number, units: Unit[], firmware: Firmware, table: TableType): Slot[] {
  const slots: Slot[] = [];
  if (firmware === "uefi") {
    slots.push({ role: "esp", name: "/boot/efi", label: "EFI", kind: "esp", sizeMiB: ESP_MIB, active: false });
  } else if (table === "gpt") {
    const size = BIOS_BOOT_MIB;
    slots.push({
      role: "bios-boot",
      name: "BIOS boot",
      label: "BIOS",
      kind: "bios-boot",
      sizeMiB: size,
      active: false,
    });
  }
  const mine = units.filter((u) => u.everyDisk || index === 0);
  for (const unit of [...mine.filter((u) => u.everyDisk), ...mine.filter((u) => !u.everyDisk)]) {
    slots.push({
      role: unit.vg !== undefined ? "lvm-pv" : unit.pool !== undefined ? "zfs" : "layout",
      name: unit.name,
      label: unit.label,
      kind: unitKind(unit),
      sizeMiB: unit.sizeMiB,
      active: table === "mbr" && firmware === "bios" && unit.holdsBoot,
      unit,
    });
  }
  if (index === 0) {
    const kind = "config-drive";
    slots.push({ role: kind, name: "config-2", label: "config-2", kind, sizeMiB: CONFIG_DRIVE_MIB, active: false });
  }
  return slots;
}

// More partitions than the table has entries would fail only at sgdisk or parted, after the wipe.
function checkTableHolds(disks: Disk[], slots: Slot[][], table: TableType): void {
  const problems = disks.flatMap((disk, d) => {
    const count = slots[d]!.length;
    // on MBR with more than 4, the 4th onwards are logical partitions numbered from 5
    const highest = table === "gpt" || count <= 4 ? count : count + 1;
    const max = table === "gpt" ? GPT_MAX_PARTITIONS : MBR_MAX_NUMBER;
    if (highest <= max) return [];
    const added = slots[d]!.filter((s) => !["layout", "lvm-pv", "zfs"].includes(s.role)).map((s) => s.name);
    const holds =
      table === "gpt"
        ? `a GPT holds ${GPT_MAX_PARTITIONS}`
        : `an MBR table holds ${MBR_MAX_NUMBER - 1} (3 primary and ${MBR_MAX_NUMBER - 4} logical in an extended one)`;
    const with_ = added.length > 0 ? ` with the ${added.join(" and ")} partitions byol adds` : "";
    return [`The layout needs ${count} partitions on ${disk.path}${with_}; ${holds}`];
  });
  if (problems.length > 0) throw new PlanError(problems);
}

// The partition type a unit needs: RAID member, LVM PV, ZFS vdev member, swap or a Linux filesystem.
function unitKind(unit: Unit): PartitionKind {
  if (unit.raidLevel !== undefined) return "raid";
  if (unit.vg !== undefined) return "lvm";
  if (unit.pool !== undefined) return "zfs";
  return unit.fileSystem === "swap" ? "swap" : "linux";
}

// On MBR with more than 4 partitions, the 4th slot onwards are logical partitions.
function isLogical(slots: Slot[], index: number, table: TableType): boolean {
  return table === "mbr" && slots.length > 4 && index >= 3;
}

// Checks fixed sizes disk by disk, then gives the filling partition the least space left on the disks it spans.
function fillSize(disks: Disk[], slots: Slot[][], table: TableType): number {
  let fill: { size: number; name: string; disk: string } | undefined;
  disks.forEach((disk, d) => {
    const list = slots[d]!;
    const gap = (i: number) => (isLogical(list, i, table) ? EBR_GAP_MIB : 0);
    let remaining = usableEndMiB(disk) - FIRST_START_MIB;
    // the config drive is reserved first: it sits at the end whatever comes before it
    const cfg = list.findIndex((s) => s.role === "config-drive");
    if (cfg >= 0) remaining = take(remaining, list[cfg]!.sizeMiB + gap(cfg), list[cfg]!, disk);
    list.forEach((slot, i) => {
      if (i !== cfg && slot.sizeMiB > 0) remaining = take(remaining, slot.sizeMiB + gap(i), slot, disk);
    });
    const f = list.findIndex((s) => s.sizeMiB === 0);
    if (f < 0) return;
    const available = remaining - gap(f);
    if (fill === undefined || available < fill.size) fill = { size: available, name: list[f]!.name, disk: disk.path };
  });
  if (fill !== undefined && fill.size < 1) {
    throw new PlanError([doesNotFit(fill.name, 1, fill.size, fill.disk, "at least ")]);
  }
  return fill?.size ?? 0;
}

// Subtracts a partition from what is left on a disk, or refuses it.
function take(remaining: number, needed: number, slot: Slot, disk: Disk): number {
  if (needed > remaining) throw new PlanError([doesNotFit(slot.name, slot.sizeMiB, Math.max(0, remaining), disk.path)]);
  return remaining - needed;
}

// The one wording for a layout that does not fit.
function doesNotFit(name: string, needed: number, available: number, disk: string, atLeast = ""): string {
  return `Partition ${name} needs ${atLeast}${needed} MiB but only ${Math.max(0, available)} MiB are available on ${disk}`;
}

// Positions and numbers of one disk's partitions.
function place(disk: Disk, slots: Slot[], fill: number, table: TableType) {
  sectorsPerMiB(disk);
  const placed: { slot: Slot; partition: PlannedPartition }[] = [];
  const partitions: PlannedPartition[] = [];
  let cursor = FIRST_START_MIB;
  let overlap: string | undefined;
  slots.forEach((slot, i) => {
    const logical = isLogical(slots, i, table);
    const size = slot.sizeMiB === 0 ? fill : slot.sizeMiB;
    let start = cursor + (logical ? EBR_GAP_MIB : 0);
    if (slot.role === "config-drive") {
      const end = table === "mbr" ? Math.min(usableEndMiB(disk), MBR_LIMIT_MIB) : usableEndMiB(disk);
      start = end - size;
      // only possible on MBR, where the config drive stays below 2 TiB while the layout was sized to the whole disk
      if (start < cursor + (logical ? EBR_GAP_MIB : 0)) {
        overlap = doesNotFit(slot.name, size, end - cursor - (logical ? EBR_GAP_MIB : 0), disk.path);
      }
    }
    const number = logical ? i + 2 : i + 1;
    const partition: PlannedPartition = {
      number,
      device: partitionDevice(disk.path, number),
      role: slot.role,
      startMiB: start,
      sizeMiB: size,
      typeCode: typeCode(slot.kind, table),
    };
    if (table === "gpt") partition.label = slot.label;
    if (slot.unit !== undefined) partition.layoutIndex = slot.unit.layoutIndex;
    if (slot.active) partition.active = true;
    placed.push({ slot, partition });
    partitions.push(partition);
    cursor = start + size;
  });
  const logicals = table === "mbr" ? partitions.filter((p) => p.number >= 5) : [];
  if (logicals.length > 0) {
    const start = logicals[0]!.startMiB - EBR_GAP_MIB;
    const last = logicals[logicals.length - 1]!;
    partitions.splice(3, 0, {
      number: 4,
      device: partitionDevice(disk.path, 4),
      role: "mbr-extended",
      startMiB: start,
      sizeMiB: last.startMiB + last.sizeMiB - start,
      typeCode: typeCode("extended", table),
    });
  }
  const planned: PlannedDisk = {
    path: disk.path,
    sizeBytes: disk.sizeBytes,
    logicalSectorSize: disk.logicalSectorSize,
    table,
    partitions,
  };
  return { disk: planned, placed, overlap };
}
