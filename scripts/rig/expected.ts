// What the installed system must look like, derived from the scenario's OVH request and machine alone
// (not from byol's planner, so the rig judges byol rather than repeating it). No I/O here.

import type { ScenarioMachine } from "./scenario.ts";
import { reinstallForm } from "./secrets.ts";

export type FileSystem = "ext4" | "xfs" | "btrfs" | "zfs" | "swap";

/** One layout entry as the booted system must show it. */
export interface ExpectedEntry {
  mountPoint: string; // "swap" for swap
  fileSystem: FileSystem;
  raidLevel?: number;
  lvName?: string;
  /** zfs: the pool named in extras.zp.name (byol generates one when it is absent). */
  zfsPool?: string;
  /** Swap devices this entry adds: one per disk for the default layout's swap on 2+ disks. */
  swapDevices: number;
}

export interface ExpectedSystem {
  operatingSystem: "byolinux_64" | "byoi_64";
  hostname?: string;
  /** The user data as cloud-init receives it (decoded when base64), if the request has any. */
  userData?: string;
  sshKey?: string;
  firmware: "uefi" | "bios";
  /** Empty for byoi_64: the image brings its own layout (then only "/" is checked). */
  entries: ExpectedEntry[];
  diskCount: number;
}

interface LayoutPayload {
  mountPoint?: unknown;
  fileSystem?: unknown;
  raidLevel?: unknown;
  extras?: { lv?: { name?: unknown }; zp?: { name?: unknown } };
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

// The disks of group 1 as byol groups them: the first disk and every disk of the same size and block size.
export function groupDiskCount(machine: ScenarioMachine): number {
  const [first] = machine.disks;
  if (first === undefined) return 0;
  const same = (d: (typeof machine.disks)[number]) =>
    d.sizeGiB === first.sizeGiB && (d.logicalBlockSize ?? 512) === (first.logicalBlockSize ?? 512);
  return machine.disks.filter(same).length;
}

// OVH's default layout: /boot ext4 1 GiB, swap 1 GiB, / ext4 filling; RAID1 and swap on every disk with 2+ disks.
export function defaultEntries(diskCount: number): ExpectedEntry[] {
  const mirror = diskCount >= 2;
  const raid = mirror ? { raidLevel: 1 } : {};
  return [
    { mountPoint: "/boot", fileSystem: "ext4", ...raid, swapDevices: 0 },
    { mountPoint: "swap", fileSystem: "swap", swapDevices: mirror ? diskCount : 1 },
    { mountPoint: "/", fileSystem: "ext4", ...raid, swapDevices: 0 },
  ];
}

// The decoded user data: strict base64 of UTF-8 text is decoded (as byol does), anything else is taken as is.
export function decodeUserData(value: string): string {
  const compact = value.replace(/\r?\n/g, "");
  if (compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(compact, "base64"));
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters mean binary, not text
      if (!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) return text;
    } catch {}
  }
  return value;
}

// The expected system of a substituted request on a machine.
export function expectedSystem(payload: Record<string, unknown>, machine: ScenarioMachine): ExpectedSystem {
  const request = reinstallForm(payload);
  const os = request["operatingSystem"] === "byoi_64" ? "byoi_64" : "byolinux_64";
  const c = (request["customizations"] ?? {}) as Record<string, unknown>;
  const storage = Array.isArray(request["storage"]) ? (request["storage"] as Record<string, unknown>[]) : [];
  const groupDisks = groupDiskCount(machine);
  const first = (storage[0]?.["partitioning"] ?? {}) as { disks?: unknown; layout?: unknown };
  const diskCount = typeof first.disks === "number" ? first.disks : groupDisks;
  let entries: ExpectedEntry[] = [];
  if (os === "byolinux_64") {
    const layouts = storage
      .map((g) => (g["partitioning"] as { layout?: unknown } | undefined)?.layout)
      .filter((l): l is LayoutPayload[] => Array.isArray(l));
    entries = layouts.length === 0 ? defaultEntries(diskCount) : layouts.flat().map(toEntry);
  }
  const out: ExpectedSystem = { operatingSystem: os, firmware: machine.firmware, entries, diskCount };
  const hostname = str(c["hostname"]);
  if (hostname !== undefined) out.hostname = hostname;
  const userData = str(c["configDriveUserData"]);
  if (userData !== undefined) out.userData = decodeUserData(userData);
  const sshKey = str(c["sshKey"]);
  if (sshKey !== undefined) out.sshKey = sshKey.trim();
  return out;
}

function toEntry(e: LayoutPayload): ExpectedEntry {
  const fileSystem = (str(e.fileSystem) ?? "ext4") as FileSystem;
  const entry: ExpectedEntry = {
    mountPoint: fileSystem === "swap" ? "swap" : (str(e.mountPoint) ?? "?"),
    fileSystem,
    swapDevices: fileSystem === "swap" ? 1 : 0,
  };
  if (typeof e.raidLevel === "number") entry.raidLevel = e.raidLevel;
  else if (fileSystem === "zfs") entry.raidLevel = 1; // OVH: a ZFS entry without raidLevel is a mirror
  const lv = str(e.extras?.lv?.name);
  if (lv !== undefined) entry.lvName = lv;
  const zp = str(e.extras?.zp?.name);
  if (zp !== undefined) entry.zfsPool = zp;
  return entry;
}
