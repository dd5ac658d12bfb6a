// Rules that tie the entries of a partition layout together: one fill partition per
// group, no ESP, what swap may be, and what RAID needs. One problem per broken rule.

import { expected, type Problem } from "./messages.ts";
import type { EntryView, GroupView } from "./storage-view.ts";

// The fewest disks each RAID level is built from (mdadm's and OVH's minimums).
export const RAID_MIN_DISKS: Readonly<Record<number, number>> = { 0: 2, 1: 2, 5: 3, 6: 4, 10: 4 };

// Only one partition can take "the rest of the disk".
function checkSingleFill(group: GroupView, layout: EntryView[]): Problem[] {
  const fills = layout.filter((e) => e.size === 0);
  if (fills.length < 2) return [];
  const names = fills.map((e) => e.mountPoint ?? "?").join(" and ");
  const what = "at most one partition of size 0 (fill the remaining space)";
  return [{ path: `${group.path}.partitioning.layout`, text: expected(what, `${fills.length} (${names})`) }];
}

// The agent creates the ESP on every disk; a layout entry for it would be a second one.
function checkNoEsp(entry: EntryView): Problem[] {
  if (entry.mountPoint !== "/boot/efi") return [];
  const what = "a mount point other than /boot/efi (byol creates the EFI system partition on every disk itself)";
  return [{ path: `${entry.path}.mountPoint`, text: expected(what, '"/boot/efi"') }];
}

// Swap is a raw partition or a RAID1 mirror: striping it or putting it on LVM is refused.
function checkSwap(entry: EntryView): Problem[] {
  const problems: Problem[] = [];
  const isSwap = entry.mountPoint === "swap" || entry.fileSystem === "swap";
  if (!isSwap) return problems;
  if (entry.mountPoint !== undefined && entry.fileSystem !== undefined && entry.mountPoint !== entry.fileSystem) {
    const got = `mountPoint ${JSON.stringify(entry.mountPoint)} with fileSystem ${JSON.stringify(entry.fileSystem)}`;
    problems.push({ path: entry.path, text: expected('mountPoint "swap" and fileSystem "swap" together', got) });
  }
  if (entry.raidLevel !== undefined && entry.raidLevel !== 1 && entry.raidLevel in RAID_MIN_DISKS) {
    problems.push({
      path: `${entry.path}.raidLevel`,
      text: expected("no raidLevel or 1 for swap", `${entry.raidLevel}`),
    });
  }
  if (entry.lvName !== undefined) {
    const what = "no logical volume for swap (swap is a partition or a RAID1 device)";
    problems.push({ path: `${entry.path}.extras.lv.name`, text: expected(what, JSON.stringify(entry.lvName)) });
  }
  return problems;
}

// With `disks` given, a RAID level that needs more disks can never be built (ZFS lowers it instead).
function checkRaidDisks(group: GroupView, entry: EntryView): Problem[] {
  const min = entry.raidLevel === undefined || entry.fileSystem === "zfs" ? undefined : RAID_MIN_DISKS[entry.raidLevel];
  if (group.disks === undefined || min === undefined || group.disks >= min) return [];
  const what = `at least ${min} disks for RAID ${entry.raidLevel}`;
  const got = `${group.disks} (${group.path}.partitioning.disks)`;
  return [{ path: `${entry.path}.raidLevel`, text: expected(what, got) }];
}

// Every rule that concerns one disk group's layout.
export function checkGroupLayout(group: GroupView): Problem[] {
  const layout = group.layout ?? [];
  const perEntry = layout.flatMap((e) => [...checkNoEsp(e), ...checkSwap(e), ...checkRaidDisks(group, e)]);
  return [...checkSingleFill(group, layout), ...perEntry];
}
