// What sits on top of the target disks when the wipe starts: partitions, mounts, md
// arrays (also the inactive ones the rescue system half-assembled from an earlier install)
// and LVM volume groups, ZFS pools (lsblk's zfs_member partitions); and the arrays (md, LVM, ZFS)
// that also have members on disks
// that are not targets. Pure: parsed from the text of lsblk, /proc/mdstat and pvs, so it
// is tested on captured output.

import { parseMdstatArrays } from "../probe/mdstat.ts";
import { isRedundant, type Span, spans } from "./spanning.ts";

export interface HeldArray {
  device: string;
  active: boolean;
  members: string[]; // on target disks only
  spans?: true; // also has members on a disk that is not a target: never wiped or stopped as a whole
  degrade?: true; // spans and can run without the target's members: fail and remove them, keep it running
}

// A ZFS pool with members on the target disks, as lsblk shows it (imported or not).
export interface HeldPool {
  name: string;
  members: string[]; // on target disks only
  spans?: true; // also has members on a disk that is not a target
}

export interface Holders {
  partitions: string[]; // /dev/sda1 ... of the target disks
  mounts: string[]; // mount points on or above the target disks, deepest first
  swaps: string[]; // active swap devices on or above the target disks
  vgs: string[]; // volume groups with a PV on or above the target disks
  arrays: HeldArray[];
  pools: HeldPool[];
  spans: Span[]; // arrays with members on a target disk and on another disk
}

interface LsblkNode {
  name: string;
  type: string;
  fstype?: string | null;
  label?: string | null;
  mountpoints?: (string | null)[];
  mountpoint?: string | null;
  children?: LsblkNode[];
}

export interface FindOptions {
  pvsJson?: string; // `pvs --reportformat json -o pv_name,vg_name`, or "" when not run
  targets?: readonly string[]; // every target disk of the run (default: `disks`); spans are counted against them
}

// Every device name in the subtrees of the listed roots.
function namesUnder(roots: LsblkNode[], pick: (root: LsblkNode) => boolean): Set<string> {
  const names = new Set<string>();
  const walk = (node: LsblkNode) => {
    names.add(node.name);
    for (const child of node.children ?? []) walk(child);
  };
  for (const root of roots) if (pick(root)) walk(root);
  return names;
}

// ZFS pool members as lsblk shows them: FSTYPE zfs_member, the pool's name as LABEL.
function zfsMembers(roots: LsblkNode[]): { device: string; array: string }[] {
  const out: { device: string; array: string }[] = [];
  const walk = (node: LsblkNode) => {
    if (node.fstype === "zfs_member" && node.label) out.push({ device: node.name, array: node.label });
    for (const child of node.children ?? []) walk(child);
  };
  for (const root of roots) walk(root);
  return out;
}

// lsblkJson: `lsblk -J -p -o NAME,TYPE,FSTYPE,LABEL,MOUNTPOINTS` of every disk (the roots not in
// `disks` are only looked at for spans); mdstat: /proc/mdstat.
export function findHolders(
  disks: readonly string[],
  lsblkJson: string,
  mdstat: string,
  options: FindOptions | string = {},
): Holders {
  const { pvsJson = "", targets = disks } = typeof options === "string" ? { pvsJson: options } : options;
  const roots = (JSON.parse(lsblkJson) as { blockdevices?: LsblkNode[] }).blockdevices ?? [];
  const onTarget = namesUnder(roots, (r) => targets.includes(r.name));
  const onDisks = namesUnder(roots, (r) => disks.includes(r.name));
  const mdArrays = parseMdstatArrays(mdstat);
  const pvList = parsePvs(pvsJson);
  const allSpans = [
    ...spans(
      "md array",
      mdArrays.flatMap((md) => md.members.map((device) => ({ device, array: md.device }))),
      (d) => onTarget.has(d),
    ),
    ...spans(
      "LVM volume group",
      pvList.filter((p) => p.vg !== "").map((p) => ({ device: p.pv, array: p.vg })),
      (d) => onTarget.has(d),
    ),
    ...spans("ZFS pool", zfsMembers(roots), (d) => onTarget.has(d)),
  ];
  const spanningMd = new Map(
    mdArrays
      .filter((md) => allSpans.some((s) => s.kind === "md array" && s.name === md.device))
      .map((md) => [md.device, md]),
  );
  // a spanning array that keeps running degraded stays as it is above: its mounts and volumes are not ours
  const keepsRunning = (device: string) => {
    const md = spanningMd.get(device);
    return md?.active === true && isRedundant(md.level);
  };

  const partitions = new Set<string>();
  const above = new Set<string>(disks); // every device on or above a target disk
  const mounts = new Set<string>();
  const swaps = new Set<string>();
  const lsblkArrays = new Set<string>();
  const walk = (node: LsblkNode, depth: number): void => {
    if (depth > 0 && keepsRunning(node.name)) return;
    above.add(node.name);
    if (depth === 1 && node.type === "part") partitions.add(node.name);
    if (node.type.startsWith("raid") || node.type === "md" || node.type === "linear") lsblkArrays.add(node.name);
    for (const m of node.mountpoints ?? [node.mountpoint ?? null]) {
      if (m === null || m === undefined) continue;
      if (m === "[SWAP]") swaps.add(node.name);
      else mounts.add(m);
    }
    for (const child of node.children ?? []) walk(child, depth + 1);
  };
  for (const root of roots) if (disks.includes(root.name)) walk(root, 0);

  const arrays = new Map<string, HeldArray>();
  for (const md of mdArrays) {
    const members = md.members.filter((m) => above.has(m));
    if (members.length === 0 && !lsblkArrays.has(md.device)) continue;
    const array: HeldArray = { device: md.device, active: md.active, members };
    if (spanningMd.has(md.device)) array.spans = true;
    if (keepsRunning(md.device)) array.degrade = true;
    arrays.set(md.device, array);
    if (array.degrade === undefined) above.add(md.device);
  }
  for (const device of lsblkArrays) {
    if (!arrays.has(device)) arrays.set(device, { device, active: true, members: [] });
  }

  const pools = new Map<string, HeldPool>();
  for (const { device, array } of zfsMembers(roots)) {
    if (!above.has(device)) continue;
    const pool = pools.get(array) ?? { name: array, members: [] };
    pool.members.push(device);
    if (allSpans.some((s) => s.kind === "ZFS pool" && s.name === array)) pool.spans = true;
    pools.set(array, pool);
  }

  const vgs = new Set<string>();
  for (const pv of pvList) if (above.has(pv.pv) && pv.vg !== "") vgs.add(pv.vg);

  return {
    partitions: [...partitions],
    mounts: [...mounts].sort((a, b) => b.length - a.length),
    swaps: [...swaps],
    vgs: [...vgs],
    arrays: [...arrays.values()],
    pools: [...pools.values()],
    spans: allSpans.filter((s) => s.targetMembers.some((m) => onDisks.has(m))),
  };
}

// True when the tree shows an LVM volume or physical volume, i.e. `pvs` is worth running.
export function hasLvm(lsblkJson: string): boolean {
  return /"type"\s*:\s*"lvm"|"fstype"\s*:\s*"LVM2_member"/.test(lsblkJson);
}

function parsePvs(json: string): { pv: string; vg: string }[] {
  if (json.trim() === "") return [];
  const report = JSON.parse(json) as { report?: { pv?: { pv_name: string; vg_name: string }[] }[] };
  return (report.report ?? []).flatMap((r) => r.pv ?? []).map((p) => ({ pv: p.pv_name, vg: p.vg_name }));
}
