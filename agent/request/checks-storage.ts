// Rules across disk groups: mount points and group ids are unique, byolinux_64 has a "/",
// and byoi_64 (which writes the image as it is) takes no partitioning.

import { checkGroupLayout } from "./checks-layout.ts";
import { checkZfs } from "./checks-zfs.ts";
import { expected, OVH, type Problem } from "./messages.ts";
import type { GroupView } from "./storage-view.ts";

// A mount point (swap included) appears once across all groups.
function checkUniqueMountPoints(groups: GroupView[]): Problem[] {
  const first = new Map<string, string>();
  const problems: Problem[] = [];
  for (const entry of groups.flatMap((g) => g.layout ?? [])) {
    if (entry.mountPoint === undefined) continue;
    const seen = first.get(entry.mountPoint);
    if (seen === undefined) {
      first.set(entry.mountPoint, entry.path);
      continue;
    }
    const got = `${JSON.stringify(entry.mountPoint)} again (first at ${seen})`;
    problems.push({ path: `${entry.path}.mountPoint`, text: expected("each mount point once", got) });
  }
  return problems;
}

// The same disk group twice would be partitioned twice.
function checkUniqueGroups(groups: GroupView[]): Problem[] {
  const seen = new Set<number>();
  const problems: Problem[] = [];
  for (const group of groups) {
    const id = group.diskGroupId ?? 1;
    if (seen.has(id)) {
      problems.push({ path: `${group.path}.diskGroupId`, text: expected("each disk group once", `${id} again`) });
    }
    seen.add(id);
  }
  return problems;
}

// The default layout holds "/", so it can only serve a request with one group.
function checkDefaultLayoutAlone(groups: GroupView[]): Problem[] {
  if (groups.length < 2) return [];
  const what = "a layout for each disk group when several groups are given";
  return groups
    .filter((g) => g.layout === undefined)
    .map((g) => ({ path: `${g.path}.partitioning.layout`, text: expected(what, "nothing") }));
}

// OVH's rule: a byolinux_64 layout must have "/".
function checkRoot(groups: GroupView[]): Problem[] {
  // an absent layout means the default one (it has "/"); an empty one is already reported by zod
  if (groups.length === 0 || groups.some((g) => g.layout === undefined || g.layout.length === 0)) return [];
  const hasRoot = groups.some((g) => g.layout?.some((e) => e.mountPoint === "/"));
  return hasRoot ? [] : [{ text: OVH.missingRoot }];
}

// byoi_64: one group at most, and nothing to partition.
function checkByoiStorage(groups: GroupView[]): Problem[] {
  const problems: Problem[] = [];
  if (groups.length > 1) {
    problems.push({ path: "storage", text: expected("one disk group for byoi_64", `${groups.length}`) });
  }
  for (const g of groups.filter((g) => g.partitioning)) {
    const what = "no partitioning for byoi_64 (the image is written to the disk as it is)";
    problems.push({ path: `${g.path}.partitioning`, text: expected(what, "an object") });
  }
  return problems;
}

// All storage rules for the given operating system (undefined when it is unknown).
export function checkStorage(os: string | undefined, groups: GroupView[]): Problem[] {
  if (os === "byoi_64") return [...checkByoiStorage(groups), ...checkUniqueGroups(groups)];
  const problems = [
    ...groups.flatMap(checkGroupLayout),
    ...checkZfs(groups),
    ...checkUniqueMountPoints(groups),
    ...checkUniqueGroups(groups),
    ...checkDefaultLayoutAlone(groups),
  ];
  return os === "byolinux_64" ? [...problems, ...checkRoot(groups)] : problems;
}
