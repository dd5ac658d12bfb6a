// /proc/mdstat: the md arrays the kernel has assembled. The one parser of it: the probe (arrays
// the wipe stops), the holders of the target disks, cleanup and the rig's checks of an installed
// system all read it through parseMdstatArrays.

import type { MdArray } from "./types.ts";

// "md127 : active (auto-read-only) raid1 sdb2[1] sda2[0](F)" or "md126 : inactive sdc1[0](S)"
const ARRAY_LINE = /^(md\S*)\s*:\s*(\S+)\s*(.*)$/;
const MEMBER = /^([^[\s]+)\[(\d+)\](?:\([A-Z]\))*$/;

export interface MdstatArray {
  device: string; // /dev/md127
  active: boolean;
  level?: string; // raid1, raid10 ...; absent for an inactive array
  members: string[]; // /dev/sdb2 ..., in the order mdstat prints them
  roles: number[]; // each member's role number in the array (the number in brackets)
  detail: string[]; // the array's further lines ("[2/2] [UU]", "resync = 3.0% ..."), up to a blank line
}

// Every array, from its header line (state, level, members) and the lines under it.
export function parseMdstatArrays(text: string): MdstatArray[] {
  const arrays: MdstatArray[] = [];
  let current: MdstatArray | undefined;
  for (const line of text.split("\n")) {
    const match = ARRAY_LINE.exec(line);
    if (match === null) {
      if (line.trim() === "") current = undefined;
      else current?.detail.push(line);
      continue;
    }
    // (auto-read-only), (read-only): states, not members
    const words = match[3]!.split(/\s+/).filter((w) => w !== "" && !/^\(.*\)$/.test(w));
    current = { device: `/dev/${match[1]}`, active: match[2] === "active", members: [], roles: [], detail: [] };
    if (current.active && words[0] !== undefined && !MEMBER.test(words[0])) current.level = words.shift()!;
    for (const word of words) {
      const member = MEMBER.exec(word);
      if (member === null) continue;
      current.members.push(`/dev/${member[1]}`);
      current.roles.push(Number(member[2]));
    }
    arrays.push(current);
  }
  return arrays;
}

// The inventory's view: level and members, ordered by their role number in the array, so the
// order does not depend on the order they were added in. mdstat never shows the array UUID
// (that needs mdadm).
export function parseMdstat(text: string): MdArray[] {
  return parseMdstatArrays(text).map((md) => {
    const byRole = md.members.map((device, i) => ({ device, role: md.roles[i]! })).sort((a, b) => a.role - b.role);
    const array: MdArray = { device: md.device, members: byRole.map((m) => m.device) };
    if (md.level !== undefined) array.level = md.level;
    return array;
  });
}
