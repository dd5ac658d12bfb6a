// A validated reinstall payload as the InstallRequest the rest of byol reads.
// Defaults are filled here, and only here, so later code never sees an absent value it must guess.

import type { LayoutPayload, ReinstallPayload, StoragePayload } from "./schema.ts";
import type { ChecksumType, ImageSpec, InstallRequest, LayoutEntry, StorageRequest } from "./types.ts";
import { decodeUserData } from "./user-data.ts";

// OVH's default scheme without storage: /boot, swap, and / filling the rest. No raidLevel:
// the planner mirrors it (RAID1) when the group has 2+ disks.
export function defaultLayout(): LayoutEntry[] {
  return [
    { mountPoint: "/boot", fileSystem: "ext4", sizeMiB: 1024 },
    { mountPoint: "swap", fileSystem: "swap", sizeMiB: 1024 },
    { mountPoint: "/", fileSystem: "ext4", sizeMiB: 0 },
  ];
}

function toEntry(entry: LayoutPayload): LayoutEntry {
  const out: LayoutEntry = { mountPoint: entry.mountPoint, fileSystem: entry.fileSystem, sizeMiB: entry.size };
  if (entry.raidLevel !== undefined) out.raidLevel = entry.raidLevel;
  if (entry.extras?.lv !== undefined) out.lvName = entry.extras.lv.name;
  if (entry.extras?.zp !== undefined) out.zpName = entry.extras.zp.name;
  return out;
}

// byoi_64 writes the image as it is: its group carries no layout.
function toStorage(os: ReinstallPayload["operatingSystem"], groups: StoragePayload[] | undefined): StorageRequest[] {
  return (groups ?? [{}]).map((group) => {
    const layout = group.partitioning?.layout;
    const out: StorageRequest = {
      diskGroupId: group.diskGroupId ?? 1,
      layout: os === "byoi_64" ? [] : (layout?.map(toEntry) ?? defaultLayout()),
      defaultLayout: os !== "byoi_64" && layout === undefined,
    };
    if (group.partitioning?.disks !== undefined) out.disks = group.partitioning.disks;
    return out;
  });
}

// byolinux_64 is always qcow2 (OVH's payload omits imageType); checksum values are lower-case.
function toImage(payload: ReinstallPayload): ImageSpec {
  const c = payload.customizations;
  const image: ImageSpec = {
    url: c.imageURL,
    type: (c.imageType?.toLowerCase() ?? "qcow2") as ImageSpec["type"],
    httpHeaders: { ...c.httpHeaders },
  };
  if (c.imageCheckSum !== undefined && c.imageCheckSumType !== undefined) {
    image.checksum = { type: c.imageCheckSumType.toLowerCase() as ChecksumType, value: c.imageCheckSum.toLowerCase() };
  }
  return image;
}

// Call only after validation found no problem: the casts above rely on checks-image.ts.
export function normalise(payload: ReinstallPayload): InstallRequest {
  const c = payload.customizations;
  const request: InstallRequest = {
    operatingSystem: payload.operatingSystem,
    image: toImage(payload),
    configDriveMetadata: { ...c.configDriveMetadata },
    storage: toStorage(payload.operatingSystem, payload.storage),
  };
  if (c.hostname !== undefined) request.hostname = c.hostname;
  if (c.sshKey !== undefined) request.sshKey = c.sshKey.trim();
  if (c.configDriveUserData !== undefined) request.userData = decodeUserData(c.configDriveUserData);
  if (c.efiBootloaderPath !== undefined) request.efiBootloaderPath = c.efiBootloaderPath;
  return request;
}
