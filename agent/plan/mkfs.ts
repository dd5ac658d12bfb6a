// Filesystem labels and mkfs commands.

import type { LayoutFileSystem } from "../request/types.ts";
import type { Entry } from "./layout.ts";
import type { Argv, FsKind, MkfsStep } from "./types.ts";

export const ESP_LABEL = "EFI_SYSPART";

// A filesystem to create; mountPoint is absent for the ESPs of the other disks (formatted, not mounted).
export interface Filesystem {
  device: string;
  fileSystem: FsKind;
  label: string;
  mountPoint?: string; // "/", "/boot", "/boot/efi", "swap"
}

// The longest label each mkfs accepts (btrfs allows more, 16 keeps labels readable everywhere).
// ZFS uses the label as the dataset's name in its pool.
const LABEL_MAX: Record<LayoutFileSystem, number> = { ext4: 16, xfs: 12, btrfs: 16, swap: 15, zfs: 64 };

// "/" -> root, "/var/log" -> var_log, swap -> swap; shortened to the filesystem's limit, made unique.
export function layoutLabels(entries: Entry[]): Map<number, string> {
  const labels = new Map<number, string>();
  const taken = new Set<string>();
  for (const e of entries) {
    const max = LABEL_MAX[e.fileSystem];
    const base = e.fileSystem === "swap" ? "swap" : e.mountPoint === "/" ? "root" : labelBase(e.mountPoint);
    let label = base.slice(0, max);
    // several swaps may share "swap": fstab and the installer address them by UUID or device
    for (let n = 2; e.fileSystem !== "swap" && taken.has(label); n++) {
      label = base.slice(0, max - String(n).length) + n;
    }
    taken.add(label);
    labels.set(e.index, label);
  }
  return labels;
}

// A mount point turned into label characters every mkfs accepts.
function labelBase(mountPoint: string): string {
  const base = mountPoint.replace(/^\/+/, "").replace(/[^A-Za-z0-9]+/g, "_");
  return base === "" ? "data" : base;
}

// The exact mkfs argv per filesystem kind; ZFS datasets are made by their pool's zpool step.
export function mkfsArgv(fs: Filesystem): Argv {
  switch (fs.fileSystem) {
    case "zfs":
      throw new Error(`internal: ZFS dataset ${fs.device} has no mkfs (its zpool step creates it)`);
    case "ext4":
      return ["mkfs.ext4", "-F", "-q", "-L", fs.label, fs.device];
    case "xfs":
      return ["mkfs.xfs", "-f", "-q", "-L", fs.label, fs.device];
    case "btrfs":
      return ["mkfs.btrfs", "-f", "-q", "-L", fs.label, fs.device];
    case "swap":
      return ["mkswap", "-L", fs.label, fs.device];
    case "vfat":
      return ["mkfs.vfat", "-F", "32", "-n", fs.label, fs.device];
  }
}

// One mkfs step per filesystem.
export function mkfsStep(fs: Filesystem): MkfsStep {
  const what = fs.fileSystem === "swap" ? "swap" : fs.fileSystem;
  const usage = fs.mountPoint !== undefined && fs.mountPoint !== "swap" ? ` for ${fs.mountPoint}` : "";
  return {
    kind: "mkfs",
    id: `mkfs:${fs.device}`,
    title: `formatting ${fs.device} as ${what}${usage}`,
    commands: [mkfsArgv(fs)],
    device: fs.device,
    fileSystem: fs.fileSystem,
    label: fs.label,
  };
}
