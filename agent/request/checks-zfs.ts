// OVHcloud's ZFS rules ("OVHcloud API and Storage"): raidLevel is the vdev layout (0 striped,
// 1 mirror, 5/6/7 raidz1/2/3; 10 is not allowed), ZFS does not sit on LVM, extras.zp names the
// pool, entries of one RAID level share a pool unless their pool names differ, and "/" and
// "/boot" get pools of their own. Too few disks for a level is not a problem: the planner lowers it.

import { expected, type Problem } from "./messages.ts";
import type { EntryView, GroupView } from "./storage-view.ts";

export const ZFS_LEVELS = "0 (striped), 1 (mirror), 5 (raidz1), 6 (raidz2) or 7 (raidz3)";

const isZfs = (e: EntryView) => e.fileSystem === "zfs";
const levelOf = (e: EntryView) => e.raidLevel ?? 1;
const ownPool = (e: EntryView) => e.mountPoint === "/" || e.mountPoint === "/boot";

// One entry: RAID 10 and LVM are refused for ZFS; raidz3 and pool names are ZFS only.
function checkEntry(entry: EntryView): Problem[] {
  const problems: Problem[] = [];
  if (isZfs(entry)) {
    if (entry.raidLevel === 10) {
      const what = `raidLevel ${ZFS_LEVELS} for ZFS (RAID 10 is not allowed with ZFS)`;
      problems.push({ path: `${entry.path}.raidLevel`, text: expected(what, "10") });
    }
    if (entry.lvName !== undefined) {
      const what = "no logical volume for ZFS (ZFS with LVM is not allowed)";
      problems.push({ path: `${entry.path}.extras.lv.name`, text: expected(what, JSON.stringify(entry.lvName)) });
    }
    return problems;
  }
  const fs = entry.fileSystem === undefined ? "nothing" : `fileSystem ${JSON.stringify(entry.fileSystem)}`;
  if (entry.raidLevel === 7) {
    problems.push({ path: `${entry.path}.raidLevel`, text: expected('fileSystem "zfs" for raidLevel 7 (raidz3)', fs) });
  }
  if (entry.zpName !== undefined) {
    const what = 'fileSystem "zfs" for a ZFS pool name (extras.zp)';
    problems.push({ path: `${entry.path}.extras.zp.name`, text: expected(what, fs) });
  }
  return problems;
}

// Named pools across the request: one RAID level each, no sharing with "/" or "/boot".
function checkPoolNames(groups: GroupView[]): Problem[] {
  const problems: Problem[] = [];
  const first = new Map<string, EntryView>();
  for (const entry of groups.flatMap((g) => g.layout ?? []).filter(isZfs)) {
    const name = entry.zpName;
    if (name === undefined) continue;
    const seen = first.get(name);
    if (seen === undefined) {
      first.set(name, entry);
      continue;
    }
    const path = `${entry.path}.extras.zp.name`;
    if (ownPool(entry) || ownPool(seen)) {
      const own = ownPool(entry) ? entry : seen;
      const what = `a pool of its own for ${own.mountPoint} (the datasets holding / and /boot get pools of their own)`;
      problems.push({ path, text: expected(what, `${JSON.stringify(name)}, also used at ${seen.path}`) });
    } else if (levelOf(entry) !== levelOf(seen)) {
      const what = `raidLevel ${levelOf(seen)} for pool ${JSON.stringify(name)} (as at ${seen.path}: a pool has one RAID level)`;
      problems.push({ path, text: expected(what, `${levelOf(entry)}`) });
    }
  }
  return problems;
}

// Every ZFS rule of a request's storage.
export function checkZfs(groups: GroupView[]): Problem[] {
  return [...groups.flatMap((g) => (g.layout ?? []).flatMap(checkEntry)), ...checkPoolNames(groups)];
}
