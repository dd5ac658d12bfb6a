// The partition table of a virtual disk from its first MiB: GPT (512 or 4096-byte sectors, CRCs
// checked) or MBR (primary entries; an extended partition counts as one). Pure.

import { crc32 } from "node:zlib";
import { PartitionTableError } from "../errors.ts";

export interface TablePartition {
  number: number; // 1-based
  offset: number; // bytes
  size: number; // bytes
  type: string; // GPT type GUID (lower case) or MBR type byte as two hex digits
}

export type PartitionTable =
  | { table: "gpt" | "mbr"; sectorSize: number; partitions: TablePartition[] }
  | { table: "none"; sectorSize: number; partitions: [] };

const MBR_EXTENDED = new Set([0x05, 0x0f, 0x85]);

export function parsePartitionTable(head: Uint8Array): PartitionTable {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  for (const sectorSize of [512, 4096]) {
    if (b.length >= sectorSize * 2 && b.toString("latin1", sectorSize, sectorSize + 8) === "EFI PART") {
      return { table: "gpt", sectorSize, partitions: parseGpt(b, sectorSize) };
    }
  }
  if (b.length < 512 || b.readUInt16LE(510) !== 0xaa55) return { table: "none", sectorSize: 512, partitions: [] };
  const entries = mbrEntries(b);
  if (entries.some((e) => e.type === "ee")) {
    throw new PartitionTableError("the protective MBR announces a GPT, but there is no GPT header");
  }
  return { table: "mbr", sectorSize: 512, partitions: entries };
}

function mbrEntries(b: Buffer): TablePartition[] {
  const out: TablePartition[] = [];
  for (let i = 0; i < 4; i++) {
    const at = 446 + 16 * i;
    const type = b[at + 4] ?? 0;
    const start = b.readUInt32LE(at + 8);
    const sectors = b.readUInt32LE(at + 12);
    if (type === 0 || sectors === 0) continue;
    out.push({
      number: i + 1,
      offset: start * 512,
      size: MBR_EXTENDED.has(type) ? 0 : sectors * 512,
      type: type.toString(16).padStart(2, "0"),
    });
  }
  return out;
}

function parseGpt(b: Buffer, sectorSize: number): TablePartition[] {
  const h = b.subarray(sectorSize, sectorSize * 2);
  const headerSize = h.readUInt32LE(12);
  if (headerSize < 92 || headerSize > sectorSize) throw new PartitionTableError(`bad GPT header size ${headerSize}`);
  const header = Buffer.from(h.subarray(0, headerSize));
  const headerCrc = header.readUInt32LE(16);
  header.writeUInt32LE(0, 16);
  if (crc32(header) !== headerCrc) throw new PartitionTableError("the GPT header checksum does not match");
  const entriesLba = Number(h.readBigUInt64LE(72));
  const count = h.readUInt32LE(80);
  const entrySize = h.readUInt32LE(84);
  if (entrySize < 128 || entrySize % 8 !== 0 || count > 1024) {
    throw new PartitionTableError(`bad GPT entry array: ${count} entries of ${entrySize} bytes`);
  }
  const start = entriesLba * sectorSize;
  const end = start + count * entrySize;
  if (end > b.length) throw new PartitionTableError(`the GPT entries end at byte ${end}, past the first MiB`);
  const array = b.subarray(start, end);
  if (crc32(array) !== h.readUInt32LE(88)) throw new PartitionTableError("the GPT entries checksum does not match");
  const out: TablePartition[] = [];
  for (let i = 0; i < count; i++) {
    const e = array.subarray(i * entrySize, (i + 1) * entrySize);
    if (e.subarray(0, 16).every((x) => x === 0)) continue;
    const first = Number(e.readBigUInt64LE(32));
    const last = Number(e.readBigUInt64LE(40));
    out.push({ number: i + 1, offset: first * sectorSize, size: (last - first + 1) * sectorSize, type: guid(e) });
  }
  return out;
}

// Mixed-endian GUID text, as sgdisk and blkid print it.
function guid(e: Buffer): string {
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = Buffer.from(e.subarray(from, to));
    return (reverse ? part.reverse() : part).toString("hex");
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join("-");
}
