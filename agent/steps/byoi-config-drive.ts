// Step "config-drive" for BYOI: the image brought its own partitions, so the config-2 partition is
// appended at run time, at the very end of the disk as OpenStack does: cloud-init's growpart then
// grows the root partition up to it. GPT: the last 64 MiB before the backup GPT, type 0700, name
// config-2, with sgdisk. MBR: a free primary slot, the last 64 MiB (within 2 TiB), written by byol.
// The filesystem is made and filled through the whole disk at the partition's offset
// (mkfs.vfat --offset, mtools -i DISK@@OFFSET), so no partition node has to appear first; then
// the kernel is told about the new partition (partprobe, udevadm settle).

import { open } from "node:fs/promises";
import type { ConfigDriveFile } from "../config-drive/files.ts";
import { type DiskTable, isBlockDevice, readDiskTable } from "../disk/byoi-table.ts";
import { settle } from "../disk/settle.ts";
import { InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { markDisksWritten } from "../exec/run-state.ts";
import { partitionDevice } from "../plan/disks.ts";
import type { Argv, ConfigDriveStep } from "../plan/types.ts";
import type { TargetDisk } from "./byoi-inspect.ts";
import { configDrive } from "./config-drive.ts";

const MiB = 1024 * 1024;
const MBR_LIMIT = 2 ** 32; // sectors an MBR entry can address
const MBR_FAT32_LBA = 0x0c;

export type Placement =
  | { table: "gpt"; number: number; start: number; end: number } // sectors, end inclusive
  | { table: "mbr"; number: number; start: number; end: number };

// Appends the config drive and writes its files; returns the new partition's device.
export async function appendConfigDrive(
  ctx: RunContext,
  step: ConfigDriveStep,
  files: readonly ConfigDriveFile[],
  disk: TargetDisk,
): Promise<string> {
  markDisksWritten(ctx);
  const run = (argv: Argv) => ctx.runner.run(argv, { step: step.id });
  let place: Placement;
  try {
    place = placeConfigDrive(await readDiskTable(disk.path), disk, step.sizeMiB);
    if (place.table === "gpt") await run(sgdiskNew(disk.path, place));
    else await writeMbrEntry(disk.path, place);
  } catch (error) {
    throw failed(ctx, step, error);
  }
  const ss = disk.logicalSectorSize;
  const sizeKiB = Math.floor(((place.end - place.start + 1) * ss) / 1024);
  // FAT16 explicitly (-F 16), never mkfs.vfat's own choice for the size: a config drive made
  // without it broke cloud-init in an earlier BYOI rig run
  const mkfs = [
    "mkfs.vfat",
    "-F",
    "16",
    "-I",
    "-n",
    "config-2",
    "-S",
    String(ss),
    "--offset",
    String(place.start),
    disk.path,
    String(sizeKiB),
  ];
  // the existing step formats (its commands) and fills the filesystem through mtools' DISK@@OFFSET
  await configDrive(ctx, { ...step, device: `${disk.path}@@${place.start * ss}`, commands: [mkfs] }, files);
  const device = partitionDevice(disk.path, place.number);
  try {
    await flush(disk.path);
    if (await isBlockDevice(disk.path)) {
      await run(["partprobe", disk.path]);
      await settle(ctx, step.id);
    }
  } catch (error) {
    throw failed(ctx, step, error);
  }
  const message = `config drive ${device}: sectors ${place.start}-${place.end} at the end of ${disk.path}, label config-2`;
  ctx.events.emit({ step: step.id, phase: "log", level: "info", message });
  return device;
}

// Where the config drive goes: the last `sizeMiB` (aligned to 1 MiB) of the space the table can
// use, which must lie after every partition of the image. Pure; throws with the reason.
export function placeConfigDrive(dt: DiskTable, disk: Omit<TargetDisk, "path">, sizeMiB: number): Placement {
  const ss = disk.logicalSectorSize;
  const perMiB = MiB / ss;
  const size = sizeMiB * perMiB;
  if (dt.table.table === "none") throw new Error("the disk has no partition table");
  let lastUsable: number;
  let number: number;
  let usedEnd = 0; // first sector after every partition
  if (dt.table.table === "gpt") {
    const gpt = dt.gpt!;
    lastUsable = gpt.lastUsable;
    for (const p of dt.table.partitions) usedEnd = Math.max(usedEnd, (p.offset + p.size) / ss);
    usedEnd = Math.max(usedEnd, gpt.firstUsable);
    const taken = new Set(dt.table.partitions.map((p) => p.number));
    number = firstFree(taken, gpt.entryCount);
    if (number === 0) throw new Error(`no free entry in the GPT's ${gpt.entryCount}`);
  } else {
    lastUsable = Math.min(Math.floor(disk.sizeBytes / ss), MBR_LIMIT) - 1;
    for (const e of dt.mbr) usedEnd = Math.max(usedEnd, e.start + e.sectors);
    number = firstFree(new Set(dt.mbr.map((e) => e.slot)), 4);
    if (number === 0) throw new Error("no free primary partition slot in the image's MBR");
  }
  const start = Math.floor((lastUsable + 1 - size) / perMiB) * perMiB;
  if (start < usedEnd) {
    const free = Math.max(0, ((lastUsable + 1 - usedEnd) * ss) / MiB).toFixed(1);
    throw new Error(`only ${free} MiB free after the image's last partition, ${sizeMiB} MiB needed`);
  }
  return { table: dt.table.table, number, start, end: lastUsable };
}

export function sgdiskNew(disk: string, p: Placement): string[] {
  const n = String(p.number);
  return ["sgdisk", "-n", `${n}:${p.start}:${p.end}`, "-t", `${n}:0700`, "-c", `${n}:config-2`, disk];
}

// A primary MBR entry: not active, CHS fields saying "use LBA", type 0x0c (FAT32 LBA).
export function mbrEntry(p: Placement): Buffer {
  const e = Buffer.alloc(16);
  e.set([0xfe, 0xff, 0xff], 1);
  e[4] = MBR_FAT32_LBA;
  e.set([0xfe, 0xff, 0xff], 5);
  e.writeUInt32LE(p.start, 8);
  e.writeUInt32LE(p.end - p.start + 1, 12);
  return e;
}

async function writeMbrEntry(disk: string, p: Placement): Promise<void> {
  const file = await open(disk, "r+");
  try {
    await file.write(mbrEntry(p), 0, 16, 446 + 16 * (p.number - 1));
    await file.datasync();
  } finally {
    await file.close();
  }
}

function firstFree(taken: ReadonlySet<number>, count: number): number {
  for (let n = 1; n <= count; n++) if (!taken.has(n)) return n;
  return 0;
}

async function flush(disk: string): Promise<void> {
  const file = await open(disk, "r+");
  try {
    await file.datasync();
  } finally {
    await file.close();
  }
}

function failed(ctx: RunContext, step: ConfigDriveStep, error: unknown): unknown {
  if (ctx.signal.aborted || error instanceof InstallError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new InstallError("config-drive", step.id, `Could not create configdrive on disk. (${detail})`, {
    cause: error,
  });
}
