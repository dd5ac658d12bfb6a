// The /dev/disk/by-* links udev would have made, computed from lsblk for a rescue system without
// udev. Scripts look disks up there (OVH's map a disk to its first by-id link for grub-pc's
// install_devices). Names follow udev's rules for the common cases: by-uuid, by-partuuid,
// by-label, by-partlabel, and by-id as ata-/nvme-/virtio-/scsi-/usb- MODEL_SERIAL, wwn-, md-uuid-
// and md-name-, partitions with -partN. Pure: lsblk's JSON in, links out.

import { z } from "zod";

export const DISK_LINKS_LSBLK = [
  "lsblk",
  "-J",
  "-p",
  "-o",
  "NAME,TYPE,FSTYPE,UUID,PARTUUID,LABEL,PARTLABEL,SERIAL,WWN,MODEL,TRAN",
] as const;

// lsblk reads file system ids from udev's database only; without udev they come from blkid's
// own probe (no cache file), merged over lsblk's.
export const DISK_LINKS_BLKID = ["blkid", "-c", "/dev/null", "-o", "export"] as const;

export interface DiskLink {
  dir: "by-uuid" | "by-partuuid" | "by-label" | "by-partlabel" | "by-id";
  name: string;
  device: string; // /dev/sda1
}

const text = z
  .string()
  .nullish()
  .transform((s) => (s == null || s.trim() === "" ? undefined : s.trim()));
const node = z.object({
  name: z.string(),
  type: z.string(),
  fstype: text,
  uuid: text,
  partuuid: text,
  label: text,
  partlabel: text,
  serial: text,
  wwn: text,
  model: text,
  tran: text,
  get children() {
    return z.array(node).optional();
  },
});
type Node = z.output<typeof node>;
const output = z.object({ blockdevices: z.array(node) });

export function diskLinks(lsblkJson: string, blkidExport = ""): DiskLink[] {
  const tree = output.parse(JSON.parse(lsblkJson)).blockdevices;
  const probed = parseBlkidExport(blkidExport);
  const links = new Map<string, DiskLink>(); // first one wins, as with udev's link priority ties
  const add = (dir: DiskLink["dir"], name: string | undefined, device: string) => {
    if (name === undefined || name === "") return;
    const key = `${dir}/${name}`;
    if (!links.has(key)) links.set(key, { dir, name, device });
  };
  const visit = (raw: Node, disk: { ids: string[] } | undefined, parents: Node[]) => {
    const p = probed.get(raw.name) ?? {};
    const n: Node = {
      ...raw,
      fstype: raw.fstype ?? p.TYPE,
      uuid: raw.uuid ?? p.UUID,
      partuuid: raw.partuuid ?? p.PARTUUID,
      label: raw.label ?? p.LABEL,
      partlabel: raw.partlabel ?? p.PARTLABEL,
    };
    const isMember = n.fstype === "linux_raid_member";
    add("by-uuid", isMember ? undefined : n.uuid, n.name);
    add("by-partuuid", n.partuuid, n.name);
    add("by-label", isMember || n.label === undefined ? undefined : encodeLabel(n.label), n.name);
    add("by-partlabel", n.partlabel === undefined ? undefined : encodeLabel(n.partlabel), n.name);
    let ids: string[] = [];
    if (n.type === "disk") ids = diskIds(n);
    else if (n.type === "part" && disk !== undefined) ids = disk.ids.map((id) => `${id}-part${partNumber(n.name)}`);
    else if (n.type.startsWith("raid")) ids = mdIds(parents);
    for (const id of ids) add("by-id", id, n.name);
    for (const child of n.children ?? []) visit(child, n.type === "disk" ? { ids } : disk, [n]);
  };
  for (const n of tree) visit(n, undefined, []);
  // An md array sits under every member; its links come from the first member seen (same uuid).
  return [...links.values()];
}

// `blkid -o export`: blocks of KEY=value lines, one block per device, values shell-escaped.
export function parseBlkidExport(text: string): Map<string, Record<string, string>> {
  const devices = new Map<string, Record<string, string>>();
  for (const block of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    for (const line of block.split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1).replace(/\\(.)/g, "$1");
    }
    if (fields.DEVNAME !== undefined) devices.set(fields.DEVNAME, fields);
  }
  return devices;
}

// The directory and relative target of a link, as udev writes them: /dev/disk/by-id/X -> ../../sda.
export function linkTarget(link: DiskLink): string {
  return `../../${link.device.replace(/^\/dev\//, "")}`;
}

function diskIds(n: Node): string[] {
  const ids: string[] = [];
  const serial = n.serial === undefined ? undefined : idPart(n.serial);
  const model = n.model === undefined ? undefined : idPart(n.model);
  const bus = busOf(n);
  if (serial !== undefined) {
    if (bus === "virtio") ids.push(`virtio-${serial}`);
    else if (bus !== undefined) ids.push(`${bus}-${model === undefined ? "" : `${model}_`}${serial}`);
  }
  if (n.wwn !== undefined) ids.push(`wwn-${n.wwn.startsWith("0x") || n.wwn.startsWith("eui.") ? n.wwn : `0x${n.wwn}`}`);
  return ids;
}

function busOf(n: Node): string | undefined {
  const tran = n.tran?.toLowerCase();
  if (tran === "sata" || tran === "ata") return "ata";
  if (tran === "nvme" || tran === "usb" || tran === "virtio") return tran;
  if (tran === "sas" || tran === "fc" || tran === "iscsi" || tran === "spi") return "scsi";
  const base = n.name.replace(/^\/dev\//, "");
  if (base.startsWith("vd")) return "virtio";
  if (base.startsWith("nvme")) return "nvme";
  if (base.startsWith("sd")) return "scsi";
  return undefined;
}

// udev's md-uuid- form (mdadm's 8:8:8:8) from the member's UUID as blkid prints it (8-4-4-4-12).
function mdIds(parents: Node[]): string[] {
  const member = parents.find((p) => p.fstype === "linux_raid_member");
  if (member === undefined) return [];
  const ids: string[] = [];
  const hex = member.uuid?.replace(/-/g, "");
  if (hex !== undefined && /^[0-9a-f]{32}$/i.test(hex)) ids.push(`md-uuid-${hex.match(/.{8}/g)?.join(":")}`);
  if (member.label !== undefined) ids.push(`md-name-${idPart(member.label)}`);
  return ids;
}

function partNumber(name: string): string {
  return /(\d+)$/.exec(name)?.[1] ?? "";
}

// Serial and model as udev puts them into by-id names: blanks become "_", and so does "/".
function idPart(s: string): string {
  return s.replace(/\s+/g, "_").replace(/\//g, "_");
}

// udev's label encoding (blkid_encode_string): ASCII outside a safe set as \xHH, UTF-8 kept.
export function encodeLabel(s: string): string {
  let out = "";
  for (const c of s) {
    const code = c.codePointAt(0) ?? 0;
    out += code >= 0x80 || /[0-9A-Za-z#+\-.:=@_]/.test(c) ? c : `\\x${code.toString(16).padStart(2, "0")}`;
  }
  return out;
}
