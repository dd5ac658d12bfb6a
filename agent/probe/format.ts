// `byol inventory` for a person: the disks as a table, then groups, firmware, RAM and md arrays.

import { groupDisks } from "./groups.ts";
import type { Disk, Inventory } from "./types.ts";

const GiB = 2 ** 30;
const TiB = 2 ** 40;

// 3.6 TiB, 894.3 GiB: binary units, as sgdisk and lsblk print them.
export function formatSize(bytes: number): string {
  return bytes >= TiB ? `${(bytes / TiB).toFixed(1)} TiB` : `${(bytes / GiB).toFixed(1)} GiB`;
}

// Left-aligned columns separated by two spaces; the last column is not padded.
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_c, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

// One table row per disk.
function diskRow(disk: Disk): string[] {
  return [
    disk.path,
    formatSize(disk.sizeBytes),
    `${disk.logicalSectorSize}/${disk.physicalSectorSize}`,
    disk.rotational ? "yes" : "no",
    disk.transport ?? "-",
    disk.model ?? "-",
    disk.serial ?? "-",
  ];
}

// "1: /dev/sda /dev/sdb (2 x 3.6 TiB, hdd, sata, 512 B sectors)"
function groupLines(inv: Inventory): string[] {
  return groupDisks(inv.disks).map(({ id, disks }) => {
    const first = disks[0]!;
    const kind = [first.rotational ? "hdd" : "ssd", first.transport, `${first.logicalSectorSize} B sectors`];
    const summary = `${disks.length} x ${formatSize(first.sizeBytes)}, ${kind.filter(Boolean).join(", ")}`;
    return `  ${id}: ${disks.map((d) => d.path).join(" ")} (${summary})`;
  });
}

// The whole inventory as text, ending with a newline.
export function formatInventory(inv: Inventory): string {
  const header = ["PATH", "SIZE", "LOG/PHY", "ROTA", "TRAN", "MODEL", "SERIAL"];
  const lines = inv.disks.length > 0 ? table([header, ...inv.disks.map(diskRow)]) : ["no target disks found"];
  if (inv.rescueDisk) lines.push(`(${inv.rescueDisk} holds the rescue system and is not a target)`);
  for (const disk of inv.excluded ?? []) {
    const what = [formatSize(disk.sizeBytes), disk.transport, disk.model].filter(Boolean).join(", ");
    lines.push(`(${disk.path} excluded, never a target: ${disk.reasons.join(", ")}; ${what})`);
  }
  lines.push("", "Disk groups:", ...(inv.disks.length > 0 ? groupLines(inv) : ["  none"]));
  lines.push("", `Firmware: ${inv.firmware === "uefi" ? "UEFI" : "legacy BIOS"}`);
  lines.push(`RAM: ${formatSize(inv.memoryBytes)}`);
  lines.push("", "md arrays:");
  if (inv.mdArrays.length === 0) lines.push("  none");
  for (const md of inv.mdArrays) {
    lines.push(`  ${md.device}: ${md.level ?? "inactive"} ${md.members.join(" ")}`.trimEnd());
  }
  if (inv.zfsPools !== undefined && inv.zfsPools.length > 0) {
    lines.push("", "ZFS pools (zfs_member partitions):");
    for (const pool of inv.zfsPools) lines.push(`  ${pool.name}: ${pool.members.join(" ")}`);
  }
  return `${lines.join("\n")}\n`;
}
