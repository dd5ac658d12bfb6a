// Step "boot-entries" for BYOI. UEFI: the ESP is the image's own (GPT type EF00, MBR 0xEF), found
// on the written disk; efiBootloaderPath must name a file on it, looked up with mtools (FAT is
// case-insensitive, and so is mtools' lookup), or the step fails listing the .efi files there.
// Then the ordinary boot-entries step makes the efibootmgr entry and applies --boot-order.
// Legacy BIOS: no entry; the ordinary step checks the MBR's boot code and warns.

import { findEsp, readDiskTable } from "../disk/byoi-table.ts";
import { InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { partitionDevice } from "../plan/disks.ts";
import type { BootEntriesStep } from "../plan/types.ts";
import { type BootEntriesOptions, bootEntries } from "./boot-entries.ts";
import type { TargetDisk } from "./byoi-inspect.ts";

const MTOOLS = { MTOOLS_SKIP_CHECK: "1" };

export type ByoiBootOptions = Omit<BootEntriesOptions, "disks" | "espMountPoint"> & { disk: TargetDisk };

export async function byoiBootEntries(ctx: RunContext, step: BootEntriesStep, opts: ByoiBootOptions): Promise<void> {
  const { disk, ...rest } = opts;
  const options: BootEntriesOptions = { ...rest, disks: [disk.path] };
  if (opts.firmware === "bios") return bootEntries(ctx, step, options);
  const esp = await findLoader(ctx, step, disk.path);
  return bootEntries(ctx, { ...step, espDevices: [esp] }, options);
}

// The ESP's device, once the loader is known to be on it.
export async function findLoader(ctx: RunContext, step: BootEntriesStep, disk: string): Promise<string> {
  const { table } = await readDiskTable(disk);
  const esp = findEsp(table);
  if (esp === undefined) {
    const message = `the image on ${disk} has no EFI system partition (GPT type EF00 or MBR type 0xEF): it cannot boot in UEFI mode`;
    throw new InstallError("boot", step.id, message);
  }
  const device = partitionDevice(disk, esp.number);
  if (step.loaderPath === undefined) return device;
  const image = `${disk}@@${esp.offset}`;
  const path = `::/${step.loaderPath.replace(/\\/g, "/").replace(/^\/+/, "")}`;
  const found = await ctx.runner.run(["mdir", "-b", "-i", image, path], {
    step: step.id,
    env: MTOOLS,
    okExitCodes: [0, 1],
  });
  if (found.exitCode === 0) return device;
  const listing = await ctx.runner.run(["mdir", "-/", "-b", "-i", image, "::/"], { step: step.id, env: MTOOLS });
  const efi = efiFiles(listing.stdout);
  const message = `efiBootloaderPath ${step.loaderPath} was not found on the EFI system partition ${device}; .efi files found there: ${efi.length === 0 ? "none" : efi.join(" ")}`;
  throw new InstallError("boot", step.id, message);
}

// `mdir -/ -b` lines ("::/EFI/debian/grubx64.efi") -> the .efi files as firmware paths.
export function efiFiles(listing: string): string[] {
  return listing
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /\.efi$/i.test(l))
    .map((l) => `\\${l.replace(/^::\/*/, "").replace(/\//g, "\\")}`);
}
