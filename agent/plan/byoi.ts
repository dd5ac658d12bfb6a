// The BYOI plan: the whole image onto the first disk of the group; no partitioning, no script.

import type { Inventory } from "../probe/types.ts";
import type { InstallRequest, StorageRequest } from "../request/types.ts";
import { configDriveStep } from "./config-drive.ts";
import { targetDisks } from "./disks.ts";
import { downloadStep, IMAGE_PATH, inspectStep, moveBackupGptStep, writeImageStep } from "./image.ts";
import { TARGET_ROOT } from "./mounts.ts";
import { bootEntriesStep, finishStep } from "./system.ts";
import { PLAN_VERSION, type Plan } from "./types.ts";
import { wipeStep } from "./wipe.ts";

// Raw images stream straight to the disk; qcow2 goes to RAM first and is converted.
export function byoiPlan(request: InstallRequest, inventory: Inventory, storage: StorageRequest): Plan {
  const disk = targetDisks(storage, inventory)[0]!;
  const raw = request.image.type === "raw";
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
      raw ? downloadStep(request, "disk", disk.path) : downloadStep(request, "ram", IMAGE_PATH),
      inspectStep(request),
      wipeStep([disk.path], inventory.mdArrays),
      writeImageStep(request, disk.path),
      moveBackupGptStep(disk.path),
      configDriveStep(disk.path),
      bootEntriesStep(request, inventory.firmware, []),
      finishStep([]),
    ],
  };
}
