// What probe sees of the machine. `byol inventory --json` prints this and
// `byol plan --inventory FILE` reads it back (see inventory-file.ts for the
// file form, where only firmware, memoryBytes and disks[].{path,sizeBytes,logicalSectorSize}
// are required).

export type Firmware = "uefi" | "bios";

export interface Disk {
  path: string; // /dev/sda, /dev/nvme0n1, /dev/vdb
  name: string; // sda
  sizeBytes: number;
  logicalSectorSize: number; // 512 or 4096
  physicalSectorSize: number;
  rotational: boolean;
  removable: boolean;
  readOnly: boolean;
  hotplug?: boolean; // lsblk HOTPLUG: on a USB, FireWire, PCMCIA or other hot-pluggable bus; absent in old inventory files
  model?: string;
  serial?: string;
  wwn?: string;
  transport?: string; // sata, nvme, virtio, usb ...
}

// A disk the probe saw but that never joins a disk group: removable, read-only, hot-plugged
// or on USB (sticks, card readers, BMC virtual media). `reasons` says which, for `inventory`.
export interface ExcludedDisk extends Disk {
  reasons: string[];
}

export interface MdArray {
  device: string; // /dev/md127
  level?: string; // raid1
  members: string[]; // /dev/sda2 ...
  uuid?: string;
}

// A ZFS pool as lsblk shows its members (imported or not).
export interface ZfsPool {
  name: string; // tank
  members: string[]; // /dev/sda4 ... on any disk, targets or not
}

export interface Mount {
  source: string;
  target: string;
  fsType: string;
}

export interface Nic {
  name: string; // eth0
  mac: string; // lower-case aa:bb:...
  mtu?: number;
  up?: boolean;
}

export interface Inventory {
  firmware: Firmware;
  memoryBytes: number;
  gptBoot: boolean; // false: the firmware can only boot MBR
  disks: Disk[];
  mdArrays: MdArray[];
  zfsPools?: ZfsPool[]; // absent in inventory files from before ZFS
  mounts: Mount[];
  nics: Nic[];
  rescueDisk?: string; // the disk the rescue system runs from (already excluded from disks)
  excluded?: ExcludedDisk[]; // disks that are never targets, with the reason; the probe always sets it
}

export interface DiskGroup {
  id: number; // 1-based; group 1 holds the first disk by name
  disks: Disk[]; // sorted by name (natural order)
}
