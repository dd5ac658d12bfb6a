// The probe: what this machine has, as an Inventory. Disks come from lsblk through the
// runner (so they are journaled); the rest is read from /proc and /sys.

import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Runner } from "../exec/types.ts";
import { selectDisks } from "./disks.ts";
import { type BlockDevice, LSBLK_ARGV, parseLsblk } from "./lsblk.ts";
import { parseMdstat } from "./mdstat.ts";
import { parseMeminfo } from "./meminfo.ts";
import { parseMounts } from "./mounts.ts";
import { readNics } from "./nics.ts";
import type { Firmware, Inventory, ZfsPool } from "./types.ts";

export interface ProbeOptions {
  root?: string; // prefix for /proc and /sys, so tests can point at a fixture tree; default "/"
}

// A file's text, or `fallback` when it does not exist (no md module means no /proc/mdstat).
async function readOr(path: string, fallback: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return fallback;
    throw error;
  }
}

// The kernel creates /sys/firmware/efi only when it was booted by UEFI.
async function detectFirmware(root: string): Promise<Firmware> {
  try {
    await access(join(root, "sys/firmware/efi"));
    return "uefi";
  } catch {
    return "bios";
  }
}

// Probes the machine. Reads only; never writes anything.
export async function probe(runner: Runner, options: ProbeOptions = {}): Promise<Inventory> {
  const root = options.root ?? "/";
  const lsblk = await runner.run(LSBLK_ARGV, { step: "probe" });
  const cmdline = await readOr(join(root, "proc/cmdline"), "");
  const devices = parseLsblk(lsblk.stdout);
  const { disks, excluded, rescueDisk } = selectDisks(devices, cmdline);
  const inventory: Inventory = {
    firmware: await detectFirmware(root),
    memoryBytes: parseMeminfo(await readFile(join(root, "proc/meminfo"), "utf8")),
    gptBoot: true,
    disks,
    mdArrays: parseMdstat(await readOr(join(root, "proc/mdstat"), "")),
    mounts: parseMounts(await readFile(join(root, "proc/self/mounts"), "utf8")),
    nics: await readNics(join(root, "sys/class/net")),
  };
  const pools = zfsPools(devices);
  if (pools.length > 0) inventory.zfsPools = pools;
  if (rescueDisk !== undefined) inventory.rescueDisk = rescueDisk;
  inventory.excluded = excluded;
  return inventory;
}

// ZFS pools from their members' FSTYPE (zfs_member) and LABEL (the pool's name), anywhere in the tree.
export function zfsPools(devices: BlockDevice[]): ZfsPool[] {
  const pools = new Map<string, string[]>();
  const walk = (d: BlockDevice) => {
    if (d.fstype === "zfs_member" && d.label !== undefined) pools.set(d.label, [...(pools.get(d.label) ?? []), d.path]);
    for (const child of d.children) walk(child);
  };
  for (const d of devices) walk(d);
  return [...pools].map(([name, members]) => ({ name, members }));
}
