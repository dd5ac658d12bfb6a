// Step "byoi-config-drive" (plan id "config-drive"): the image brought its own partitions, so the config-2 partition is
// appended at run time, at the very end of the disk as OpenStack does: cloud-init's growpart then
// grows the root partition up to it. GPT: the last 64 MiB before the backup GPT, type 0700, name
// config-2, with sgdisk. MBR: a free primary slot, the last 64 MiB (within 2 TiB), written by byol.
// The filesystem is made and filled through the whole disk at the partition's offset
// (mkfs.vfat --offset, mtools -i DISK@@OFFSET), so no partition node has to appear first; then
// the kernel is told about the new partition (partprobe, udevadm settle).

import { randomUUID } from "node:crypto";
import { open } from "node:fs/promises";
import { configDriveFiles } from "../config-drive/files.ts";
import { mbrEntry, type Placement, placeConfigDrive, sgdiskNew } from "../config-drive/placement.ts";
import { writeConfigDrive } from "../config-drive/write.ts";
import { byoiTarget, isBlockDevice, readDiskTable } from "../disk/byoi-table.ts";
import { settle } from "../disk/settle.ts";
import { InstallError } from "../errors.ts";
import type { RunContext, StepInputs } from "../exec/context.ts";
import { markDisksWritten } from "../exec/run-state.ts";
import { partitionDevice } from "../plan/disks.ts";
import type { Argv, ByoiConfigDriveStep } from "../plan/types.ts";

// Appends the config drive and writes its files.
export async function run(
  ctx: RunContext,
  step: ByoiConfigDriveStep,
  inputs: Pick<StepInputs, "request" | "inventory" | "plan">,
): Promise<void> {
  const files = configDriveFiles(inputs.request, inputs.inventory.nics, randomUUID());
  const disk = byoiTarget(inputs.plan);
  markDisksWritten(ctx);
  const command = (argv: Argv) => ctx.runner.run(argv, { step: step.id });
  let place: Placement;
  try {
    place = placeConfigDrive(await readDiskTable(disk.path), disk, step.sizeMiB);
    if (place.table === "gpt") await command(sgdiskNew(disk.path, place));
    else await writeMbrEntry(disk.path, place);
  } catch (error) {
    throw failed(ctx, step, error);
  }
  const ss = disk.logicalSectorSize;
  const sizeKiB = Math.floor(((place.end - place.start + 1) * ss) / 1024);
  // FAT16 explicitly (-F 16), never mkfs.vfat's own choice for the size: a config drive made
  // without it broke cloud-init in an earlier BYOI rig run
  const mkfs = [
    "mkfs.vfat",
    "-F",
    "16",
    "-I",
    "-n",
    "config-2",
    "-S",
    String(ss),
    "--offset",
    String(place.start),
    disk.path,
    String(sizeKiB),
  ];
  // the existing step formats (its commands) and fills the filesystem through mtools' DISK@@OFFSET
  await writeConfigDrive(ctx, { id: step.id, device: `${disk.path}@@${place.start * ss}`, commands: [mkfs] }, files);
  const device = partitionDevice(disk.path, place.number);
  try {
    await flush(disk.path);
    if (await isBlockDevice(disk.path)) {
      await command(["partprobe", disk.path]);
      await settle(ctx, step.id);
    }
  } catch (error) {
    throw failed(ctx, step, error);
  }
  const message = `config drive ${device}: sectors ${place.start}-${place.end} at the end of ${disk.path}, label config-2`;
  ctx.events.emit({ step: step.id, phase: "log", level: "info", message });
}

async function writeMbrEntry(disk: string, p: Placement): Promise<void> {
  const file = await open(disk, "r+");
  try {
    await file.write(mbrEntry(p), 0, 16, 446 + 16 * (p.number - 1));
    await file.datasync();
  } finally {
    await file.close();
  }
}

async function flush(disk: string): Promise<void> {
  const file = await open(disk, "r+");
  try {
    await file.datasync();
  } finally {
    await file.close();
  }
}

function failed(ctx: RunContext, step: ByoiConfigDriveStep, error: unknown): unknown {
  if (ctx.signal.aborted || error instanceof InstallError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new InstallError("config-drive", step.id, `Could not create configdrive on disk. (${detail})`, {
    cause: error,
  });
}
