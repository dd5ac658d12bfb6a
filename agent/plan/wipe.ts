// Clearing the target disks. The plan knows only what probe saw (disks and md arrays);
// at run time the wipe step also discovers and wipes the partitions on each disk.

import type { MdArray } from "../probe/types.ts";
import type { Argv, WipeStep } from "./types.ts";

// Whether a device is the disk itself or one of its partitions (sda2, nvme0n1p2).
function isOnDisk(device: string, disk: string): boolean {
  if (device === disk) return true;
  const rest = device.slice(disk.length);
  return device.startsWith(disk) && (/\d$/.test(disk) ? /^p\d+$/ : /^\d+$/).test(rest);
}

// Old arrays are stopped and their superblocks zeroed before the table goes, so nothing reassembles them.
export function wipeStep(disks: string[], mdArrays: MdArray[]): WipeStep {
  const commands: Argv[] = [];
  const onTargets = (m: string) => disks.some((d) => isOnDisk(m, d));
  const arrays = mdArrays.filter((md) => md.members.some(onTargets));
  for (const md of arrays) commands.push(["mdadm", "--stop", md.device]);
  for (const md of arrays) {
    for (const member of md.members.filter(onTargets)) commands.push(["mdadm", "--zero-superblock", "--force", member]);
  }
  for (const disk of disks) commands.push(["wipefs", "-a", "-f", disk], ["sgdisk", "-Z", disk]);
  return { kind: "wipe", id: "wipe", title: `wiping ${disks.join(" ")}`, commands, disks };
}
