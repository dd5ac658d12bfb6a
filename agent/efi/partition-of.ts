// A partition device's disk and number: /dev/sda1 -> /dev/sda 1, /dev/nvme0n1p1 -> /dev/nvme0n1 1. Pure.

export interface DiskPartition {
  disk: string;
  number: number;
}

// The disk is taken from `disks` when one of them is a prefix (the plan's own names), else
// from the kernel's naming rule: a "p" separates the number when the disk name ends in a digit.
export function partitionOf(device: string, disks: readonly string[] = []): DiskPartition {
  for (const disk of [...disks].sort((a, b) => b.length - a.length)) {
    const m = device.startsWith(disk) ? /^p?(\d+)$/.exec(device.slice(disk.length)) : null;
    if (m !== null) return { disk, number: Number(m[1]) };
  }
  const m = /^(.*\d)p(\d+)$/.exec(device) ?? /^(.*\D)(\d+)$/.exec(device);
  if (m === null) throw new Error(`cannot tell the disk and partition number of ${device}`);
  return { disk: m[1] ?? "", number: Number(m[2]) };
}
