// Reads `lsblk -J -b` into typed block devices. Only parsing lives here; which devices
// are install targets is decided in disks.ts.

import { z } from "zod";
import { InstallError } from "../errors.ts";

// The columns byol asks for, in order. NAME/PATH/TYPE identify the device; SIZE (bytes, -b),
// LOG-SEC, PHY-SEC, ROTA, RM, RO, HOTPLUG, TRAN, MODEL, SERIAL, WWN fill Disk; UUID, PARTUUID and LABEL
// let root=UUID=… / PARTUUID=… / LABEL=… on /proc/cmdline be matched; MOUNTPOINTS finds
// the rescue system's own disk; FSTYPE shows ZFS pool members (zfs_member, the pool's name as LABEL). The default tree output nests partitions and md/dm holders
// under "children", so a disk's whole subtree is at hand.
export const LSBLK_COLUMNS = [
  "NAME",
  "PATH",
  "TYPE",
  "SIZE",
  "LOG-SEC",
  "PHY-SEC",
  "ROTA",
  "RM",
  "RO",
  "HOTPLUG",
  "TRAN",
  "MODEL",
  "SERIAL",
  "WWN",
  "UUID",
  "PARTUUID",
  "FSTYPE",
  "LABEL",
  "MOUNTPOINTS",
] as const;

export const LSBLK_ARGV = ["lsblk", "-J", "-b", "-o", LSBLK_COLUMNS.join(",")] as const;

export interface BlockDevice {
  name: string;
  path: string;
  type: string; // disk, part, loop, rom, raid1, lvm, crypt ...
  sizeBytes: number;
  logicalSectorSize: number;
  physicalSectorSize: number;
  rotational: boolean;
  removable: boolean;
  readOnly: boolean;
  hotplug: boolean;
  transport?: string;
  model?: string;
  serial?: string;
  wwn?: string;
  uuid?: string;
  partuuid?: string;
  fstype?: string;
  label?: string;
  mountpoints: string[];
  children: BlockDevice[];
}

// util-linux 2.38 prints JSON numbers and booleans with -b; 2.33–2.36 printed "0"/"1" strings.
const flag = z.union([z.boolean(), z.enum(["0", "1"]).transform((s) => s === "1")]);
const count = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);
const text = z
  .string()
  .nullish()
  .transform((s) => (s?.trim() ? s.trim() : undefined));

const rawDevice = z.object({
  name: z.string().min(1),
  path: z.string().nullish(), // PATH exists since 2.33
  type: z.string(),
  size: count,
  "log-sec": count,
  "phy-sec": count,
  rota: flag,
  rm: flag,
  ro: flag,
  hotplug: flag.optional(), // asked for since byol added it; captures from before lack it
  tran: text,
  model: text,
  serial: text,
  wwn: text,
  uuid: text,
  partuuid: text,
  fstype: text.optional(), // asked for since ZFS; captures from before lack it
  label: text,
  mountpoints: z.array(z.string().nullable()).optional(), // 2.37+
  mountpoint: z.string().nullish(), // before 2.37
  get children() {
    return z.array(rawDevice).optional();
  },
});
type RawDevice = z.output<typeof rawDevice>;

const lsblkOutput = z.object({ blockdevices: z.array(rawDevice) });

// Drops the undefined optionals so results compare and serialise cleanly.
function toDevice(raw: RawDevice): BlockDevice {
  const mountpoints = [...(raw.mountpoints ?? []), raw.mountpoint].filter((m): m is string => !!m);
  const device: BlockDevice = {
    name: raw.name,
    path: raw.path ?? `/dev/${raw.name}`,
    type: raw.type,
    sizeBytes: raw.size,
    logicalSectorSize: raw["log-sec"],
    physicalSectorSize: raw["phy-sec"],
    rotational: raw.rota,
    removable: raw.rm,
    readOnly: raw.ro,
    hotplug: raw.hotplug ?? false,
    mountpoints,
    children: (raw.children ?? []).map(toDevice),
  };
  const optional = {
    transport: raw.tran,
    model: raw.model,
    serial: raw.serial,
    wwn: raw.wwn,
    uuid: raw.uuid,
    partuuid: raw.partuuid,
    fstype: raw.fstype,
    label: raw.label,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(device, { [key]: value });
  }
  return device;
}

// Parses the stdout of LSBLK_ARGV. A shape byol does not understand is a probe failure, not a guess.
export function parseLsblk(stdout: string): BlockDevice[] {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (error) {
    throw new InstallError("probe", "probe", `reading lsblk output: not JSON (${(error as Error).message})`);
  }
  const result = lsblkOutput.safeParse(json);
  if (!result.success) {
    const first = result.error.issues[0]!;
    const where = first.path.join(".");
    throw new InstallError("probe", "probe", `reading lsblk output: ${where}: ${first.message}`);
  }
  return result.data.blockdevices.map(toDevice);
}
