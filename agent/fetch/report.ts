// What byol fetch found, as data (the result line's `image` with --json) and as text for a person.

import type { ImagePartition } from "../image/types.ts";
import type { InstallRequest } from "../request/types.ts";

const GIB = 1024 ** 3;
const RESCUE_KEEPS = 3 * GIB; // OVH's RAM rule: the image must be smaller than RAM minus 3 GiB

export interface FetchReport {
  output: string; // the file, absolute
  operatingSystem: InstallRequest["operatingSystem"];
  bytes: number; // downloaded
  checksum?: string; // the algorithm whose checksum matched; absent when the request has none
  format: "qcow2" | "raw"; // read from the content, equal to imageType
  virtualSize?: number; // bytes of the virtual disk
  table?: "gpt" | "mbr";
  sectorSize?: number; // byoi_64: the sector size the GPT was made for
  partitions?: ImagePartition[];
  fileSystem?: "ext4" | "xfs" | "btrfs"; // byolinux_64: of its one partition
  usedBytes?: number; // byolinux_64: used in that filesystem
  script?: true; // byolinux_64: make_image_bootable.sh is there and executable
  ram: Ram;
  notChecked: string[]; // the checks this machine could not make, each with why
}

// The RAM a server needs to install the image: install holds it in RAM, except a byoi_64 raw
// image, which is streamed onto the disk unless --image-staging ram.
export interface Ram {
  neededAboveBytes: number; // the server's RAM must be above this
  streamedByDefault: boolean;
}

export function ramNeeded(request: InstallRequest, bytes: number): Ram {
  const streamed = request.operatingSystem === "byoi_64" && request.image.type === "raw";
  return { neededAboveBytes: bytes + RESCUE_KEEPS, streamedByDefault: streamed };
}

export function formatReport(r: FetchReport): string {
  const lines: [string, string][] = [];
  const verified = r.checksum === undefined ? "no checksum in the request" : `${r.checksum} verified`;
  lines.push(["file", `${r.output} (${r.bytes} bytes, ${verified})`]);
  const disk = r.virtualSize === undefined ? "" : `, a ${mib(r.virtualSize)} virtual disk`;
  const self = r.format === "qcow2" ? "; no backing file, no external data file" : "";
  lines.push(["format", `${r.format}${disk}${self}`]);
  if (r.partitions !== undefined && r.table !== undefined) {
    const sectors = r.sectorSize === undefined ? "" : ` for ${r.sectorSize}-byte sectors`;
    const each = r.partitions.map((p) => `${p.number} at ${mib(p.offset)} (${mib(p.size)})`).join(", ");
    lines.push(["partitions", `${r.table.toUpperCase()}${sectors}: ${each || "none"}`]);
  }
  if (r.fileSystem !== undefined) {
    const used = r.usedBytes === undefined ? "" : `, ${mib(r.usedBytes)} used`;
    lines.push(["filesystem", `${r.fileSystem}${used}`]);
  }
  if (r.script === true) lines.push(["script", "/root/.ovh/make_image_bootable.sh is there and executable"]);
  lines.push(["RAM", ramText(r.ram)]);
  const text = lines.map(([k, v]) => `${k.padEnd(11)}${v}\n`).join("");
  const missing = r.notChecked.map((n) => `  - ${n}\n`).join("");
  const verdict =
    r.notChecked.length === 0
      ? "byol fetch: the image passes every check install makes before it touches a disk\n"
      : `not checked on this machine:\n${missing}byol fetch: the image passes the checks install makes before it touches a disk, as far as this machine can tell\n`;
  return `${text}${verdict}`;
}

function ramText(ram: Ram): string {
  const above = `more than ${gib(ram.neededAboveBytes)}`;
  if (ram.streamedByDefault) {
    return `none beyond the rescue's own: streamed onto the disk (--image-staging stream, the default); ${above} with --image-staging ram`;
  }
  return `a server needs ${above} to install it (the image is held in RAM, and the rescue keeps 3 GiB)`;
}

function mib(n: number): string {
  return `${Math.round(n / 1024 ** 2)} MiB`;
}

function gib(n: number): string {
  return `${(n / GIB).toFixed(1)} GiB`;
}
