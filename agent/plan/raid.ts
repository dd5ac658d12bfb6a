// Software RAID arrays over the partitions a unit has on each disk (same number, start and size).

import type { MdLevel, RaidStep } from "./types.ts";
import type { Unit } from "./units.ts";

// md devices are numbered in layout order from /dev/md0.
export function mdDevice(index: number): string {
  return `/dev/md${index}`;
}

// Metadata 1.0 keeps the superblock at the end, so firmware and boot loaders reading /boot
// (or / without /boot) see a plain filesystem at the start of each member; 1.2 otherwise.
export function raidStep(index: number, unit: Unit, members: string[]): RaidStep {
  const device = mdDevice(index);
  const level = unit.raidLevel as MdLevel; // ZFS units (raidz3 included) never reach md
  const metadata = unit.holdsBoot ? "1.0" : "1.2";
  return {
    kind: "raid",
    id: `raid:${device}`,
    title: `creating RAID${level} ${device} for ${unit.name} on ${members.join(" ")}`,
    commands: [
      [
        "mdadm",
        "--create",
        device,
        "--run",
        `--level=${level}`,
        `--raid-devices=${members.length}`,
        `--metadata=${metadata}`,
        "--homehost=any",
        `--name=md${index}`,
        ...members,
      ],
    ],
    device,
    level,
    metadata,
    members,
  };
}
