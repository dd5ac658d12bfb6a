// The image steps. The download and inspection run no command of their own; attach and copy list
// theirs, with the values only known at run time as <placeholders> (RUN_TIME in types.ts).

import { redactUrl } from "../redact.ts";
import type { InstallRequest } from "../request/types.ts";
import type {
  AttachStep,
  ByoiInspectStep,
  CopyStep,
  DownloadStep,
  InspectStep,
  MoveBackupGptStep,
  WipeStep,
  WriteImageFromFile,
  WriteImageFromHttp,
} from "./types.ts";

export const IMAGE_PATH = "/dev/shm/byol/image";
export const IMAGE_MOUNT = "/dev/shm/image";

// The download into RAM, or straight onto the disk for a raw BYOI image; the URL is redacted.
export function downloadStep(request: InstallRequest, destination: "ram" | "disk", path: string): DownloadStep {
  const url = redactUrl(request.image.url);
  const step: DownloadStep = {
    kind: "download",
    id: "download",
    title: `downloading ${url} to ${path}`,
    commands: [],
    url,
    imageType: request.image.type,
    destination,
    path,
  };
  if (request.image.checksum !== undefined) step.checksumType = request.image.checksum.type;
  return step;
}

// Checks the real format and, for BYOLinux, the single partition and its script.
export function inspectStep(request: InstallRequest): InspectStep {
  const type = request.image.type;
  return { kind: "inspect", id: "inspect", title: `inspecting the ${type} image`, commands: [], imageType: type };
}

// BYOI: the real format, the qcow2 header, the size against the disk and the partition table.
export function byoiInspectStep(request: InstallRequest): ByoiInspectStep {
  const type = request.image.type;
  return { kind: "byoi-inspect", id: "inspect", title: `inspecting the ${type} image`, commands: [], imageType: type };
}

// rsync keeping hard links, ACLs, xattrs, sparse files and numeric owners, on one filesystem.
export const RSYNC = ["rsync", "-aHAXS", "--numeric-ids", "-x", "--info=progress2", "--no-inc-recursive"] as const;
// A vfat target (the ESP) holds no owners, modes, links or xattrs: times only, links skipped.
export const RSYNC_VFAT = ["rsync", "-rtS", "--modify-window=1", "--info=progress2"] as const;

// qemu-nbd read-only (byolinux_64 images are qcow2), then the image's partition mounted read-only
// (or, when the nbd module shows no partitions, through a read-only loop device at its offset).
export function attachStep(): AttachStep {
  const title = `attaching the image read-only on ${IMAGE_MOUNT}`;
  const commands = [
    ["qemu-nbd", "--read-only", "--format=qcow2", "--connect=<free-nbd-device>", IMAGE_PATH],
    ["mount", "-t", "<image-fs>", "-o", "<read-only-options>,nosuid,nodev,noexec", "<image-partition>", IMAGE_MOUNT],
  ];
  return { kind: "attach", id: "attach", title, commands, mountPoint: IMAGE_MOUNT };
}

// rsync of the image's filesystem into the new one; the part bound for a vfat filesystem (the ESP
// on /boot/efi) is left out of the main copy and copied after it.
export function copyStep(target: string, vfatMountPoints: readonly string[] = []): CopyStep {
  const title = `copying the image's files into ${target}`;
  const excludes = vfatMountPoints.map((m) => `--exclude=${m}/*`);
  const commands = [
    [...RSYNC, ...excludes, `${IMAGE_MOUNT}/`, `${target}/`],
    ...vfatMountPoints.map((m) => [...RSYNC_VFAT, `${IMAGE_MOUNT}${m}/`, `${target}${m}/`]),
  ];
  return { kind: "copy", id: "copy", title, commands, source: IMAGE_MOUNT, target };
}

// BYOI from RAM: qcow2 is converted, format given explicitly so qemu-img never probes, and -n so it
// never creates (or truncates) the target; raw (--image-staging ram) is copied by byol, first MiB last.
export function writeImageStep(request: InstallRequest, disk: string): WriteImageFromFile {
  const qcow2 = request.image.type === "qcow2";
  return {
    kind: "write-image",
    id: "write-image",
    title: `writing the ${request.image.type} image to ${disk}`,
    commands: qcow2
      ? [["qemu-img", "convert", "-p", "-n", "-f", "qcow2", "-O", "raw", "-t", "none", "-W", IMAGE_PATH, disk]]
      : [],
    disk,
    imageType: request.image.type,
    source: "file",
    path: IMAGE_PATH,
  };
}

// BYOI raw, streamed: download, checks, wipe and write in one step, so the disk is wiped only once
// the image's first MiB has shown a partition table. The plan lists the wipe's commands here.
export function streamImageStep(request: InstallRequest, disk: string, wipe: WipeStep): WriteImageFromHttp {
  const url = redactUrl(request.image.url);
  const step: WriteImageFromHttp = {
    kind: "write-image",
    id: "write-image",
    title: `streaming ${url} onto ${disk}, its first MiB written once the checksum matched`,
    commands: wipe.commands,
    disk,
    imageType: "raw",
    source: "http",
    url,
    wipe,
  };
  if (request.image.checksum !== undefined) step.checksumType = request.image.checksum.type;
  return step;
}

// The image's backup GPT goes to the real end of the disk (a no-op to skip for MBR images, decided at run time).
export function moveBackupGptStep(disk: string): MoveBackupGptStep {
  const title = `moving the backup GPT to the end of ${disk}`;
  return { kind: "move-backup-gpt", id: "move-backup-gpt", title, commands: [["sgdisk", "-e", disk]], disk };
}
