// The installed system's /etc/fstab: the plan's filesystems by UUID, then the image's own lines
// that are not about its old disk (tmpfs, proc, bind mounts, network filesystems). Pure.
// A mount point with a space or a backslash is written with fstab's octal escapes (\040, \134).

import { escapeMountField, unescapeMountField } from "../probe/mounts.ts";

export interface FstabLine {
  uuid: string;
  mountPoint: string; // "/", "/boot", "/boot/efi" or "swap"
  fileSystem: string;
  options: string;
  dump: number;
  pass: number;
}

const DEVICE_SOURCE = /^(UUID|LABEL|PARTUUID|PARTLABEL|ID)=|^\/dev\//;

// `zfs`: the mount points of this install's ZFS datasets, which zfs-mount mounts (no line of their own).
export function buildFstab(ours: readonly FstabLine[], imageFstab: string | undefined, zfs: readonly string[] = []) {
  const lines = ["# /etc/fstab written by byol: the filesystems of this install, by UUID"];
  for (const e of ours) {
    const where = e.mountPoint === "swap" ? "none" : escapeMountField(e.mountPoint);
    lines.push([`UUID=${e.uuid}`, where, e.fileSystem, e.options, e.dump, e.pass].join("\t"));
  }
  if (zfs.length > 0)
    lines.push(`# ZFS datasets, mounted by zfs-mount once their pools are imported: ${zfs.join(" ")}`);
  const kept = keptImageLines([...ours, ...zfs.map((mountPoint) => ({ mountPoint }))], imageFstab ?? "");
  if (kept.length > 0) lines.push("", "# kept from the image's own /etc/fstab", ...kept);
  return `${lines.join("\n")}\n`;
}

// The image's lines that still make sense on the new disks: not a block device of the old layout,
// not swap, and not a mount point this install mounts itself.
export function keptImageLines(ours: readonly Pick<FstabLine, "mountPoint">[], text: string): string[] {
  const taken = new Set(["/", "/boot", "/boot/efi", ...ours.map((e) => e.mountPoint)]);
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => {
      if (l === "" || l.startsWith("#")) return false;
      const [source = "", target = "", type = ""] = l.split(/\s+/);
      if (target === "" || DEVICE_SOURCE.test(source)) return false;
      return type !== "swap" && !taken.has(unescapeMountField(target).replace(/\/+$/, "") || "/");
    });
}
