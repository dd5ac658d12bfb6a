// ZFS, as OVHcloud's guide "OVHcloud API and Storage" describes it: entries with fileSystem
// "zfs" become datasets of pools. raidLevel is the vdev layout (0 striped, 1 mirror, 5 raidz1,
// 6 raidz2, 7 raidz3; absent = 1); a level needing more disks than the group has is lowered
// (raidz3 -> raidz2 -> raidz1 -> mirror -> striped) and the plan says so. Entries with the same
// level share a pool unless their pool names differ; "/" and "/boot" get pools of their own.

import { PlanError } from "../errors.ts";
import type { Disk } from "../probe/types.ts";
import type { RaidLevel } from "../request/types.ts";
import type { Entry } from "./layout.ts";
import { TARGET_ROOT } from "./mounts.ts";
import type { Argv, ZfsTargetStep, ZpoolStep } from "./types.ts";

export type Vdev = "stripe" | "mirror" | "raidz1" | "raidz2" | "raidz3";

// OVH's raidLevel -> vdev mapping; 10 is not allowed with ZFS.
export const VDEV_OF_LEVEL: Readonly<Partial<Record<RaidLevel, Vdev>>> = {
  0: "stripe",
  1: "mirror",
  5: "raidz1",
  6: "raidz2",
  7: "raidz3",
};
// The fewest disks of each layout; below it the layout is lowered to the next one.
export const VDEV_MIN_DISKS: Readonly<Record<Vdev, number>> = { stripe: 1, mirror: 2, raidz1: 3, raidz2: 4, raidz3: 5 };
const LOWERING: readonly Vdev[] = ["raidz3", "raidz2", "raidz1", "mirror", "stripe"];
// Disks of a vdev that hold data (the others hold copies or parity).
const DATA_DISKS: Readonly<Record<Vdev, (n: number) => number>> = {
  stripe: (n) => n,
  mirror: () => 1,
  raidz1: (n) => n - 1,
  raidz2: (n) => n - 2,
  raidz3: (n) => n - 3,
};
// Room a pool needs besides its datasets: ZFS keeps 1/32 of a pool (at least 128 MiB) as slop
// space, and metadata and raidz padding take a few percent more.
const SLOP_MIN_MIB = 128;
const METADATA_FACTOR = 1.05;
const LABELS_MIB = 8; // four 256 KiB labels and the 3.5 MiB boot block reservation, rounded up

// Options every pool gets (shown in the plan): lz4 is cheap and nearly always a gain; xattr=sa and
// acltype=posixacl make xattrs and ACLs behave as on ext4 (systemd-journald, rsync -AX).
export const DATASET_OPTIONS = ["compression=lz4", "xattr=sa", "acltype=posixacl", "relatime=on"] as const;
// Feature sets: a pool GRUB reads (/boot, or / without /boot) keeps to what GRUB supports; the others to
// OpenZFS 2.1 (Debian 12's), so an image with an older ZFS than the rescue's still imports them.
export const GRUB_COMPATIBILITY = "grub2";
export const DATA_COMPATIBILITY = "openzfs-2.1-linux";

export interface Pool {
  name: string;
  level: RaidLevel; // as requested (absent = 1)
  requested: Vdev;
  vdev: Vdev; // after lowering for the group's disks
  lowered?: string; // why the layout differs from the request, for the plan
  datasets: Entry[]; // layout order
  holdsBoot: boolean; // GRUB reads it: /boot, or / when the layout has no /boot
  own: boolean; // "/" or "/boot": a pool of its own
}

// The layout a level gets on `disks` disks, lowered step by step while there are too few.
export function vdevFor(level: RaidLevel, disks: number): { requested: Vdev; vdev: Vdev; lowered?: string } {
  const requested = VDEV_OF_LEVEL[level];
  if (requested === undefined) throw new PlanError([`RAID ${level} is not allowed with ZFS`]);
  const vdev = LOWERING.slice(LOWERING.indexOf(requested)).find((v) => VDEV_MIN_DISKS[v] <= disks) ?? "stripe";
  if (vdev === requested) return { requested, vdev };
  const lowered =
    `raidLevel ${level} (${requested}) needs ${VDEV_MIN_DISKS[requested]} disks, the group has ${disks}: ` +
    `lowered to ${vdev}, as OVHcloud does`;
  return { requested, vdev, lowered };
}

// Groups the ZFS entries into pools, in layout order, and names the unnamed ones.
export function zfsPools(entries: Entry[], diskCount: number): Pool[] {
  const hasBoot = entries.some((e) => e.mountPoint === "/boot");
  const pools: (Omit<Pool, "name"> & { name?: string })[] = [];
  for (const entry of entries.filter((e) => e.fileSystem === "zfs")) {
    const level = entry.raidLevel ?? 1;
    const own = entry.mountPoint === "/" || entry.mountPoint === "/boot";
    const named = entry.zpName === undefined ? undefined : pools.find((p) => p.name === entry.zpName);
    if (named !== undefined && (named.own || own)) {
      const which = own ? entry.mountPoint : named.datasets[0]!.mountPoint;
      throw new PlanError([`ZFS pool ${entry.zpName}: ${which} needs a pool of its own`]);
    }
    if (named !== undefined && named.level !== level) {
      throw new PlanError([
        `ZFS pool ${entry.zpName}: ${entry.mountPoint} asks for RAID ${level}, the pool is RAID ${named.level}`,
      ]);
    }
    // an entry without a name joins the first pool of its level (not a "/" or "/boot" one)
    const shared =
      named ?? (own || entry.zpName !== undefined ? undefined : pools.find((p) => !p.own && p.level === level));
    if (shared !== undefined) {
      shared.datasets.push(entry);
      continue;
    }
    const pool: Omit<Pool, "name"> & { name?: string } = {
      level,
      ...vdevFor(level, diskCount),
      datasets: [entry],
      holdsBoot: entry.mountPoint === "/boot" || (entry.mountPoint === "/" && !hasBoot),
      own,
    };
    if (entry.zpName !== undefined) pool.name = entry.zpName;
    pools.push(pool);
  }
  return nameUnnamed(pools);
}

