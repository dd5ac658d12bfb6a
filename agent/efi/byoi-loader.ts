// BYOI's ESP is the image's own (GPT type EF00, MBR 0xEF), found on the written disk;
// efiBootloaderPath must name a file on it, looked up with mtools (FAT is case-insensitive, and so
// is mtools' lookup), or the step fails listing the .efi files there.

import { findEsp, readDiskTable } from "../disk/byoi-table.ts";
import { InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { partitionDevice } from "../plan/disks.ts";
import type { ByoiBootEntriesStep } from "../plan/types.ts";

const MTOOLS = { MTOOLS_SKIP_CHECK: "1" };

// The ESP's device, once the loader is known to be on it.
export async function findLoader(
  ctx: RunContext,
  step: Pick<ByoiBootEntriesStep, "id" | "loaderPath">,
  disk: string,
): Promise<string> {
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
