// The internal, normalised install request. Every accepted input form
// (OVH reinstall payload, legacy install/start payload) becomes this shape.

export type OperatingSystem = "byolinux_64" | "byoi_64";
export type ImageType = "qcow2" | "raw";
export type ChecksumType = "md5" | "sha1" | "sha256" | "sha512";
export type LayoutFileSystem = "ext4" | "xfs" | "btrfs" | "swap";
export type RaidLevel = 0 | 1 | 5 | 6 | 10;

export interface LayoutEntry {
  mountPoint: string; // "/", "/boot", "/var", ... or "swap"
  fileSystem: LayoutFileSystem;
  sizeMiB: number; // 0 = fill the remaining space
  raidLevel?: RaidLevel; // undefined = no RAID (single disk)
  lvName?: string; // extras.lv.name: the filesystem sits on an LVM logical volume
}

export interface StorageRequest {
  diskGroupId: number; // 1 = the group that holds the first disk
  disks?: number; // how many disks of the group to use; undefined = all of them
  layout: LayoutEntry[];
  defaultLayout: boolean; // true when the request gave no storage: RAID1 is applied by the planner when the group has 2+ disks
}

export interface ImageSpec {
  url: string; // may contain credentials: never log it, use redactUrl()
  type: ImageType;
  checksum?: { type: ChecksumType; value: string }; // value lower-case hex
  httpHeaders: Record<string, string>; // values are secrets
}

export interface InstallRequest {
  operatingSystem: OperatingSystem;
  hostname?: string;
  image: ImageSpec;
  sshKey?: string;
  userData?: string; // decoded configDriveUserData (plain text); a secret
  configDriveMetadata: Record<string, string>;
  efiBootloaderPath?: string; // e.g. "\\efi\\debian\\grubx64.efi"
  storage: StorageRequest[]; // at least one entry
}
