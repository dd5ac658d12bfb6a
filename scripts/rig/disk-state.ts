// What a failed install left on the disk files, read on the host (they are sparse raw files, so no loop
// device or mount is needed): a fingerprint of each disk's ends, and whether a partition table is there.
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";

const MiB = 1048576;

/** The two ends of a disk: the primary GPT and MBR live in the first MiB, the backup GPT in the last. */
export interface DiskEnds {
  first: Buffer;
  last: Buffer;
}

export async function readEnds(path: string, sizeBytes: number): Promise<DiskEnds> {
  const fh = await open(path, "r");
  try {
    const first = Buffer.alloc(Math.min(MiB, sizeBytes));
    const last = Buffer.alloc(Math.min(MiB, sizeBytes));
    await fh.read(first, 0, first.length, 0);
    await fh.read(last, 0, last.length, sizeBytes - last.length);
    return { first, last };
  } finally {
    await fh.close();
  }
}

// sha256 of the first and the last MiB: equal fingerprints before and after mean those areas were not written.
export function fingerprint(ends: DiskEnds): string {
  const h = (b: Buffer) => createHash("sha256").update(b).digest("hex").slice(0, 16);
  return `first:${h(ends.first)} last:${h(ends.last)}`;
}

// The partition-table structures found at the disk's ends, as short names; empty means none.
// GPT headers ("EFI PART") are looked for at LBA 1 and at the last LBA for both 512 and 4096-byte sectors;
// an MBR counts when it has the 0x55AA signature and at least one non-empty partition entry.
export function partitionTableSigns(ends: DiskEnds): string[] {
  const signs: string[] = [];
  const { first, last } = ends;
  for (const sector of [512, 4096]) {
    if (first.length >= sector + 8 && first.toString("latin1", sector, sector + 8) === "EFI PART") {
      signs.push(`primary GPT header (${sector}-byte sectors)`);
    }
    const at = last.length - sector;
    if (at >= 0 && last.toString("latin1", at, at + 8) === "EFI PART") {
      signs.push(`backup GPT header (${sector}-byte sectors)`);
    }
  }
  if (first.length >= 512 && first[510] === 0x55 && first[511] === 0xaa) {
    const entries = first.subarray(446, 510);
    if (entries.some((b) => b !== 0)) signs.push("MBR with partition entries");
  }
  return signs;
}

export function allZero(ends: DiskEnds): boolean {
  return !ends.first.some((b) => b !== 0) && !ends.last.some((b) => b !== 0);
}
