// The install plan: versioned data computed by buildPlan(request, inventory).
// Every step that runs a command carries its exact argv. The interpreter in
// agent/install.ts switches on `kind` and ends in an exhaustiveness check.
// The plan holds no secrets: the image URL is redacted, headers and user data are absent.

import type { Span } from "../disk/spanning.ts";
import type { Firmware } from "../probe/types.ts";
import type { ChecksumType, ImageType, LayoutFileSystem, OperatingSystem, RaidLevel } from "../request/types.ts";

// 2: BYOI has its own step kinds (byoi-inspect, byoi-config-drive, byoi-boot-entries) and
// write-image always names its source.
// 3: ZFS: zpool and zfs-target steps, the "zfs" partition role and file system, pools in the wipe.
export const PLAN_VERSION = 3;

export type Argv = readonly string[];

// Matches a command word that is a run-time placeholder.
export const RUN_TIME = /<[a-z-]+>/;

export type TableType = "gpt" | "mbr";
// "mbr-extended" is the container of logical partitions 5+ on an MBR table with more than 4 partitions.
export type PartitionRole = "esp" | "bios-boot" | "layout" | "lvm-pv" | "zfs" | "config-drive" | "mbr-extended";
// md's levels: 7 (raidz3) is ZFS only.
export type MdLevel = Exclude<RaidLevel, 7>;
export type FsKind = LayoutFileSystem | "vfat";

export interface PlannedPartition {
  number: number; // 1-based partition number
  device: string; // /dev/sda2, /dev/nvme0n1p2
  role: PartitionRole;
  startMiB: number; // aligned to 1 MiB
  sizeMiB: number; // aligned to 1 MiB
  typeCode: string; // sgdisk type code (ef00, ef02, fd00, 8300, 8200, 8e00) or MBR hex id for mbr tables
  label?: string; // GPT partition name
  layoutIndex?: number; // index into the request layout (role layout, lvm-pv or zfs: the first entry it holds)
  active?: boolean; // MBR boot flag (legacy BIOS): set on the partition that holds /boot, or / without /boot
}

export interface PlannedDisk {
  path: string;
  sizeBytes: number;
  logicalSectorSize: number;
  table: TableType;
  partitions: PlannedPartition[];
}

export interface FstabEntry {
  mountPoint: string; // "/" or "swap" or "/boot/efi"
  device: string; // block device at install time; configure step turns it into UUID= (ZFS datasets are never here)
  fileSystem: FsKind;
  options: string;
  dump: number;
  pass: number;
}

interface StepBase {
  id: string; // unique, stable: "wipe", "partition:/dev/sda", "raid:/dev/md0", ...
  title: string; // short lowercase context: "creating RAID1 /dev/md0 on /dev/sda2 /dev/sdb2"
  // argv of every command, in order. A word in <angle-brackets> (RUN_TIME) stands for what is only
  // known at run time (the nbd device, the image's filesystem, the loader the script installed);
  // the steps that have such words (attach, boot-entries) compute their own argv.
  commands: Argv[];
}

// Disk steps (issue 2/3)
export interface WipeStep extends StepBase {
  kind: "wipe";
  disks: string[];
  spans?: Span[]; // md arrays and ZFS pools probe saw with members on these disks and on others; refused without breakArrays
  breakArrays?: true; // --break-arrays: such arrays lose only the target's members
}
export interface PartitionStep extends StepBase {
  kind: "partition";
  disk: string;
  table: TableType;
  partitions: string[];
}
export interface RaidStep extends StepBase {
  kind: "raid";
  device: string; // /dev/md0
  level: MdLevel;
  metadata: "1.0" | "1.2";
  members: string[];
}
export interface LvmStep extends StepBase {
  kind: "lvm";
  vg: string;
  pvs: string[];
  lvs: { name: string; sizeMiB: number; device: string }[];
}
// One ZFS pool over a partition of each disk of the group, with its datasets (created unmounted:
// the mount steps mount them in mount-point order). Its handle exports the pool when the run ends.
export interface ZpoolStep extends StepBase {
  kind: "zpool";
  pool: string;
  raidLevel: RaidLevel; // as requested (absent = 1)
  vdev: "stripe" | "mirror" | "raidz1" | "raidz2" | "raidz3"; // what is built
  lowered?: string; // why vdev is below the requested level (too few disks), as OVHcloud does
  members: string[];
  options: string[]; // the pool options chosen, for people: "ashift=12 (4096-byte physical sectors)", ...
  datasets: { name: string; mountPoint: string; quotaMiB?: number }[];
}
// What the installed system needs to import its pools at boot, once the files are copied: its
// /etc/hostid (the image's, else the rescue's, else a new one), canmount=on for the datasets
// zfs-mount mounts (not "/": the initramfs mounts it), bootfs for a "/" pool, no zpool.cache
// (the pools are exported at the end: zfs-import-scan finds them).
export interface ZfsTargetStep extends StepBase {
  kind: "zfs-target";
  pools: string[];
  hostidFile: string; // /tmp/a/etc/hostid
  cacheFile: string; // /tmp/a/etc/zfs/zpool.cache, removed when the image has one
}
export interface MkfsStep extends StepBase {
  kind: "mkfs";
  device: string;
  fileSystem: FsKind;
  label?: string;
}
export interface MountStep extends StepBase {
  kind: "mount";
  device: string;
  mountPoint: string;
  target: string;
  fileSystem: FsKind;
}
export interface ConfigDriveStep extends StepBase {
  kind: "config-drive";
  disk: string;
  device: string; // the config-2 partition the plan allocated
  sizeMiB: number; // 64
  // contents (meta_data.json with a fresh uuid, user_data, network_data.json) are written at run time
}
// BYOI: the config-2 partition is appended after the image's own partitions at run time. Its id is
// "config-drive", as for BYOLinux: events and status name the same step.
export interface ByoiConfigDriveStep extends StepBase {
  kind: "byoi-config-drive";
  disk: string;
  sizeMiB: number; // 64
}

