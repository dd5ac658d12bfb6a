// Legacy BIOS boot checks on the first sectors of a disk, read by the caller. Pure.
//
// GRUB's i386-pc boot.img goes into the MBR's 440 bytes of boot code and carries the string
// "GRUB" (its error messages). On GPT disks the rest of GRUB (core.img) lives in the BIOS boot
// partition (type 21686148-6449-6E6F-744E-656564454649, sgdisk ef02); on MBR disks, in the gap
// before the first partition.

const BOOT_CODE_BYTES = 440;
const BIOS_BOOT_GUID = "21686148-6449-6e6f-744e-656564454649";

export function hasGrubBootCode(mbr: Uint8Array): boolean {
  return Buffer.from(mbr.subarray(0, BOOT_CODE_BYTES)).includes("GRUB", 0, "latin1");
}

// The logical sector size at which a GPT header ("EFI PART" at LBA 1) is found, if any.
// `head` is the disk's first 8 KiB (enough for 512 and 4096-byte sectors).
export function gptSectorSize(head: Uint8Array): number | undefined {
  for (const size of [512, 4096]) {
    if (head.length >= size + 8 && Buffer.from(head.subarray(size, size + 8)).toString("latin1") === "EFI PART") {
      return size;
    }
  }
  return undefined;
}

export interface GptHeader {
  entriesLba: bigint;
  entryCount: number;
  entrySize: number;
}

// The partition entry array's place, from the header at LBA 1.
export function gptHeader(head: Uint8Array, sectorSize: number): GptHeader {
  const h = Buffer.from(head.subarray(sectorSize, sectorSize + 92));
  return { entriesLba: h.readBigUInt64LE(72), entryCount: h.readUInt32LE(80), entrySize: h.readUInt32LE(84) };
}

// The first LBA of the BIOS boot partition in the partition entry array, if there is one.
export function biosBootStart(entries: Uint8Array, header: GptHeader): bigint | undefined {
  const buf = Buffer.from(entries);
  for (let i = 0; i < header.entryCount && (i + 1) * header.entrySize <= buf.length; i++) {
    const e = buf.subarray(i * header.entrySize, (i + 1) * header.entrySize);
    if (guid(e.subarray(0, 16)) === BIOS_BOOT_GUID) return e.readBigUInt64LE(32);
  }
  return undefined;
}

// GPT stores the first three GUID fields little-endian.
function guid(b: Buffer): string {
  const hex = (bytes: Buffer) => bytes.toString("hex");
  const le = (start: number, end: number) => hex(Buffer.from(b.subarray(start, end)).reverse());
  return `${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${hex(b.subarray(8, 10))}-${hex(b.subarray(10, 16))}`;
}

export function allZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}
