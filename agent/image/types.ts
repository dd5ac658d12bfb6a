// What inspection learns about an image, from its content only. Filled by the inspect step and
// read by attach and copy (agent/install.ts carries it between them in StepInputs.image).

export type DetectedFormat = "qcow2" | "raw" | "qed" | "vmdk" | "vdi" | "vhdx" | "vpc" | "luks";
export type ImageFileSystem = "ext4" | "xfs" | "btrfs";

export interface ImagePartition {
  number: number; // 1-based, as the kernel names it (nbd0p1)
  offset: number; // bytes from the start of the virtual disk
  size: number; // bytes
}

export interface Inspection {
  format: "qcow2" | "raw";
  virtualSize: number; // bytes of the virtual disk
  table: "gpt" | "mbr";
  partition: ImagePartition;
  fileSystem: ImageFileSystem;
  usedBytes: number; // used by the partition's filesystem (statfs of a read-only mount)
}

// The run's record of the image, passed from step to step.
export interface ImageState {
  file?: string; // the downloaded image, once the download step completed
  inspection?: Inspection;
  attached?: { device: string; mountPoint: string }; // /dev/nbd0p1 on /dev/shm/image
}
