// Partition types and the commands that write a table: sgdisk for GPT, parted for MBR.

import { sectorsPerMiB } from "./disks.ts";
import type { Argv, PartitionStep, PlannedDisk, PlannedPartition, TableType } from "./types.ts";

export type PartitionKind =
  | "esp"
  | "bios-boot"
  | "raid"
  | "lvm"
  | "zfs"
  | "swap"
  | "linux"
  | "config-drive"
  | "extended";

const GPT_TYPES: Record<PartitionKind, string> = {
  esp: "ef00",
  "bios-boot": "ef02",
  raid: "fd00",
  lvm: "8e00",
  zfs: "bf00",
  swap: "8200",
  linux: "8300",
  "config-drive": "0700",
  extended: "",
};
const MBR_TYPES: Record<PartitionKind, string> = {
  esp: "ef",
  "bios-boot": "",
  raid: "fd",
  lvm: "8e",
  zfs: "83", // parted sets no Solaris id (bf); ZFS finds its members by their labels, not the id
  swap: "82",
  linux: "83",
  "config-drive": "0c",
  extended: "05",
};

// sgdisk type code on GPT, the MBR system id on MBR.
export function typeCode(kind: PartitionKind, table: TableType): string {
  return (table === "gpt" ? GPT_TYPES : MBR_TYPES)[kind];
}

// One sgdisk call per disk with explicit sector ranges, then the kernel rereads the table.
function gptCommands(disk: PlannedDisk): Argv[] {
  const spm = sectorsPerMiB(disk);
  const argv = ["sgdisk", "-o", "-a", String(spm)];
  for (const p of disk.partitions) {
    const first = p.startMiB * spm;
    const last = (p.startMiB + p.sizeMiB) * spm - 1;
    argv.push("-n", `${p.number}:${first}:${last}`, "-t", `${p.number}:${p.typeCode}`, "-c", `${p.number}:${p.label}`);
  }
  argv.push(disk.path);
  return [argv, ["partprobe", disk.path], ["udevadm", "settle"]];
}

// One parted call per disk in MiB units; with -a none parted keeps the exact boundaries given.
function mbrCommands(disk: PlannedDisk): Argv[] {
  const argv = ["parted", "-s", "-a", "none", disk.path, "mklabel", "msdos"];
  for (const p of disk.partitions) {
    const kind = p.role === "mbr-extended" ? "extended" : p.number >= 5 ? "logical" : "primary";
    argv.push("mkpart", kind, ...partedFsType(p), `${p.startMiB}MiB`, `${p.startMiB + p.sizeMiB}MiB`);
    for (const flag of partedFlags(p)) argv.push("set", String(p.number), flag, "on");
  }
  return [argv, ["partprobe", disk.path], ["udevadm", "settle"]];
}

// parted derives the MBR id from the fs-type word; only swap and FAT differ from Linux (83).
function partedFsType(p: PlannedPartition): string[] {
  if (p.typeCode === "82") return ["linux-swap"];
  if (p.typeCode === "0c" || p.typeCode === "ef") return ["fat32"];
  return [];
}

// The flags that set the remaining MBR ids (ef, fd, 8e) and the boot (active) flag.
function partedFlags(p: PlannedPartition): string[] {
  const flags: string[] = [];
  if (p.typeCode === "ef") flags.push("esp");
  if (p.typeCode === "fd") flags.push("raid");
  if (p.typeCode === "8e") flags.push("lvm");
  if (p.active === true) flags.push("boot");
  return flags;
}

// The partition step of one disk.
export function partitionStep(disk: PlannedDisk): PartitionStep {
  const devices = disk.partitions.map((p) => p.device);
  return {
    kind: "partition",
    id: `partition:${disk.path}`,
    title: `partitioning ${disk.path} (${disk.table}): ${devices.join(" ")}`,
    commands: disk.table === "gpt" ? gptCommands(disk) : mbrCommands(disk),
    disk: disk.path,
    table: disk.table,
    partitions: devices,
  };
}
