// Parsers of the tool output collected from the installed system (findmnt, lsblk, /proc/mdstat,
// /proc/swaps, lvs). Pure; tested on captured text.

import { parseMdstatArrays } from "../../agent/probe/mdstat.ts";

export interface MountRow {
  target: string;
  source: string;
  fstype: string;
}

// `findmnt -J -l -o TARGET,SOURCE,FSTYPE`; a btrfs "[/subvolume]" suffix is dropped from the source.
export function parseFindmnt(text: string): MountRow[] {
  const data = JSON.parse(text || '{"filesystems":[]}') as { filesystems?: Record<string, unknown>[] };
  return (data.filesystems ?? []).map((f) => ({
    target: String(f["target"] ?? ""),
    source: String(f["source"] ?? "").replace(/\[.*\]$/, ""),
    fstype: String(f["fstype"] ?? ""),
  }));
}

export interface BlockNode {
  name: string;
  type: string;
  fstype?: string | null;
  mountpoint?: string | null;
  partuuid?: string | null;
  parttype?: string | null;
  children?: BlockNode[];
}

// `lsblk -J -p -o NAME,TYPE,FSTYPE,MOUNTPOINT,PARTUUID,PARTTYPE`: the tree from the disks down.
export function parseLsblk(text: string): BlockNode[] {
  return (JSON.parse(text || '{"blockdevices":[]}') as { blockdevices?: BlockNode[] }).blockdevices ?? [];
}

// Every path from a disk down to a node that matches; an md or LVM device sits under each of its members,
// so it is found once per member. Each path lists the nodes from the disk to the match.
export function pathsTo(roots: readonly BlockNode[], match: (n: BlockNode) => boolean): BlockNode[][] {
  const found: BlockNode[][] = [];
  const walk = (node: BlockNode, above: BlockNode[]) => {
    const path = [...above, node];
    if (match(node)) found.push(path);
    for (const child of node.children ?? []) walk(child, path);
  };
  for (const root of roots) walk(root, []);
  return found;
}

// Every node of the tree, once per place it appears.
export function allNodes(roots: readonly BlockNode[]): BlockNode[] {
  return pathsTo(roots, () => true).map((p) => p[p.length - 1]!);
}

export interface MdArray {
  name: string; // md127
  active: boolean;
  level: string; // raid1, raid5, ...
  members: string[]; // vdb2, vdc2
  status: string; // "[2/2] [UU]"
  degraded: boolean;
  /** "recovery = 12.6%" or "resync = 3.0%" while the array is still syncing. */
  syncing?: string;
}

// /proc/mdstat: one entry per array, with its level, members, [n/m] [UU] status and any running sync.
export function parseMdstat(text: string): MdArray[] {
  return parseMdstatArrays(text).map((md) => {
    const array: MdArray = {
      name: md.device.slice("/dev/".length),
      active: md.active,
      level: md.level ?? "",
      members: md.members.map((m) => m.slice("/dev/".length)),
      status: "",
      degraded: false,
    };
    for (const line of md.detail) {
      const status = /(\[\d+\/\d+\]) (\[[U_]+\])/.exec(line);
      if (status !== null) {
        array.status = `${status[1]} ${status[2]}`;
        array.degraded = status[2]!.includes("_");
      }
      const sync = /(recovery|resync|reshape|check)\s*=\s*([\d.]+%)/.exec(line);
      if (sync !== null) array.syncing = `${sync[1]} = ${sync[2]}`;
    }
    return array;
  });
}

export interface SwapRow {
  device: string;
  type: string;
}

// /proc/swaps, without its header line.
export function parseSwaps(text: string): SwapRow[] {
  return text
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w.length >= 2 && w[0]!.startsWith("/"))
    .map((w) => ({ device: w[0]!, type: w[1]! }));
}

export interface LvRow {
  lv: string;
  vg: string;
  path: string;
}

// `lvs --reportformat json -o lv_name,vg_name,lv_path`; empty when lvs printed nothing (no LVM at all).
export function parseLvs(text: string): LvRow[] {
  if (text.trim() === "") return [];
  const data = JSON.parse(text) as { report?: { lv?: Record<string, string>[] }[] };
  return (data.report ?? []).flatMap((r) =>
    (r.lv ?? []).map((l) => ({ lv: l["lv_name"] ?? "", vg: l["vg_name"] ?? "", path: l["lv_path"] ?? "" })),
  );
}

export interface ZpoolDevice {
  name: string; // the path zpool status -P prints: /dev/vda4, /dev/disk/by-partuuid/…
  state: string;
}

export interface ZpoolVdev {
  /** mirror, raidz1, raidz2, raidz3; "disk" for a device straight under the pool (striped). */
  type: string;
  state: string;
  devices: ZpoolDevice[];
}

export interface Zpool {
  name: string;
  state: string;
  vdevs: ZpoolVdev[];
}

// `zpool status -P`: each pool's state and its data vdevs (mirror-0, raidz1-0 or plain devices) with their
// devices. Log, cache and spare sections are left out: the rig's layouts have none.
export function parseZpoolStatus(text: string): Zpool[] {
  const pools: Zpool[] = [];
  let pool: Zpool | undefined;
  let inConfig = false;
  let base = -1; // the pool line's indentation
  for (const raw of text.replaceAll("\t", "        ").split("\n")) {
    const head = /^\s*pool:\s*(\S+)/.exec(raw);
    if (head !== null) {
      pool = { name: head[1]!, state: "", vdevs: [] };
      pools.push(pool);
      inConfig = false;
      continue;
    }
    if (pool === undefined) continue;
    const state = /^\s*state:\s*(\S+)/.exec(raw);
    if (state !== null && !inConfig) pool.state = state[1]!;
    if (/^\s*NAME\s+STATE\s+READ/.test(raw)) {
      inConfig = true;
      base = -1;
      continue;
    }
    if (!inConfig) continue;
    if (/^\s*errors:/.test(raw)) {
      inConfig = false;
      continue;
    }
    const m = /^(\s*)(\S+)(?:\s+(\S+))?/.exec(raw);
    if (m === null) continue;
    const indent = m[1]!.length;
    const [name, devState] = [m[2]!, m[3] ?? ""];
    if (base < 0) {
      if (name === pool.name) base = indent;
      continue;
    }
    if (indent <= base) {
      // "logs", "cache", "spares"…: what follows is not a data vdev
      inConfig = false;
      continue;
    }
    const group = /^(mirror|raidz[123]?|draid\S*)-\d+$/.exec(name);
    if (indent === base + 2) {
      if (group !== null) {
        const type = group[1] === "raidz" ? "raidz1" : group[1]!;
        pool.vdevs.push({ type, state: devState, devices: [] });
      } else pool.vdevs.push({ type: "disk", state: devState, devices: [{ name, state: devState }] });
    } else pool.vdevs.at(-1)?.devices.push({ name, state: devState });
  }
  return pools;
}
