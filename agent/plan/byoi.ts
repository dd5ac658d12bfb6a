// The BYOI plan: the whole image onto the first disk of the group; no partitioning, no script.
// A raw image is streamed by default: one write-image step downloads it, checks its first MiB, wipes
// the disk and writes it, first MiB last. qcow2 (and raw with --image-staging ram) goes to RAM first,
// is inspected, and only then is the disk wiped and written.

import type { Inventory } from "../probe/types.ts";
import type { InstallRequest, StorageRequest } from "../request/types.ts";
import { byoiConfigDriveStep } from "./config-drive.ts";
import { targetDisks } from "./disks.ts";
import {
  byoiInspectStep,
  downloadStep,
  IMAGE_PATH,
  moveBackupGptStep,
  streamImageStep,
  writeImageStep,
} from "./image.ts";
import { TARGET_ROOT } from "./mounts.ts";
import { byoiBootEntriesStep, finishStep } from "./system.ts";
import { PLAN_VERSION, type Plan, type PlanStep } from "./types.ts";
import { wipeStep } from "./wipe.ts";

// Where the image is held before it is written: "stream" (raw only; qcow2 always goes to RAM) or "ram".
export type ImageStaging = "stream" | "ram";

// Raw images stream straight to the disk; qcow2 goes to RAM first and is converted.
export function byoiPlan(
  request: InstallRequest,
  inventory: Inventory,
  storage: StorageRequest,
  staging: ImageStaging = "stream",
  breakArrays = false,
): Plan {
  const disk = targetDisks(storage, inventory)[0]!;
  const streamed = request.image.type === "raw" && staging === "stream";
  const wipe = wipeStep([disk.path], inventory.mdArrays, { breakArrays, zfsPools: inventory.zfsPools ?? [] });
  const write: PlanStep[] = streamed
    ? [streamImageStep(request, disk.path, wipe)]
    : [downloadStep(request, "ram", IMAGE_PATH), byoiInspectStep(request), wipe, writeImageStep(request, disk.path)];
  const table = inventory.gptBoot ? "gpt" : "mbr";
  return {
    version: PLAN_VERSION,
    operatingSystem: request.operatingSystem,
    firmware: inventory.firmware,
    table,
    targetRoot: TARGET_ROOT,
    // the image brings its own partitions: the plan cannot know them
    disks: [
      { path: disk.path, sizeBytes: disk.sizeBytes, logicalSectorSize: disk.logicalSectorSize, table, partitions: [] },
    ],
    fstab: [],
    steps: [
      ...write,
      moveBackupGptStep(disk.path),
      byoiConfigDriveStep(disk.path),
      byoiBootEntriesStep(request, inventory.firmware),
      finishStep([], inventory.firmware),
    ],
  };
}
