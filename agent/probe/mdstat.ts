// Existing md arrays from /proc/mdstat, which the wipe step stops before touching their members.

import type { MdArray } from "./types.ts";

// "md127 : active (auto-read-only) raid1 sdb2[1] sda2[0](F)" or "md126 : inactive sdc1[0](S)"
const ARRAY_LINE = /^(md\S*)\s*:\s*(active|inactive)\s+(.*)$/;
const MEMBER = /^([^[\s]+)\[(\d+)\](?:\([A-Z]\))*$/;

// Members by their role number in the array (what mdstat prints in brackets), so the
// order does not depend on the order they were added in.
function parseMembers(words: string[]): string[] {
  const members: { device: string; role: number }[] = [];
  for (const word of words) {
    const match = MEMBER.exec(word);
    if (match) members.push({ device: `/dev/${match[1]}`, role: Number(match[2]) });
  }
  return members.sort((a, b) => a.role - b.role).map((m) => m.device);
}

// Parses /proc/mdstat text. Only the header line of each array matters: level and members.
// An inactive array has no level. mdstat never shows the array UUID (that needs mdadm).
export function parseMdstat(text: string): MdArray[] {
  const arrays: MdArray[] = [];
  for (const line of text.split("\n")) {
    const match = ARRAY_LINE.exec(line.trim());
    if (!match) continue;
    const words = match[3]!.split(/\s+/).filter((w) => !/^\(.*\)$/.test(w)); // (auto-read-only), (read-only)
    const array: MdArray = { device: `/dev/${match[1]}`, members: [] };
    if (match[2] === "active" && words[0] && !MEMBER.test(words[0])) array.level = words.shift()!;
    array.members = parseMembers(words);
    arrays.push(array);
  }
  return arrays;
}
