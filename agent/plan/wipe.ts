// Clearing the target disks. The plan knows only what probe saw (disks and md arrays);
// at run time the wipe step also discovers and wipes the partitions on each disk.

import { isRedundant, type Span, spans } from "../disk/spanning.ts";
import type { MdArray, ZfsPool } from "../probe/types.ts";
import type { Argv, WipeStep } from "./types.ts";

// Whether a device is the disk itself or one of its partitions (sda2, nvme0n1p2).
function isOnDisk(device: string, disk: string): boolean {
  if (device === disk) return true;
  const rest = device.slice(disk.length);
  return device.startsWith(disk) && (/\d$/.test(disk) ? /^p\d+$/ : /^\d+$/).test(rest);
}

export interface WipeOptions {
  breakArrays?: boolean; // --break-arrays: release only the target's members of an array that spans other disks
  zfsPools?: ZfsPool[]; // pools probe saw; those on the targets are exported and their labels cleared at run time
}

// Old arrays are stopped and their superblocks zeroed before the table goes, so nothing reassembles them.
// An array that also has members on disks that are not targets is never stopped or wiped as a whole:
// without breakArrays the install refuses it; with it, the target's members are failed and removed
// (or, for a level that cannot run degraded, the array is stopped) and only their superblocks zeroed.
export function wipeStep(disks: string[], mdArrays: MdArray[], options: WipeOptions = {}): WipeStep {
  const commands: Argv[] = [];
  const onTargets = (m: string) => disks.some((d) => isOnDisk(m, d));
  const arrays = mdArrays.filter((md) => md.members.some(onTargets));
  const spanning = spans(
    "md array",
    arrays.flatMap((md) => md.members.map((device) => ({ device, array: md.device }))),
    onTargets,
  );
  const pools = (options.zfsPools ?? []).filter((p) => p.members.some(onTargets));
  spanning.push(
    ...spans(
      "ZFS pool",
      pools.flatMap((p) => p.members.map((device) => ({ device, array: p.name }))),
      onTargets,
    ),
  );
  const spanned = (md: MdArray) => spanning.some((s) => s.kind === "md array" && s.name === md.device);
  const released = options.breakArrays ? arrays : arrays.filter((md) => !spanned(md));
  for (const md of released) {
    if (!spanned(md) || !isRedundant(md.level)) commands.push(["mdadm", "--stop", md.device]);
    else for (const m of md.members.filter(onTargets)) commands.push(["mdadm", md.device, "--fail", m, "--remove", m]);
  }
  for (const md of released) {
    for (const member of md.members.filter(onTargets)) commands.push(["mdadm", "--zero-superblock", "--force", member]);
  }
  for (const disk of disks) commands.push(["wipefs", "-a", "-f", disk], ["sgdisk", "-Z", disk]);
  // the release of pools (zpool export, labelclear) is decided at run time, as the wipe's holders
  const poolNotes = pools.map((p) => `ZFS pool ${p.name} (${p.members.filter(onTargets).join(" ")})`);
  const title = `wiping ${disks.join(" ")}${poolNotes.length > 0 ? `; releasing ${poolNotes.join(", ")}` : ""}`;
  const step: WipeStep = { kind: "wipe", id: "wipe", title, commands, disks };
  if (spanning.length > 0) step.spans = spanning satisfies Span[];
  if (options.breakArrays) step.breakArrays = true;
  return step;
}
