// Where BYOI's config drive goes on a disk an image was written to: the last 64 MiB the table can
// use, after every partition of the image, in a free GPT entry or MBR primary slot. Pure.

import type { DiskTable, TargetDisk } from "../disk/byoi-table.ts";

const MiB = 1024 * 1024;
const MBR_LIMIT = 2 ** 32; // sectors an MBR entry can address
const MBR_FAT32_LBA = 0x0c;

export type Placement =
  | { table: "gpt"; number: number; start: number; end: number } // sectors, end inclusive
  | { table: "mbr"; number: number; start: number; end: number };

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

function firstFree(taken: ReadonlySet<number>, count: number): number {
  for (let n = 1; n <= count; n++) if (!taken.has(n)) return n;
  return 0;
}
