// Replaying a recorded request on another machine: map the recorded target disks onto this
// machine's, and put back the secrets the record left out. Both refuse with every problem
// named, before anything is touched.

import { RequestError } from "../errors.ts";
import { groupDisks } from "../probe/groups.ts";
import type { Disk, Inventory } from "../probe/types.ts";
import { decodeUserData } from "../request/user-data.ts";
import { REDACTED, type RecordedRequest, type UserDataDigest, userDataDigest } from "./request-record.ts";

const GiB = 1024 ** 3;

export interface RecordedDisk {
  path: string;
  sizeBytes: number;
}

export interface DiskMapping {
  groupId: number;
  pairs: { recorded: RecordedDisk; disk: Disk }[];
}

// Each recorded target disk goes to the disk at the same position of one disk group here, which
// must have as many disks, each at least as large. The recorded group id is tried first.
export function mapDisks(recorded: readonly RecordedDisk[], inventory: Inventory, preferredGroup = 1): DiskMapping {
  const groups = groupDisks(inventory.disks).sort(
    (a, b) => (b.id === preferredGroup ? 1 : 0) - (a.id === preferredGroup ? 1 : 0),
  );
  const reasons: string[] = [];
  for (const group of groups) {
    if (group.disks.length < recorded.length) {
      reasons.push(`group ${group.id} (${list(group.disks)}) has ${group.disks.length} disk(s)`);
      continue;
    }
    const small = recorded.findIndex((r, i) => group.disks[i]!.sizeBytes < r.sizeBytes);
    if (small >= 0) {
      const here = group.disks[small]!;
      reasons.push(
        `group ${group.id}: ${here.path} (${gib(here.sizeBytes)}) is smaller than the recorded ${recorded[small]!.path} (${gib(recorded[small]!.sizeBytes)})`,
      );
      continue;
    }
    return { groupId: group.id, pairs: recorded.map((r, i) => ({ recorded: r, disk: group.disks[i]! })) };
  }
  const here = groups.length === 0 ? "this machine has no disk" : reasons.join("; ");
  throw new RequestError([`the recorded disks do not fit this machine: the record wrote ${list(recorded)}; ${here}`]);
}

export interface Resupplied {
  headers: Record<string, string>; // from --header
  imageUrl?: string; // --image-url
  userData?: string; // the content of --user-data FILE
  sshKey?: string; // --ssh-key: root's key on the installed system instead of the recorded one
}

export interface ReplayRequest {
  payload: unknown; // an OVH reinstall payload, for parseRequest
  notes: string[]; // what was changed, for the person replaying
}

// The recorded request with the secrets put back and the storage pointed at the mapped group.
export function replayPayload(recorded: RecordedRequest, given: Resupplied, mapping: DiskMapping): ReplayRequest {
  const c = { ...recorded.customizations } as Record<string, unknown>;
  const problems: string[] = [];
  const notes: string[] = [];

  if (given.imageUrl !== undefined) {
    c["imageURL"] = given.imageUrl;
    notes.push("image URL replaced by --image-url");
  } else if (hasMaskedCredentials(recorded.customizations.imageURL)) {
    problems.push(
      `the record's image URL had credentials, which were removed from it (${recorded.customizations.imageURL}); give --image-url URL`,
    );
  }

  const recordedHeaders = recorded.customizations.httpHeaders ?? {};
  const givenNames = new Set(Object.keys(given.headers).map((n) => n.toLowerCase()));
  const kept = Object.entries(recordedHeaders).filter(([, v]) => v !== REDACTED);
  const missing = Object.keys(recordedHeaders).filter(
    (n) => recordedHeaders[n] === REDACTED && !givenNames.has(n.toLowerCase()),
  );
  if (missing.length > 0 && given.imageUrl === undefined) {
    problems.push(
      `the record's httpHeaders ${missing.join(", ")} were removed from it; give them again with --header '${missing[0]}: …', or give --image-url URL`,
    );
  } else if (missing.length > 0) {
    notes.push(`httpHeaders ${missing.join(", ")} not sent (removed from the record, not given again)`);
  }
  const headers = { ...Object.fromEntries(kept.filter(([n]) => !givenNames.has(n.toLowerCase()))), ...given.headers };
  if (Object.keys(headers).length > 0) c["httpHeaders"] = headers;
  else delete c["httpHeaders"];

  if (given.sshKey !== undefined) {
    c["sshKey"] = given.sshKey;
    notes.push("sshKey replaced by --ssh-key");
  }

  const digest = recorded.customizations.configDriveUserData as UserDataDigest | string | undefined;
  if (given.userData !== undefined) {
    c["configDriveUserData"] = given.userData;
    if (typeof digest === "object" && userDataDigest(decodeUserData(given.userData)).sha256 !== digest.sha256) {
      notes.push(`--user-data differs from the recorded user data (${digest.length} bytes, sha256 ${digest.sha256})`);
    }
  } else if (typeof digest === "object") {
    problems.push(
      `the record's configDriveUserData (${digest.length} bytes, sha256 ${digest.sha256}) was removed from it; give it again with --user-data FILE`,
    );
  }
  if (problems.length > 0) throw new RequestError(problems);

  const storage = recorded.storage.map((s, i) => {
    if (i > 0) return s;
    if (recorded.operatingSystem === "byoi_64") return { diskGroupId: mapping.groupId };
    return { diskGroupId: mapping.groupId, partitioning: { ...s.partitioning, disks: mapping.pairs.length } };
  });
  return { payload: { operatingSystem: recorded.operatingSystem, customizations: c, storage }, notes };
}

// "Name: value", as curl takes it.
export function parseHeaderFlag(flag: string): [string, string] {
  const colon = flag.indexOf(":");
  const name = colon < 0 ? "" : flag.slice(0, colon).trim();
  if (name === "" || /\s/.test(name))
    throw new RequestError([`--header: expected 'Name: value', got a value without a name`]);
  return [name, flag.slice(colon + 1).trim()];
}

function hasMaskedCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.password === REDACTED || u.username === REDACTED;
  } catch {
    return url.includes(`${REDACTED}@`);
  }
}

function list(disks: readonly RecordedDisk[]): string {
  return disks.map((d) => `${d.path} (${gib(d.sizeBytes)})`).join(", ");
}

function gib(bytes: number): string {
  return `${(bytes / GiB).toFixed(1)} GiB`;
}
