// The partition table of a disk a BYOI image was written to, read from the disk itself: the
// parsed table, plus what appending a partition needs (GPT: last usable sector and the size of
// the entry array; MBR: the four raw entries, extended partitions with their real extent).

import { open, stat } from "node:fs/promises";
import { type PartitionTable, parsePartitionTable } from "../image/partitions.ts";

const HEAD_BYTES = 1024 * 1024;

// The disk a BYOI image is written to: the first disk of the plan.
export interface TargetDisk {
  path: string;
  sizeBytes: number;
  logicalSectorSize: number;
}

// byoi_64 writes the whole image onto the first disk of the group: its own steps read that disk.
export function byoiTarget(plan: { disks: readonly TargetDisk[] }): TargetDisk {
  const disk = plan.disks[0];
  if (disk === undefined) throw new Error("byoi_64: the plan has no disk");
  return { path: disk.path, sizeBytes: disk.sizeBytes, logicalSectorSize: disk.logicalSectorSize };
}
export const ESP_GUID = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";

export interface GptFacts {
  firstUsable: number; // sectors
  lastUsable: number; // sectors
  entryCount: number;
}

export interface MbrEntry {
  slot: number; // 1..4
  type: number;
  start: number; // sectors
  sectors: number;
}

export interface DiskTable {
  head: Buffer;
  table: PartitionTable;
  gpt?: GptFacts;
  mbr: MbrEntry[]; // the primary entries in use (a GPT's protective entry included)
}

export async function readDiskTable(disk: string): Promise<DiskTable> {
  const file = await open(disk, "r");
  const head = Buffer.alloc(HEAD_BYTES);
  try {
    await file.read(head, 0, HEAD_BYTES, 0);
  } finally {
    await file.close();
  }
  const table = parsePartitionTable(head);
  const gpt = table.table === "gpt" ? gptFacts(head, table.sectorSize) : undefined;
  return { head, table, mbr: mbrEntries(head), ...(gpt !== undefined && { gpt }) };
}

// The GPT header's usable range and entry count (LBA 1).
export function gptFacts(head: Uint8Array, sectorSize: number): GptFacts {
  const h = Buffer.from(head.buffer, head.byteOffset + sectorSize, 92);
  return {
    firstUsable: Number(h.readBigUInt64LE(40)),
    lastUsable: Number(h.readBigUInt64LE(48)),
    entryCount: h.readUInt32LE(80),
  };
}

export function mbrEntries(head: Uint8Array): MbrEntry[] {
  const b = Buffer.from(head.buffer, head.byteOffset, 512);
  if (b.readUInt16LE(510) !== 0xaa55) return [];
  const out: MbrEntry[] = [];
  for (let i = 0; i < 4; i++) {
    const at = 446 + 16 * i;
    const type = b[at + 4] ?? 0;
    const sectors = b.readUInt32LE(at + 12);
    if (type !== 0 && sectors !== 0) out.push({ slot: i + 1, type, start: b.readUInt32LE(at + 8), sectors });
  }
  return out;
}

// The EFI system partition: GPT type EF00, or MBR type 0xEF.
export function findEsp(table: PartitionTable): PartitionTable["partitions"][number] | undefined {
  return table.partitions.find((p) => p.type === ESP_GUID || p.type === "ef");
}

// Partition nodes, partprobe and udev exist for block devices only (tests use plain files).
export async function isBlockDevice(path: string): Promise<boolean> {
  return (await stat(path)).isBlockDevice();
}
