// Rules on the image fields that zod cannot express field by field: the checksum pair,
// the checksum's length per type, the image format, and what byoi_64 requires.
// OVH's documented messages are used where OVH has one.

import { expected, OVH, type Problem } from "./messages.ts";
import { isRecord, str } from "./raw.ts";

export const CHECKSUM_HEX_LENGTH = { md5: 32, sha1: 40, sha256: 64, sha512: 128 } as const;
type ChecksumName = keyof typeof CHECKSUM_HEX_LENGTH;

function isChecksumName(value: string): value is ChecksumName {
  return Object.hasOwn(CHECKSUM_HEX_LENGTH, value);
}

// imageCheckSum and imageCheckSumType: both or neither, a known type, and a digest that fits it.
function checkChecksum(custom: unknown): Problem[] {
  const sum = str(custom, "imageCheckSum");
  const type = str(custom, "imageCheckSumType")?.toLowerCase();
  const problems: Problem[] = [];
  if ((sum === undefined) !== (type === undefined)) problems.push({ text: OVH.checksumPair });
  if (type !== undefined && !isChecksumName(type)) problems.push({ text: OVH.checksumType });
  if (sum === undefined || type === undefined || !isChecksumName(type)) return problems;
  const want = CHECKSUM_HEX_LENGTH[type];
  const what = `${want} hexadecimal characters for ${type}`;
  if (sum.length !== want) {
    problems.push({ path: "customizations.imageCheckSum", text: expected(what, `${sum.length} characters`) });
  } else if (!/^[0-9a-fA-F]+$/.test(sum)) {
    const bad = [...new Set(sum.replace(/[0-9a-fA-F]/g, ""))].slice(0, 5).join("");
    problems.push({
      path: "customizations.imageCheckSum",
      text: expected(what, `non-hexadecimal characters ${JSON.stringify(bad)}`),
    });
  }
  return problems;
}

// imageType: qcow2 or raw, and byolinux_64 takes qcow2 only (it mounts the image's partition).
function checkImageType(os: string | undefined, custom: unknown): Problem[] {
  const type = str(custom, "imageType");
  if (type === undefined) return [];
  const lower = type.toLowerCase();
  if (lower !== "qcow2" && lower !== "raw") return [{ text: OVH.imageFormat }];
  if (os === "byolinux_64" && lower !== "qcow2") return [{ text: OVH.formatMismatch(lower) }];
  return [];
}

// byoi_64 writes the image as it is: OVH makes imageType and efiBootloaderPath mandatory.
function checkByoiRequired(os: string | undefined, custom: unknown): Problem[] {
  if (os !== "byoi_64" || !isRecord(custom)) return [];
  const problems: Problem[] = [];
  if (custom["imageType"] === undefined) {
    problems.push({
      path: "customizations.imageType",
      text: expected("qcow2 or raw (required for byoi_64)", "nothing"),
    });
  }
  if (custom["efiBootloaderPath"] === undefined) {
    const what = "an EFI loader path such as \\efi\\debian\\grubx64.efi (required for byoi_64)";
    problems.push({ path: "customizations.efiBootloaderPath", text: expected(what, "nothing") });
  }
  return problems;
}

// All image rules; `custom` is the raw customizations object (blank values already dropped).
export function checkImage(os: string | undefined, custom: unknown): Problem[] {
  return [...checkChecksum(custom), ...checkImageType(os, custom), ...checkByoiRequired(os, custom)];
}
