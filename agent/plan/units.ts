// What gets partitions: each plain layout entry, and each LVM volume group (its PV), in layout order.

import type { LayoutFileSystem, RaidLevel } from "../request/types.ts";
import type { Entry } from "./layout.ts";
import type { VolumeGroup } from "./lvm.ts";
import { pvSizeMiB } from "./lvm.ts";
import { type Pool, poolPartitionMiB } from "./zfs.ts";

export interface Unit {
  name: string; // for messages: the mount point, or "vg (/var, /home)"
  label: string; // GPT partition name
  layoutIndex: number; // first layout entry it holds
  sizeMiB: number; // size of the partition on each disk it spans; 0 = fill
  raidLevel?: RaidLevel; // md RAID (never set for a ZFS pool: ZFS builds its own vdev)
  everyDisk: boolean; // a partition on each target disk; otherwise the first disk only
  holdsBoot: boolean; // /boot, or / when the layout has no /boot: md metadata 1.0, MBR boot flag
  fileSystem?: LayoutFileSystem; // set for a plain filesystem, absent for a PV
  entry?: Entry;
  vg?: VolumeGroup;
  pool?: Pool;
}

// GPT partition names hold 36 characters.
const GPT_NAME_MAX = 36;

// A volume group takes the place of its first logical volume in the layout, a ZFS pool that of its first dataset.
export function buildUnits(
  entries: Entry[],
  vgs: VolumeGroup[],
  labels: Map<number, string>,
  pools: Pool[] = [],
  diskCount = 1,
): Unit[] {
  const hasBoot = entries.some((e) => e.mountPoint === "/boot");
  const isBoot = (e: Entry) => e.mountPoint === "/boot" || (e.mountPoint === "/" && !hasBoot);
  const units: Unit[] = [];
  for (const entry of entries) {
    const vg = vgs.find((g) => g.lvs[0] === entry);
    const pool = pools.find((p) => p.datasets[0] === entry);
    if (pool !== undefined) {
      units.push({
        name: `${pool.name} (${pool.datasets.map((d) => d.mountPoint).join(", ")})`,
        label: pool.name.slice(0, GPT_NAME_MAX),
        layoutIndex: entry.index,
        sizeMiB: poolPartitionMiB(pool, diskCount),
        everyDisk: true,
        holdsBoot: pool.holdsBoot,
        pool,
      });
    } else if (entry.fileSystem === "zfs") {
      // a dataset of a pool started by an earlier entry
    } else if (vg !== undefined) {
      const unit: Unit = {
        name: `${vg.name} (${vg.lvs.map((lv) => lv.mountPoint).join(", ")})`,
        label: vg.name,
        layoutIndex: entry.index,
        sizeMiB: pvSizeMiB(vg),
        everyDisk: entry.everyDisk,
        holdsBoot: vg.lvs.some(isBoot),
        vg,
      };
      if (vg.raidLevel !== undefined) unit.raidLevel = vg.raidLevel;
      units.push(unit);
    } else if (entry.lvName === undefined) {
      const unit: Unit = {
        name: entry.mountPoint,
        label: labels.get(entry.index)!,
        layoutIndex: entry.index,
        sizeMiB: entry.sizeMiB,
        everyDisk: entry.everyDisk,
        holdsBoot: isBoot(entry),
        fileSystem: entry.fileSystem,
        entry,
      };
      if (entry.raidLevel !== undefined) unit.raidLevel = entry.raidLevel;
      units.push(unit);
    }
  }
  return units;
}
