// The BYOLinux plan: everything that cannot harm the disks first (download, inspect), then
// wipe, partition, RAID, LVM, ZFS pools, mkfs, mount, config drive, copy, configure, ZFS for the
// target, script, boot, finish.

import type { Inventory } from "../probe/types.ts";
import type { InstallRequest, StorageRequest } from "../request/types.ts";
import { type Allocation, allocate } from "./allocate.ts";
import { configDriveStep } from "./config-drive.ts";
import { targetDisks } from "./disks.ts";
import { attachStep, copyStep, downloadStep, IMAGE_MOUNT, IMAGE_PATH, inspectStep } from "./image.ts";
import { type Entry, layoutEntries } from "./layout.ts";
import { lvDevice, lvmStep, volumeGroups } from "./lvm.ts";
import { ESP_LABEL, type Filesystem, layoutLabels, mkfsStep } from "./mkfs.ts";
import { fstabEntries, mountSteps, TARGET_ROOT } from "./mounts.ts";
import { partitionStep } from "./partition-table.ts";
import { raidStep } from "./raid.ts";
import { bootableScriptStep, bootEntriesStep, configureStep, finishStep } from "./system.ts";
import { PLAN_VERSION, type Plan, type RaidStep, type ZpoolStep } from "./types.ts";
import { buildUnits, type Unit } from "./units.ts";
import { wipeStep } from "./wipe.ts";
import { datasetName, type Pool, zfsPools, zfsTargetStep, zpoolStep } from "./zfs.ts";

// Lays out the disks, then lists every step with its exact commands.
export function byolinuxPlan(
  request: InstallRequest,
  inventory: Inventory,
  storage: StorageRequest,
  breakArrays = false,
): Plan {
  const disks = targetDisks(storage, inventory);
  const table = inventory.gptBoot ? "gpt" : "mbr";
  const entries = layoutEntries(storage, disks.length);
  const vgs = volumeGroups(entries);
  const labels = layoutLabels(entries);
  const pools = zfsPools(entries, disks.length);
  const units = buildUnits(entries, vgs, labels, pools, disks.length);
  const allocation = allocate(disks, units, inventory.firmware, table);

  const raidSteps: RaidStep[] = [];
  const zpoolSteps: ZpoolStep[] = [];
  const devices = new Map<Unit, string[]>(); // the block devices that hold each unit's content
  for (const unit of units) {
    const partitions = allocation.byUnit.get(unit)!.map((p) => p.device);
    if (unit.pool !== undefined) {
      zpoolSteps.push(zpoolStep(unit.pool, partitions, disks, labels));
      continue;
    }
    if (unit.raidLevel === undefined) {
      devices.set(unit, partitions);
      continue;
    }
    const step = raidStep(raidSteps.length, unit, partitions);
    raidSteps.push(step);
    devices.set(unit, [step.device]);
  }
  const lvmSteps = units.flatMap((u) => (u.vg === undefined ? [] : [lvmStep(u.vg, devices.get(u)?.[0] ?? "")]));
  const filesystems = planFilesystems(allocation, entries, units, devices, labels, pools);
  const mounts = mountSteps(filesystems);
  const fstab = fstabEntries(filesystems);
  const first = disks[0]!.path;

  return {
    version: PLAN_VERSION,
    operatingSystem: request.operatingSystem,
    firmware: inventory.firmware,
    table,
    targetRoot: TARGET_ROOT,
    disks: allocation.disks,
    fstab,
    steps: [
      downloadStep(request, "ram", IMAGE_PATH),
      inspectStep(request),
      wipeStep(
        disks.map((d) => d.path),
        inventory.mdArrays,
        { breakArrays, zfsPools: inventory.zfsPools ?? [] },
      ),
      ...allocation.disks.map(partitionStep),
      ...raidSteps,
      ...lvmSteps,
      ...zpoolSteps,
      ...filesystems.filter((f) => f.fileSystem !== "zfs").map(mkfsStep),
      ...mounts,
      configDriveStep(first, allocation.configDrive.device),
      attachStep(),
      copyStep(
        TARGET_ROOT,
        filesystems.filter((f) => f.fileSystem === "vfat" && f.mountPoint !== undefined).map((f) => f.mountPoint!),
      ),
      configureStep(
        request,
        fstab,
        raidSteps.length > 0,
        zpoolSteps.flatMap((s) => s.datasets.map((d) => d.mountPoint)),
      ),
      ...(zpoolSteps.length > 0 ? [zfsTargetStep(zpoolSteps)] : []),
      bootableScriptStep(TARGET_ROOT),
      bootEntriesStep(
        request,
        inventory.firmware,
        allocation.esps.map((p) => p.device),
      ),
      finishStep(
        [IMAGE_MOUNT, ...mounts.map((m) => m.target).reverse()],
        inventory.firmware,
        zpoolSteps.map((s) => s.pool),
      ),
    ],
  };
}

// ESPs (the first disk's mounted on /boot/efi), then each layout entry on its md, LV, partition(s) or ZFS dataset.
function planFilesystems(
  allocation: Allocation,
  entries: Entry[],
  units: Unit[],
  devices: Map<Unit, string[]>,
  labels: Map<number, string>,
  pools: Pool[],
): Filesystem[] {
  const filesystems: Filesystem[] = allocation.esps.map((p, i) => {
    const esp: Filesystem = { device: p.device, fileSystem: "vfat", label: ESP_LABEL };
    if (i === 0) esp.mountPoint = "/boot/efi";
    return esp;
  });
  for (const entry of entries) {
    const common = { fileSystem: entry.fileSystem, label: labels.get(entry.index)!, mountPoint: entry.mountPoint };
    const pool = pools.find((p) => p.datasets.includes(entry));
    if (pool !== undefined) {
      filesystems.push({ ...common, device: datasetName(pool, labels.get(entry.index)!) });
      continue;
    }
    const vg = units.find((u) => u.vg?.lvs.includes(entry))?.vg;
    if (vg !== undefined) {
      filesystems.push({ device: lvDevice(vg, entry), ...common });
      continue;
    }
    const unit = units.find((u) => u.entry === entry)!;
    for (const device of devices.get(unit)!) filesystems.push({ device, ...common });
  }
  return filesystems;
}
