// request.json of a run record: the request in OVH's reinstall payload form, with every
// secret taken out. Header values become "***", URL credentials are masked, and the user data
// becomes its sha256 and length, so a replay can check that the file it is given is the same.

import { createHash } from "node:crypto";
import { redactUrl } from "../redact.ts";
import type { InstallRequest, LayoutEntry, StorageRequest } from "../request/types.ts";

export const REDACTED = "***";

export interface UserDataDigest {
  sha256: string;
  length: number; // bytes of the decoded user data
}

export interface RecordedRequest {
  operatingSystem: InstallRequest["operatingSystem"];
  customizations: {
    hostname?: string;
    imageURL: string;
    imageType: string;
    imageCheckSum?: string;
    imageCheckSumType?: string;
    httpHeaders?: Record<string, string>;
    sshKey?: string;
    configDriveUserData?: UserDataDigest;
    configDriveMetadata?: Record<string, string>;
    efiBootloaderPath?: string;
  };
  storage: {
    diskGroupId: number;
    partitioning?: { disks?: number; layout?: RecordedLayoutEntry[] };
  }[];
}

export interface RecordedLayoutEntry {
  mountPoint: string;
  fileSystem: string;
  size: number;
  raidLevel?: number;
  extras?: { lv: { name: string } };
}

export function userDataDigest(userData: string): UserDataDigest {
  const bytes = Buffer.from(userData, "utf8");
  return { sha256: createHash("sha256").update(bytes).digest("hex"), length: bytes.length };
}

export function recordedRequest(request: InstallRequest): RecordedRequest {
  const c: RecordedRequest["customizations"] = {
    imageURL: redactUrl(request.image.url),
    imageType: request.image.type,
  };
  if (request.hostname !== undefined) c.hostname = request.hostname;
  if (request.image.checksum !== undefined) {
    c.imageCheckSum = request.image.checksum.value;
    c.imageCheckSumType = request.image.checksum.type;
  }
  const headers = Object.keys(request.image.httpHeaders);
  if (headers.length > 0) c.httpHeaders = Object.fromEntries(headers.map((name) => [name, REDACTED]));
  if (request.sshKey !== undefined) c.sshKey = request.sshKey;
  if (request.userData !== undefined) c.configDriveUserData = userDataDigest(request.userData);
  if (Object.keys(request.configDriveMetadata).length > 0) c.configDriveMetadata = { ...request.configDriveMetadata };
  if (request.efiBootloaderPath !== undefined) c.efiBootloaderPath = request.efiBootloaderPath;
  return {
    operatingSystem: request.operatingSystem,
    customizations: c,
    storage: request.storage.map(storageEntry),
  };
}

// A default layout is left out, as the request left it out: the planner fills it the same way.
function storageEntry(s: StorageRequest): RecordedRequest["storage"][number] {
  const partitioning: { disks?: number; layout?: RecordedLayoutEntry[] } = {};
  if (s.disks !== undefined) partitioning.disks = s.disks;
  if (!s.defaultLayout && s.layout.length > 0) partitioning.layout = s.layout.map(layoutEntry);
  return Object.keys(partitioning).length > 0
    ? { diskGroupId: s.diskGroupId, partitioning }
    : { diskGroupId: s.diskGroupId };
}

function layoutEntry(e: LayoutEntry): RecordedLayoutEntry {
  const out: RecordedLayoutEntry = { mountPoint: e.mountPoint, fileSystem: e.fileSystem, size: e.sizeMiB };
  if (e.raidLevel !== undefined) out.raidLevel = e.raidLevel;
  if (e.lvName !== undefined) out.extras = { lv: { name: e.lvName } };
  return out;
}
