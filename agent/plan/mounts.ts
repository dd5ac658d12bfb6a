// Mount order under /tmp/a and the fstab entries the configure step writes.

import type { Filesystem } from "./mkfs.ts";
import type { FstabEntry, MountStep } from "./types.ts";

export const TARGET_ROOT = "/tmp/a";

// "/" first, then parents before children (by depth), then by name.
function compareMountPoints(a: string, b: string): number {
  const depth = (m: string) => (m === "/" ? 0 : m.split("/").length - 1);
  return depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0);
}

// The filesystems that get mounted, in mount order (swap and the other disks' ESPs are not).
export function mounted(filesystems: Filesystem[]): (Filesystem & { mountPoint: string })[] {
  return filesystems
    .filter((fs): fs is Filesystem & { mountPoint: string } => fs.mountPoint !== undefined && fs.mountPoint !== "swap")
    .sort((a, b) => compareMountPoints(a.mountPoint, b.mountPoint));
}

// Where a mount point lives during the install.
export function targetOf(mountPoint: string): string {
  return mountPoint === "/" ? TARGET_ROOT : `${TARGET_ROOT}${mountPoint}`;
}

// One mount step per filesystem; the step creates the directory first.
export function mountSteps(filesystems: Filesystem[]): MountStep[] {
  return mounted(filesystems).map((fs) => {
    const target = targetOf(fs.mountPoint);
    return {
      kind: "mount",
      id: `mount:${fs.mountPoint}`,
      title: `mounting ${fs.device} on ${target}`,
      // a ZFS dataset mounts at the pool's altroot (/tmp/a) plus its mountpoint property
      commands: [
        fs.fileSystem === "zfs" ? ["zfs", "mount", fs.device] : ["mount", "-t", fs.fileSystem, fs.device, target],
      ],
      device: fs.device,
      mountPoint: fs.mountPoint,
      target,
      fileSystem: fs.fileSystem,
    };
  });
}

// Mounted filesystems in mount order, then every swap; "/" is checked first, xfs and btrfs never.
// ZFS datasets have no line: the system imports their pools and zfs-mount mounts them.
export function fstabEntries(filesystems: Filesystem[]): FstabEntry[] {
  const swaps = filesystems.filter((fs) => fs.mountPoint === "swap");
  return [...mounted(filesystems).filter((fs) => fs.fileSystem !== "zfs"), ...swaps].map((fs) => {
    const mountPoint = fs.mountPoint!;
    if (fs.fileSystem === "swap") {
      return { mountPoint, device: fs.device, fileSystem: fs.fileSystem, options: "sw", dump: 0, pass: 0 };
    }
    const options = fs.fileSystem === "vfat" ? "umask=0077" : "defaults";
    const noFsck = fs.fileSystem === "xfs" || fs.fileSystem === "btrfs";
    const pass = mountPoint === "/" || fs.fileSystem === "vfat" ? 1 : noFsck ? 0 : 2;
    return { mountPoint, device: fs.device, fileSystem: fs.fileSystem, options, dump: 0, pass };
  });
}
