// The real format of an image, from its first bytes: the magic numbers of the formats qemu knows.
// Anything else is raw. Never asks qemu to probe: probing an untrusted file is what lets a
// file named "raw" be read as something else.

import type { DetectedFormat } from "./types.ts";

const MAGICS: readonly [DetectedFormat, number, string][] = [
  ["qcow2", 0, "QFI\xfb"],
  ["qed", 0, "QED\x00"],
  ["vmdk", 0, "KDMV"],
  ["vmdk", 0, "# Disk DescriptorFile"],
  ["vdi", 64, "\x7f\x10\xda\xbe"],
  ["vhdx", 0, "vhdxfile"],
  ["vpc", 0, "conectix"],
  ["luks", 0, "LUKS\xba\xbe"],
];

export function detectFormat(head: Uint8Array): DetectedFormat {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  for (const [format, offset, magic] of MAGICS) {
    if (bytes.subarray(offset, offset + magic.length).equals(Buffer.from(magic, "latin1"))) return format;
  }
  return "raw";
}
