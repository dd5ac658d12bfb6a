// What gets partitions: each plain layout entry, and each LVM volume group (its PV), in layout order.

import type { LayoutFileSystem, RaidLevel } from "../request/types.ts";
import type { Entry } from "./layout.ts";
import type { VolumeGroup } from "./lvm.ts";
import { pvSizeMiB } from "./lvm.ts";

export interface Unit {
  name: string; // for messages: the mount point, or "vg (/var, /home)"
  label: string; // GPT partition name
  layoutIndex: number; // first layout entry it holds
  sizeMiB: number; // size of the partition on each disk it spans; 0 = fill
  raidLevel?: RaidLevel;
  everyDisk: boolean; // a partition on each target disk; otherwise the first disk only
  holdsBoot: boolean; // /boot, or / when the layout has no /boot: md metadata 1.0, MBR boot flag
  fileSystem?: LayoutFileSystem; // set for a plain filesystem, absent for a PV
  entry?: Entry;
  vg?: VolumeGroup;
}

// A volume group takes the place of its first logical volume in the layout.
export function buildUnits(entries: Entry[], vgs: VolumeGroup[], labels: Map<number, string>): Unit[] {
  const hasBoot = entries.some((e) => e.mountPoint === "/boot");
  const isBoot = (e: Entry) => e.mountPoint === "/boot" || (e.mountPoint === "/" && !hasBoot);
  const units: Unit[] = [];
  for (const entry of entries) {
    const vg = vgs.find((g) => g.lvs[0] === entry);
    if (vg !== undefined) {
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
