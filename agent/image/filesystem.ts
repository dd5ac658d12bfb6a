// The filesystem at the start of a partition, from its superblock magic. Besides the three that
// BYOLinux accepts, the usual others are named so the refusal says what was found.

export type DetectedFileSystem =
  | "ext4"
  | "xfs"
  | "btrfs"
  | "swap"
  | "vfat"
  | "ntfs"
  | "crypto_LUKS"
  | "LVM2_member"
  | "linux_raid_member";

// Bytes needed from the partition's start to see every magic below (btrfs: 0x10040 + 8).
export const SUPERBLOCK_BYTES = 0x10048;

export function detectFileSystem(head: Uint8Array): DetectedFileSystem | undefined {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const at = (offset: number, magic: string) =>
    b.length >= offset + magic.length && b.toString("latin1", offset, offset + magic.length) === magic;
  // ext2/ext3 are mounted by the ext4 driver and copied the same way
  if (b.length >= 1082 && b.readUInt16LE(1080) === 0xef53) return "ext4";
  if (at(0, "XFSB")) return "xfs";
  if (at(0x10040, "_BHRfS_M")) return "btrfs";
  if (at(4086, "SWAPSPACE2") || at(4086, "SWAP-SPACE")) return "swap";
  if (at(0, "LUKS\xba\xbe")) return "crypto_LUKS";
  if (at(512, "LABELONE") && at(536, "LVM2 001")) return "LVM2_member";
  if (
    (b.length >= 4100 && b.readUInt32LE(4096) === 0xa92b4efc) ||
    (b.length >= 4 && b.readUInt32LE(0) === 0xa92b4efc)
  ) {
    return "linux_raid_member";
  }
  if (at(3, "NTFS    ")) return "ntfs";
  if (at(82, "FAT32   ") || at(54, "FAT12   ") || at(54, "FAT16   ")) return "vfat";
  return undefined;
}