// "/" -> rpool, "/boot" -> bpool (the usual names of root-on-ZFS installs), others zp, zp1, zp2, ...
function nameUnnamed(pools: (Omit<Pool, "name"> & { name?: string })[]): Pool[] {
  const taken = new Set(pools.flatMap((p) => (p.name === undefined ? [] : [p.name])));
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}${i}`;
    taken.add(name);
    return name;
  };
  return pools.map((p) => {
    if (p.name !== undefined) return p as Pool;
    const first = p.datasets[0]!.mountPoint;
    const name = first === "/" ? fresh("rpool") : first === "/boot" ? fresh("bpool") : fresh("zp");
    return { ...p, name };
  });
}

// The partition each disk gives the pool; 0 = fill when a dataset fills.
export function poolPartitionMiB(pool: Pool, diskCount: number): number {
  if (pool.datasets.some((d) => d.sizeMiB === 0)) return 0;
  const data = pool.datasets.reduce((sum, d) => sum + d.sizeMiB, 0);
  const needed = (data + Math.max(SLOP_MIN_MIB, Math.ceil(data / 32))) * METADATA_FACTOR;
  return Math.ceil(needed / DATA_DISKS[pool.vdev](diskCount)) + LABELS_MIB;
}

// ashift from the largest physical sector of the pool's disks (2^ashift bytes per block).
export function ashiftFor(disks: Disk[]): { ashift: number; sectorBytes: number } {
  const sectorBytes = Math.max(512, ...disks.map((d) => d.physicalSectorSize || d.logicalSectorSize));
  return { ashift: Math.round(Math.log2(sectorBytes)), sectorBytes };
}

// The dataset of one entry: pool/root for "/", else the entry's label (boot, var_log, data).
export function datasetName(pool: Pool, label: string): string {
  return `${pool.name}/${label}`;
}

// zpool create (altroot /tmp/a, nothing mounted), then one dataset per entry, mounted later by the
// mount steps in mount-point order with the other filesystems (canmount=noauto until then).
export function zpoolStep(pool: Pool, members: string[], disks: Disk[], labels: Map<number, string>): ZpoolStep {
  const { ashift, sectorBytes } = ashiftFor(disks);
  const compatibility = pool.holdsBoot ? GRUB_COMPATIBILITY : DATA_COMPATIBILITY;
  const create: string[] = ["zpool", "create", "-f", "-o", `ashift=${ashift}`, "-o", `compatibility=${compatibility}`];
  for (const o of DATASET_OPTIONS) create.push("-O", o);
  create.push("-O", "canmount=off", "-O", "mountpoint=none", "-R", TARGET_ROOT, pool.name);
  if (pool.vdev !== "stripe") create.push(pool.vdev);
  create.push(...members);
  const datasets = pool.datasets.map((entry) => {
    const name = datasetName(pool, labels.get(entry.index)!);
    const quota = entry.sizeMiB > 0 ? { quotaMiB: entry.sizeMiB } : {};
    return { name, mountPoint: entry.mountPoint, ...quota };
  });
  const commands: Argv[] = [create];
  for (const d of datasets) {
    const quota = d.quotaMiB === undefined ? [] : ["-o", `quota=${d.quotaMiB}M`];
    commands.push(["zfs", "create", "-o", "canmount=noauto", "-o", `mountpoint=${d.mountPoint}`, ...quota, d.name]);
  }
  const options = [`ashift=${ashift} (${sectorBytes}-byte physical sectors)`, `compatibility=${compatibility}`];
  options.push(...DATASET_OPTIONS);
  const step: ZpoolStep = {
    kind: "zpool",
    id: `zpool:${pool.name}`,
    title:
      `creating ZFS pool ${pool.name} (${pool.vdev}) for ${datasets.map((d) => d.mountPoint).join(", ")} ` +
      `on ${members.join(" ")}; ${options.join(", ")}${pool.lowered === undefined ? "" : `; ${pool.lowered}`}`,
    commands,
    pool: pool.name,
    raidLevel: pool.level,
    vdev: pool.vdev,
    members,
    options,
    datasets,
  };
  if (pool.lowered !== undefined) step.lowered = pool.lowered;
  return step;
}

// Once the files are copied: canmount=on where zfs-mount mounts at boot, bootfs for a "/" pool;
// the step also writes /etc/hostid and removes a stale zpool.cache (see ZfsTargetStep).
export function zfsTargetStep(steps: ZpoolStep[]): ZfsTargetStep {
  const commands: Argv[] = [];
  for (const step of steps) {
    for (const d of step.datasets) {
      if (d.mountPoint === "/") commands.push(["zpool", "set", `bootfs=${d.name}`, step.pool]);
      else commands.push(["zfs", "set", "canmount=on", d.name]);
    }
  }
  const pools = steps.map((s) => s.pool);
  return {
    kind: "zfs-target",
    id: "zfs-target",
    title: `preparing ${pools.join(", ")} to be imported at boot: /etc/hostid, mounts by zfs-mount, no zpool.cache`,
    commands,
    pools,
    hostidFile: `${TARGET_ROOT}/etc/hostid`,
    cacheFile: `${TARGET_ROOT}/etc/zfs/zpool.cache`,
  };
}
