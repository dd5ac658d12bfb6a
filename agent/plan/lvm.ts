// LVM: entries with an lvName share a volume group per RAID level, one PV each.
// VG names follow first appearance in the layout: "vg", then "vg1", "vg2", ...

import { PlanError } from "../errors.ts";
import type { RaidLevel } from "../request/types.ts";
import type { Entry } from "./layout.ts";
import type { LvmStep } from "./types.ts";

export interface VolumeGroup {
  name: string;
  raidLevel?: RaidLevel; // undefined: the PV is a plain partition of the first disk
  lvs: Entry[]; // layout order
}

// vgcreate's default extent; every LV is rounded up to it.
const EXTENT_MIB = 4;
// Room for the PV label and metadata area (pe_start is 1 MiB, rounded up to an extent).
const PV_METADATA_MIB = 4;
// Room for md's own data offset when the PV is an array: mdadm 1.2 may start data 128 MiB in.
const MD_RESERVE_MIB = 136;

// Groups the LVM entries by RAID level, in layout order.
export function volumeGroups(entries: Entry[]): VolumeGroup[] {
  const groups: VolumeGroup[] = [];
  for (const entry of entries) {
    if (entry.lvName === undefined) continue;
    let vg = groups.find((g) => g.raidLevel === entry.raidLevel);
    if (vg === undefined) {
      vg = { name: groups.length === 0 ? "vg" : `vg${groups.length}`, lvs: [] };
      if (entry.raidLevel !== undefined) vg.raidLevel = entry.raidLevel;
      groups.push(vg);
    }
    if (vg.lvs.some((lv) => lv.lvName === entry.lvName)) {
      throw new PlanError([`Logical volume ${entry.lvName} appears twice in volume group ${vg.name}`]);
    }
    vg.lvs.push(entry);
  }
  return groups;
}

// The PV partition (each RAID member) holds all LVs plus LVM and md overhead; 0 = fill when an LV fills.
export function pvSizeMiB(vg: VolumeGroup): number {
  if (vg.lvs.some((lv) => lv.sizeMiB === 0)) return 0;
  const extents = vg.lvs.reduce((sum, lv) => sum + Math.ceil(lv.sizeMiB / EXTENT_MIB) * EXTENT_MIB, 0);
  return extents + PV_METADATA_MIB + (vg.raidLevel === undefined ? 0 : MD_RESERVE_MIB);
}

// The device of a logical volume once created.
export function lvDevice(vg: VolumeGroup, lv: Entry): string {
  return `/dev/${vg.name}/${lv.lvName}`;
}

// pvcreate, vgcreate, then the fixed-size LVs in layout order and the filling LV last.
export function lvmStep(vg: VolumeGroup, pv: string): LvmStep {
  const ordered = [...vg.lvs.filter((lv) => lv.sizeMiB > 0), ...vg.lvs.filter((lv) => lv.sizeMiB === 0)];
  const commands = [
    ["pvcreate", "-ff", "-y", pv],
    ["vgcreate", vg.name, pv],
  ];
  for (const lv of ordered) {
    const size = lv.sizeMiB === 0 ? ["-l", "100%FREE"] : ["-L", `${lv.sizeMiB}m`];
    commands.push(["lvcreate", "-y", "-W", "y", ...size, "-n", lv.lvName!, vg.name]);
  }
  return {
    kind: "lvm",
    id: `lvm:${vg.name}`,
    title: `creating LVM volume group ${vg.name} on ${pv} with ${ordered.map((lv) => lv.lvName).join(" ")}`,
    commands,
    vg: vg.name,
    pvs: [pv],
    lvs: ordered.map((lv) => ({ name: lv.lvName!, sizeMiB: lv.sizeMiB, device: lvDevice(vg, lv) })),
  };
}
