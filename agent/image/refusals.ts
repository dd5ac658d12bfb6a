// The messages of an image that is refused, decided from parsed data only. Each returns the
// message, or undefined when there is nothing to refuse. OVH's wording where it has one.

import type { DetectedFileSystem } from "./filesystem.ts";
import type { PartitionTable } from "./partitions.ts";
import type { Qcow2Header } from "./qcow2.ts";
import type { QemuInfo } from "./qemu-info.ts";
import type { DetectedFormat, ImageFileSystem } from "./types.ts";

export const SCRIPT_PATH = "/root/.ovh/make_image_bootable.sh";
export const SCRIPT_MISSING = `The '${SCRIPT_PATH}' file does not exist.`;
const HOST_FILES = "refused, qemu could be made to read files of this server";

export function formatMismatch(detected: DetectedFormat, expected: "qcow2" | "raw"): string | undefined {
  if (detected === expected) return undefined;
  return `image provided format is ${detected} which does not match expected ${expected} format`;
}

export function qcow2Refusal(h: Qcow2Header): string | undefined {
  if (h.backingFile !== undefined) return `image provided has a backing file (${shown(h.backingFile)}): ${HOST_FILES}`;
  if (h.dataFile !== undefined || h.dataFileBit) {
    const name = h.dataFile === undefined ? "no name in the header" : shown(h.dataFile);
    return `image provided has an external data file (${name}): ${HOST_FILES}`;
  }
  if (h.encrypted) return "image provided is encrypted: refused, byol has no key to read it";
  if (h.corrupt) return "image provided is marked corrupt by qemu: refused";
  if (h.unknownIncompatible !== 0n) {
    return `image provided uses qcow2 features unknown to byol (incompatible feature bits 0x${h.unknownIncompatible.toString(16)}): refused`;
  }
  return undefined;
}

// qemu-img's own reading of the same header: anything our parser missed is refused too.
export function qemuInfoRefusal(info: QemuInfo, h: Qcow2Header): string | undefined {
  if (info.backingFilename !== undefined) {
    return `image provided has a backing file (${shown(info.backingFilename)}): ${HOST_FILES}`;
  }
  if (info.dataFile !== undefined)
    return `image provided has an external data file (${shown(info.dataFile)}): ${HOST_FILES}`;
  if (info.encrypted) return "image provided is encrypted: refused, byol has no key to read it";
  if (info.format !== "qcow2")
    return `image provided format is ${info.format} which does not match expected qcow2 format`;
  if (info.virtualSize !== h.virtualSize) {
    return `image provided is not a consistent qcow2 image: qemu-img reads a virtual size of ${info.virtualSize} bytes, its header says ${h.virtualSize}`;
  }
  return undefined;
}

// BYOLinux: exactly one partition.
export function partitionRefusal(t: PartitionTable, virtualSize: number): string | undefined {
  const n = t.partitions.length;
  if (n === 1) {
    const p = t.partitions[0]!;
    if (p.size === 0) return "image provided has only an extended partition: byolinux_64 needs exactly one partition";
    if (p.offset + p.size > virtualSize) {
      return `image provided has a partition that ends at byte ${p.offset + p.size}, past the end of its ${virtualSize}-byte disk`;
    }
    return undefined;
  }
  const found = t.table === "none" ? "no partition table" : `${n} partitions (${t.table.toUpperCase()})`;
  return `image provided must have exactly one partition, found ${found}`;
}

export function fileSystemRefusal(fs: DetectedFileSystem | undefined): string | undefined {
  if (fs === "ext4" || fs === "xfs" || fs === "btrfs") return undefined;
  const found = fs === undefined ? "no filesystem byol recognises" : `a ${fs} partition`;
  return `image provided has ${found}: its partition must be formatted ext4, xfs or btrfs`;
}

export function isImageFileSystem(fs: DetectedFileSystem | undefined): fs is ImageFileSystem {
  return fileSystemRefusal(fs) === undefined;
}

// The script check: OVH's sentence first, then what byol found instead.
export function scriptRefusal(found: ScriptLookup): string | undefined {
  switch (found.kind) {
    case "executable":
      return undefined;
    case "missing":
      return SCRIPT_MISSING;
    case "not-executable":
      return `${SCRIPT_MISSING} (it is there, but not executable: mode ${found.mode.toString(8).padStart(4, "0")})`;
    case "not-a-file":
      return `${SCRIPT_MISSING} (${found.path} is a ${found.what}, not a regular file)`;
    case "loop":
      return `${SCRIPT_MISSING} (${found.path} is a loop of symbolic links)`;
  }
}

// OVH's wording; `bytes` null when the size was not announced and the body outgrew the disk.
export function tooBigMessage(bytes: number | null, disk: { path: string; sizeBytes: number }): string {
  const size = bytes === null ? `more than ${disk.sizeBytes}` : String(bytes);
  return `image provided has a size of ${size} bytes which is larger than ${disk.path} of ${disk.sizeBytes} bytes`;
}

export function diskSizeRefusal(bytes: number, disk: { path: string; sizeBytes: number }): string | undefined {
  return bytes > disk.sizeBytes ? tooBigMessage(bytes, disk) : undefined;
}

export type ScriptLookup =
  | { kind: "executable"; path: string; mode: number }
  | { kind: "missing"; path: string }
  | { kind: "not-executable"; path: string; mode: number }
  | { kind: "not-a-file"; path: string; what: string }
  | { kind: "loop"; path: string };

// A name from the image, made printable and short.
function shown(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  const clean = name.replace(/[\x00-\x1f\x7f-\xff]/g, "?");
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