// Image steps (issue 4, 6): placeholders now, filled in later.
export interface DownloadStep extends StepBase {
  kind: "download";
  url: string; // redacted
  imageType: ImageType;
  checksumType?: ChecksumType;
  destination: "ram" | "disk";
  path: string; // /dev/shm/byol/image
}
export interface InspectStep extends StepBase {
  kind: "inspect";
  imageType: ImageType;
}
// BYOI's checks of the RAM copy (format, qcow2 header, size, partition table); id "inspect".
export interface ByoiInspectStep extends StepBase {
  kind: "byoi-inspect";
  imageType: ImageType;
}
export interface AttachStep extends StepBase {
  kind: "attach";
  mountPoint: string;
} // /dev/shm/image
export interface CopyStep extends StepBase {
  kind: "copy";
  source: string;
  target: string;
}
export interface ConfigureStep extends StepBase {
  kind: "configure";
  fstab: FstabEntry[];
  mdadmConf: boolean;
  hostname?: string;
  zfsMountPoints?: string[]; // ZFS datasets': no fstab line (zfs-mount mounts them), the image's lines for them dropped
}
export interface BootableScriptStep extends StepBase {
  kind: "bootable-script";
  script: string;
  root: string;
}
export interface BootEntriesStep extends StepBase {
  kind: "boot-entries";
  espDevices: string[];
  loaderPath?: string;
}
// BYOI: the ESP is the image's own, found on the written disk at run time; id "boot-entries".
export interface ByoiBootEntriesStep extends StepBase {
  kind: "byoi-boot-entries";
  loaderPath?: string; // efiBootloaderPath (UEFI only)
}
interface WriteImageBase extends StepBase {
  kind: "write-image";
  disk: string;
}
// The copy the download step put in RAM: a qcow2 converted by the plan's qemu-img, a raw copied by byol.
export interface WriteImageFromFile extends WriteImageBase {
  source: "file";
  imageType: ImageType;
  path: string; // /dev/shm/byol/image
}
// A raw image streamed from the URL onto the disk, its checksum computed in the same pass and its
// first MiB written last.
export interface WriteImageFromHttp extends WriteImageBase {
  source: "http";
  imageType: "raw";
  url: string; // redacted
  checksumType?: ChecksumType;
  // the disk's wipe, run once the image's first MiB has arrived and shows a partition table,
  // before any byte of the image is written (so a refused image leaves the disk untouched)
  wipe: WipeStep;
}
export type WriteImageStep = WriteImageFromFile | WriteImageFromHttp;
export interface MoveBackupGptStep extends StepBase {
  kind: "move-backup-gpt";
  disk: string;
}
export interface FinishStep extends StepBase {
  kind: "finish";
  unmount: string[];
}

export type PlanStep =
  | WipeStep
  | PartitionStep
  | RaidStep
  | LvmStep
  | ZpoolStep
  | ZfsTargetStep
  | MkfsStep
  | MountStep
  | ConfigDriveStep
  | ByoiConfigDriveStep
  | DownloadStep
  | InspectStep
  | ByoiInspectStep
  | AttachStep
  | CopyStep
  | ConfigureStep
  | BootableScriptStep
  | BootEntriesStep
  | ByoiBootEntriesStep
  | WriteImageStep
  | MoveBackupGptStep
  | FinishStep;

export type StepKind = PlanStep["kind"];

export interface Plan {
  version: typeof PLAN_VERSION;
  operatingSystem: OperatingSystem;
  firmware: Firmware;
  table: TableType;
  targetRoot: string; // /tmp/a
  disks: PlannedDisk[]; // target disks, in order; disks[0] holds the config drive
  fstab: FstabEntry[];
  steps: PlanStep[];
}
