// How much of the request the config drive can hold. The partition is CONFIG_DRIVE_MIB (64 MiB),
// formatted FAT16; its FATs, root directory and the small files byol adds (network_data.json,
// the directories) take well under the MiB set aside for them. Every file takes whole clusters.

import { CONFIG_DRIVE_MIB } from "../plan/allocate.ts";
import type { InstallRequest } from "../request/types.ts";
import { configDriveFiles } from "./files.ts";

const MiB = 1024 * 1024;
// The largest cluster mkfs.vfat picks for FAT16 at this size; a file's bytes are rounded up to it.
const CLUSTER_BYTES = 4096;
// What the request's files (meta_data.json and user_data) may take together.
export const CONFIG_DRIVE_FILES_BYTES = (CONFIG_DRIVE_MIB - 1) * MiB;

// The bytes the request's own files take on the config drive, in whole clusters.
export function configDriveBytes(request: InstallRequest): number {
  const files = configDriveFiles(request, [], "00000000-0000-0000-0000-000000000000");
  return files
    .filter((f) => !f.path.endsWith("network_data.json")) // the NICs' part: inside the MiB set aside
    .reduce((sum, f) => sum + Math.ceil(f.data.length / CLUSTER_BYTES) * CLUSTER_BYTES, 0);
}
