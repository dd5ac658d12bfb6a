// How far this machine can inspect an image the way install does. `byol fetch` runs anywhere (an
// operator's laptop, a CI runner), where qemu-img, root, loop devices, FUSE or nbd may be missing:
// it runs every check this machine can, and names the ones it could not, with the reason.

import { existsSync } from "node:fs";
import { onPath, type Via } from "./expose.ts";

export interface Reach {
  qemuImg: boolean; // qcow2: qemu-img can read the header and the virtual disk
  lookInside?: Via; // the partition can be mounted read-only (for raw images the value is unused)
  notChecked: string[]; // each check left out, with why
}

// What the decision reads from the machine; tests give their own.
export interface Machine {
  root: boolean;
  onPath: (program: string) => boolean;
  exists: (path: string) => boolean;
}

export const THIS_MACHINE: Machine = {
  root: process.getuid?.() === 0,
  onPath,
  exists: existsSync,
};

const INSIDE = "make_image_bootable.sh and the space used (the partition is mounted read-only to look)";

export function inspectReach(format: "qcow2" | "raw", m: Machine = THIS_MACHINE): Reach {
  if (format === "qcow2" && !m.onPath("qemu-img")) {
    return {
      qemuImg: false,
      notChecked: [
        `qemu-img's reading of the qcow2 header, the partition table, the filesystem, ${INSIDE}: no qemu-img on this machine`,
      ],
    };
  }
  const why = mountBlocker(format, m);
  if (typeof why === "string") return { qemuImg: true, notChecked: [`${INSIDE}: ${why}`] };
  return { qemuImg: true, lookInside: why.via, notChecked: [] };
}

// Why the image's partition cannot be mounted here, or how it can.
function mountBlocker(format: "qcow2" | "raw", m: Machine): string | { via: Via } {
  if (!m.root) return "mounting needs root";
  for (const program of ["mount", "umount", "losetup"]) {
    if (!m.onPath(program)) return `no ${program} on this machine`;
  }
  if (format === "raw") {
    return m.exists("/dev/loop-control") ? { via: "fuse" } : "no loop devices on this machine";
  }
  if (m.onPath("qemu-storage-daemon") && m.exists("/dev/fuse") && m.exists("/dev/loop-control")) return { via: "fuse" };
  if (m.onPath("qemu-nbd") && (m.exists("/sys/module/nbd") || m.exists("/sys/block/nbd0"))) return { via: "nbd" };
  return "a qcow2 needs qemu-storage-daemon with FUSE and loop devices, or qemu-nbd with the nbd module, and this machine has neither";
}
