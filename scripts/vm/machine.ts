// The machine a VM test run boots, read from a JSON file such as test/vm/machine.json.
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { DiskRequest } from "./disks.ts";
import type { ShareRequest } from "./rescue-vm.ts";

export interface MachineSpec {
  firmware: "uefi" | "bios";
  memoryMiB?: number;
  cpus?: number;
  disks: DiskRequest[];
  shares: ShareRequest[];
}

// Parses and checks a machine description; share host paths are taken relative to baseDir.
export function parseMachine(text: string, baseDir: string): MachineSpec {
  const raw = JSON.parse(text) as Partial<MachineSpec>;
  if (raw.firmware !== "uefi" && raw.firmware !== "bios") {
    throw new Error(`machine: firmware must be "uefi" or "bios", got ${JSON.stringify(raw.firmware)}`);
  }
  if (!Array.isArray(raw.disks) || raw.disks.length === 0) throw new Error("machine: disks must be a non-empty array");
  for (const [i, d] of raw.disks.entries()) {
    if (typeof d.sizeGiB !== "number" || d.sizeGiB <= 0) throw new Error(`machine: disks[${i}].sizeGiB must be > 0`);
    if (d.logicalBlockSize !== undefined && d.logicalBlockSize !== 512 && d.logicalBlockSize !== 4096) {
      throw new Error(`machine: disks[${i}].logicalBlockSize must be 512 or 4096, got ${d.logicalBlockSize}`);
    }
    if (d.bus !== undefined && d.bus !== "virtio" && d.bus !== "usb") {
      throw new Error(`machine: disks[${i}].bus must be "virtio" or "usb", got ${JSON.stringify(d.bus)}`);
    }
  }
  const shares = (raw.shares ?? []).map((s) => ({ ...s, hostPath: resolve(baseDir, s.hostPath) }));
  return { firmware: raw.firmware, memoryMiB: raw.memoryMiB, cpus: raw.cpus, disks: raw.disks, shares };
}

// Reads a machine file; relative share paths are relative to repoRoot.
export async function readMachine(path: string, repoRoot = dirname(path)): Promise<MachineSpec> {
  return parseMachine(await readFile(path, "utf8"), repoRoot);
}
