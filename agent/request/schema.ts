// The zod schema of OVH's reinstall payload (POST /dedicated/server/{serviceName}/reinstall)
// for byolinux_64 and byoi_64. Objects are strict: an unknown key is a typo until proven otherwise.

import { z } from "zod";
import * as f from "./fields.ts";
import { unknownKeys } from "./messages.ts";

// A strict object whose unknown-key and wrong-type messages list the documented keys.
function strict<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? unknownKeys(issue.keys, known) : f.fails("an object").error(issue),
  });
}

export const CUSTOMIZATION_KEYS = [
  "hostname",
  "imageURL",
  "imageType",
  "imageCheckSum",
  "imageCheckSumType",
  "httpHeaders",
  "sshKey",
  "configDriveUserData",
  "configDriveMetadata",
  "efiBootloaderPath",
] as const;

export const customizationsSchema = strict({
  hostname: f.hostname.optional(),
  imageURL: f.imageUrl,
  imageType: f.text("qcow2 or raw").optional(),
  imageCheckSum: f.text("a hexadecimal checksum").optional(),
  imageCheckSumType: f.text("md5, sha1, sha256 or sha512").optional(),
  httpHeaders: f.httpHeaders.optional(),
  sshKey: f.sshKey.optional(),
  configDriveUserData: f.userData.optional(),
  configDriveMetadata: f.metadata.optional(),
  efiBootloaderPath: f.text("an EFI loader path such as \\efi\\debian\\grubx64.efi").optional(),
});

export const layoutEntrySchema = strict({
  mountPoint: f.mountPoint,
  fileSystem: f.fileSystem,
  size: f.sizeMiB,
  raidLevel: f.raidLevel.optional(),
  extras: strict({
    lv: strict({ name: f.lvName }).optional(),
    zp: strict({ name: f.zpName }).optional(),
  }).optional(),
});

export const storageSchema = strict({
  diskGroupId: f.positiveInt("a disk group id (a whole number, 1 or more)").optional(),
  partitioning: strict({
    disks: f.positiveInt("a whole number of disks, 1 or more").optional(),
    layout: z
      .array(layoutEntrySchema, f.fails("a list of partitions"))
      .min(1, f.fails("at least one partition"))
      .optional(),
  }).optional(),
});

export const reinstallSchema = strict({
  operatingSystem: f.operatingSystem,
  customizations: customizationsSchema,
  storage: z
    .array(storageSchema, f.fails("a list of disk groups"))
    .min(1, f.fails("at least one disk group"))
    .optional(),
});

export type ReinstallPayload = z.infer<typeof reinstallSchema>;
export type StoragePayload = z.infer<typeof storageSchema>;
export type LayoutPayload = z.infer<typeof layoutEntrySchema>;
