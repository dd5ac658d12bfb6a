// Boot entries for an installed system. UEFI: copies the first ESP to the other disks' ESPs, then
// one efibootmgr entry per ESP for the loader the image installed, older entries of the same label
// removed first, and the BootOrder set by policy. Legacy BIOS: checks that GRUB is on every target
// disk, and warns about a disk that would not boot on its own. Shared by the BYOLinux and BYOI
// boot-entries steps.

import { open, readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import type { BootEntriesStep } from "../plan/types.ts";
import { allZero, biosBootStart, gptHeader, gptSectorSize, hasGrubBootCode } from "./bios-boot.ts";
import { type BootOrderPolicy, nextBootOrder } from "./boot-order.ts";
import { type BootMgrState, parseBootMgr } from "./bootmgr.ts";
import { detectLoader, loaderDistro, toFirmwarePath } from "./loader.ts";
import { partitionOf } from "./partition-of.ts";

const ESP_MOUNT_POINT = "/tmp/a/boot/efi";

export interface BootEntriesOptions {
  bootOrder: BootOrderPolicy;
  firmware: "uefi" | "bios";
  disks: string[]; // target disks
  hostname?: string; // names the entries: "byol <hostname> (sda)"; default the loader's distribution
  espMountPoint?: string; // where the first ESP is mounted; default /tmp/a/boot/efi
}

export type EntriesStep = Pick<BootEntriesStep, "id" | "espDevices" | "loaderPath">;

export async function makeBootEntries(ctx: RunContext, step: EntriesStep, opts: BootEntriesOptions): Promise<void> {
  if (opts.firmware === "bios") return checkBiosBoot(ctx, step, opts.disks);
  const [first, ...others] = step.espDevices;
  if (first === undefined) {
    const message = "no EFI system partition to make a boot entry for; the boot order is left as it is";
    ctx.events.emit({ step: step.id, phase: "log", level: "warn", message });
    return;
  }
  const esp = opts.espMountPoint ?? ESP_MOUNT_POINT;
  const loader = step.loaderPath !== undefined ? toFirmwarePath(step.loaderPath) : detectLoader(await filesOf(esp));
  if (loader === undefined) {
    const message = `no EFI boot loader on ${first}: looked for \\EFI\\<distribution>\\shimx64.efi, \\EFI\\<distribution>\\grubx64.efi and \\EFI\\BOOT\\BOOTX64.EFI (make_image_bootable.sh must install one)`;
    throw new InstallError("boot", step.id, message);
  }
  // Before the entries exist, so every entry points at a complete ESP.
  await syncEsps(ctx, step.id, esp, others);
  const name = opts.hostname ?? loaderDistro(loader) ?? "linux";
  const wanted = step.espDevices.map((device) => {
    const { disk, number } = partitionOf(device, opts.disks);
    return { device, disk, number, label: `byol ${name} (${basename(disk)})` };
  });

  const efibootmgr = async (...args: string[]) =>
    (await ctx.runner.run(["efibootmgr", ...args], { step: step.id })).stdout;
  const before = parseBootMgr(await efibootmgr("-v"));
  const labels = new Set(wanted.map((w) => w.label));
  for (const old of before.entries.filter((e) => labels.has(e.label))) await efibootmgr("-b", old.num, "-B");
  for (const w of wanted) await efibootmgr("-c", "-d", w.disk, "-p", String(w.number), "-L", w.label, "-l", loader);

  const after = parseBootMgr(await efibootmgr("-v"));
  const created = wanted.map((w) => createdEntry(after, w.label, step.id));
  const order = nextBootOrder(after, created, opts.bootOrder);
  if (order.join(",") !== after.bootOrder.join(",")) await efibootmgr("-o", order.join(","));

  const made = wanted.map((w, i) => `Boot${created[i]} "${w.label}" ${loader} on ${w.device}`).join("; ");
  const message = `boot entries: ${made}; BootOrder ${order.join(",")} (${opts.bootOrder})`;
  ctx.events.emit({ step: step.id, phase: "log", level: "info", message });
}

// The number efibootmgr gave the entry labelled `label` (the newest if the firmware kept two).
function createdEntry(state: BootMgrState, label: string, step: string): string {
  const nums = state.entries.filter((e) => e.label === label).map((e) => e.num);
  const num = nums.sort().at(-1);
  if (num === undefined) throw new InstallError("boot", step, `efibootmgr created no entry "${label}"`);
  return num;
}

// Every file under the mounted ESP, relative to it, with "/" separators; none if it is not there.
async function filesOf(esp: string): Promise<string[]> {
  const entries = await readdir(esp, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(esp.length + 1));
}

// Copies the first ESP's tree onto the other ESPs with mtools, as the config drive is written:
// no vfat mount, so nothing is left mounted if this fails, and no mount point to clean up.
// mcopy -s recurses, -o overwrites what the script may have copied there already, -m keeps times.
export async function syncEsps(ctx: RunContext, step: string, esp: string, targets: readonly string[]): Promise<void> {
  if (targets.length === 0) return;
  const top = (await readdir(esp)).sort();
  if (top.length === 0) return;
  for (const device of targets) {
    const sources = top.map((name) => join(esp, name));
    await ctx.runner.run(["mcopy", "-s", "-o", "-m", "-i", device, ...sources, "::/"], {
      step,
      env: { MTOOLS_SKIP_CHECK: "1" },
    });
  }
}

// Legacy BIOS: the firmware runs the MBR's boot code, so each target disk needs GRUB there.
async function checkBiosBoot(
  ctx: RunContext,
  step: Pick<BootEntriesStep, "id">,
  disks: readonly string[],
): Promise<void> {
  for (const disk of disks) {
    const problem = await biosBootProblem(disk).catch((error: Error) => `cannot read it: ${error.message}`);
    if (problem === undefined) continue;
    const message = `${disk}: ${problem}; the server may not boot from this disk`;
    ctx.events.emit({ step: step.id, phase: "log", level: "warn", message });
  }
}

// What is missing for GRUB to boot `disk` in legacy BIOS mode, or undefined when nothing is.
export async function biosBootProblem(disk: string): Promise<string | undefined> {
  const file = await open(disk, "r");
  try {
    const read = async (position: bigint, length: number) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    };
    const head = await read(0n, 8192);
    if (!hasGrubBootCode(head)) return "no GRUB boot code in its MBR (did the script run grub-install on it?)";
    const sectorSize = gptSectorSize(head);
    if (sectorSize === undefined) {
      // MBR: GRUB's core.img is embedded right after the MBR.
      return allZero(head.subarray(512, 1024)) ? "nothing embedded after its MBR (GRUB's core.img)" : undefined;
    }
    const header = gptHeader(head, sectorSize);
    const size = Math.min(header.entryCount * header.entrySize, 1024 * 1024);
    const start = biosBootStart(await read(header.entriesLba * BigInt(sectorSize), size), header);
    if (start === undefined) return "GPT without a BIOS boot partition (ef02) for GRUB's core.img";
    const core = await read(start * BigInt(sectorSize), 512);
    return core.length === 0 || allZero(core) ? "its BIOS boot partition is empty (no GRUB core.img)" : undefined;
  } finally {
    await file.close();
  }
}
