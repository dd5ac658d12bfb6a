// Scratch disks of a rescue VM: sparse raw files, so host tools (sgdisk, dd) can read them after a run.
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { QemuDisk } from "./qemu.ts";

/** A target disk as a test asks for it. */
export interface DiskRequest {
  sizeGiB: number;
  /** 4096 makes a 4Kn disk. Default 512. */
  logicalBlockSize?: 512 | 4096;
  /** virtio serial (max 20 characters). Default byol-disk-<n>. */
  serial?: string;
  /** "usb": a removable USB stick, which byol must never write. Default virtio. */
  bus?: "virtio" | "usb";
}

/** A scratch disk as created: where it is and what the guest sees. */
export interface ScratchDisk extends QemuDisk {
  sizeBytes: number;
}

// File names, serials and sizes of the requested disks, without touching the file system.
export function planDisks(requests: readonly DiskRequest[], dir: string): ScratchDisk[] {
  return requests.map((r, i) => {
    if (!(r.sizeGiB > 0)) throw new Error(`disks: disk ${i} needs sizeGiB > 0, got ${r.sizeGiB}`);
    const sizeBytes = Math.round(r.sizeGiB * 1024 ** 3);
    if (sizeBytes % 1048576 !== 0) throw new Error(`disks: disk ${i} size must be a whole MiB, got ${r.sizeGiB} GiB`);
    return {
      path: join(dir, `disk${i}.raw`),
      format: "raw",
      serial: r.serial ?? `byol-disk-${i}`,
      logicalBlockSize: r.logicalBlockSize ?? 512,
      sizeBytes,
      ...(r.bus === "usb" && { bus: "usb" as const }),
    };
  });
}

// Creates each disk as a sparse file of its size, zero-filled as far as the guest can tell.
export async function createDisks(disks: readonly ScratchDisk[]): Promise<void> {
  for (const d of disks) {
    const fh = await open(d.path, "w");
    try {
      await fh.truncate(d.sizeBytes);
    } finally {
      await fh.close();
    }
  }
}
