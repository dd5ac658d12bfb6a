// What sits on top of the target disks when the wipe starts: partitions, mounts, md
// arrays (also the inactive ones the rescue system half-assembled from an earlier install)
// and LVM volume groups. Pure: parsed from the text of lsblk, /proc/mdstat and pvs,
// so it is tested on captured output.

export interface Holders {
  partitions: string[]; // /dev/sda1 ... of the target disks
  mounts: string[]; // mount points on or above the target disks, deepest first
  swaps: string[]; // active swap devices on or above the target disks
  vgs: string[]; // volume groups with a PV on or above the target disks
  arrays: { device: string; active: boolean; members: string[] }[]; // members: on target disks only
}

interface LsblkNode {
  name: string;
  type: string;
  mountpoints?: (string | null)[];
  mountpoint?: string | null;
  children?: LsblkNode[];
}

// lsblkJson: `lsblk -J -p -o NAME,TYPE,MOUNTPOINTS DISK...`; pvsJson: `pvs --reportformat json -o pv_name,vg_name` or "" when not run
export function findHolders(disks: readonly string[], lsblkJson: string, mdstat: string, pvsJson = ""): Holders {
  const roots = (JSON.parse(lsblkJson) as { blockdevices?: LsblkNode[] }).blockdevices ?? [];
  const partitions = new Set<string>();
  const above = new Set<string>(disks); // every device on or above a target disk
  const mounts = new Set<string>();
  const swaps = new Set<string>();
  const lsblkArrays = new Set<string>();
  const walk = (node: LsblkNode, depth: number): void => {
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

  const arrays = new Map<string, { device: string; active: boolean; members: string[] }>();
  for (const md of parseMdstat(mdstat)) {
    const onTarget = md.members.filter((m) => above.has(m));
    if (onTarget.length === 0 && !lsblkArrays.has(md.device)) continue;
    arrays.set(md.device, { device: md.device, active: md.active, members: onTarget });
    above.add(md.device);
  }
  for (const device of lsblkArrays) {
    if (!arrays.has(device)) arrays.set(device, { device, active: true, members: [] });
  }

  const vgs = new Set<string>();
  for (const pv of parsePvs(pvsJson)) if (above.has(pv.pv) && pv.vg !== "") vgs.add(pv.vg);

  return {
    partitions: [...partitions],
    mounts: [...mounts].sort((a, b) => b.length - a.length),
    swaps: [...swaps],
    vgs: [...vgs],
    arrays: [...arrays.values()],
  };
}

// True when the tree shows an LVM volume, i.e. `pvs` is worth running.
export function hasLvm(lsblkJson: string): boolean {
  return /"type"\s*:\s*"lvm"/.test(lsblkJson);
}

// md127 : inactive sdb2[1](S)  /  md0 : active (auto-read-only) raid1 sdb2[1] sda2[0]
export function parseMdstat(text: string): { device: string; active: boolean; members: string[] }[] {
  const out: { device: string; active: boolean; members: string[] }[] = [];
  for (const line of text.split("\n")) {
    const m = /^(md\S*)\s*:\s*(\S+)\s*(.*)$/.exec(line);
    if (m === null) continue;
    const members = (m[3] ?? "")
      .split(/\s+/)
      .map((t) => /^([^[\s]+)\[\d+\]/.exec(t)?.[1])
      .filter((t): t is string => t !== undefined)
      .map((t) => `/dev/${t}`);
    out.push({ device: `/dev/${m[1]}`, active: m[2] === "active", members });
  }
  return out;
}

function parsePvs(json: string): { pv: string; vg: string }[] {
  if (json.trim() === "") return [];
  const report = JSON.parse(json) as { report?: { pv?: { pv_name: string; vg_name: string }[] }[] };
  return (report.report ?? []).flatMap((r) => r.pv ?? []).map((p) => ({ pv: p.pv_name, vg: p.vg_name }));
}
