// BYOI's checks of an image, before its disk is touched (each refusal ends the run with exit 3):
//   1. its real format (magic numbers) is the request's imageType;
//   2. qcow2: no backing file, no external data file, nothing encrypted or unknown (byol's header
//      parser, cross-checked by `qemu-img info` on a copy of the header alone);
//   3. its (virtual) size fits the disk;
//   4. its first MiB holds a partition table, made for the disk's sector size.
// A streamed raw image is checked by the same functions from its size (Content-Length) and its
// first MiB as it arrives (agent/steps/write-image.ts); a RAM copy by inspectByoi().

import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InstallError, PartitionTableError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { detectFormat } from "../image/format.ts";
import { type PartitionTable, parsePartitionTable } from "../image/partitions.ts";
import type { Qcow2Header } from "../image/qcow2.ts";
import { readHead, readVirtual } from "../image/read.ts";
import { formatMismatch } from "../image/refusals.ts";
import type { ImageState } from "../image/types.ts";
import type { InspectStep } from "../plan/types.ts";
import { checkQcow2, refuser } from "./inspect.ts";

const MAX_CLUSTER = 2 * 1024 * 1024;
const TABLE_BYTES = 1024 * 1024;
const SCRATCH = "/dev/shm/byol-inspect-";

export interface TargetDisk {
  path: string;
  sizeBytes: number;
  logicalSectorSize: number;
}

export interface ByoiInspection {
  format: "qcow2" | "raw";
  virtualSize: number;
  // absent when the virtual disk of a qcow2 could not be read (qemuImg false)
  table?: PartitionTable & { table: "gpt" | "mbr" };
}

// The RAM copy of a BYOI image (qcow2, or raw staged with --image-staging ram). Without a `disk`
// (byol fetch: no target here), the checks against the disk (size, sector size) are left out;
// `qemuImg: false` (a machine without qemu-img) stops a qcow2 after byol's own header checks.
export async function inspectByoi(
  ctx: RunContext,
  step: InspectStep,
  image: ImageState,
  disk?: TargetDisk,
  opts: { qemuImg?: boolean } = {},
): Promise<ByoiInspection> {
  const file = image.file;
  if (file === undefined) throw new Error("inspect: no downloaded image (the download step did not run)");
  const refuse = refuser(step.id);
  const head = await readHead(file, MAX_CLUSTER);
  refuse(formatMismatch(detectFormat(head), step.imageType));
  const format = step.imageType;
  const virtualSize =
    format === "qcow2" ? (await checkQcow2Header(ctx, step.id, head, opts)).virtualSize : (await stat(file)).size;
  if (disk !== undefined) refuse(sizeRefusal(virtualSize, disk));
  if (format === "qcow2" && opts.qemuImg === false) return { format, virtualSize };
  await using scratch = await scratchDir();
  const first = await readVirtual(ctx, step.id, { file, format }, 0, TABLE_BYTES, scratch.path);
  const table = await checkTable(ctx, step.id, first, disk, format);
  const where = disk === undefined ? "" : ` on ${disk.path} of ${disk.sizeBytes} bytes`;
  const message = `${format} image: ${virtualSize} bytes${where}, ${table.table.toUpperCase()} with ${table.partitions.length} partition(s)`;
  ctx.events.emit({ step: step.id, phase: "log", level: "info", message });
  return { format, virtualSize, table };
}

// OVH's wording; `bytes` null when the size was not announced and the body outgrew the disk.
export function tooBigMessage(bytes: number | null, disk: Pick<TargetDisk, "path" | "sizeBytes">): string {
  const size = bytes === null ? `more than ${disk.sizeBytes}` : String(bytes);
  return `image provided has a size of ${size} bytes which is larger than ${disk.path} of ${disk.sizeBytes} bytes`;
}

export function sizeRefusal(bytes: number, disk: Pick<TargetDisk, "path" | "sizeBytes">): string | undefined {
  return bytes > disk.sizeBytes ? tooBigMessage(bytes, disk) : undefined;
}

// The partition table in the image's first MiB; refuses an image without one (saying what it
// seems to hold instead), with a damaged one, or with one made for another sector size.
export async function checkTable(
  ctx: Pick<RunContext, "runner">,
  step: string,
  head: Uint8Array,
  disk: Pick<TargetDisk, "path" | "logicalSectorSize"> | undefined,
  format: "qcow2" | "raw" = "raw",
): Promise<PartitionTable & { table: "gpt" | "mbr" }> {
  const refuse = refuser(step);
  let table: PartitionTable;
  try {
    table = parsePartitionTable(head);
  } catch (error) {
    if (!(error instanceof PartitionTableError)) throw error;
    throw new InstallError("image", step, `image provided has a damaged partition table: ${error.message}`);
  }
  if (table.table === "none") {
    const seems = await describeContent(ctx, step, head);
    refuse(
      `image provided format is not of type ${format} because no partition table was found. It seems to contain: ${seems}`,
    );
    throw new Error("unreachable");
  }
  if (disk !== undefined && table.table === "gpt" && table.sectorSize !== disk.logicalSectorSize) {
    refuse(
      `image provided has a GPT made for ${table.sectorSize}-byte sectors, but ${disk.path} has ${disk.logicalSectorSize}-byte sectors`,
    );
  }
  return table;
}

// What blkid finds in a copy of the head (a filesystem, an ISO, LUKS...), or the format's magic, or "data" as file(1) says.
export async function describeContent(
  ctx: Pick<RunContext, "runner">,
  step: string,
  head: Uint8Array,
): Promise<string> {
  await using scratch = await scratchDir();
  const copy = join(scratch.path, "head");
  await writeFile(copy, head, { mode: 0o600 });
  const out = await ctx.runner.run(["blkid", "-p", "-o", "export", copy], { step, okExitCodes: [0, 2] });
  const found = parseBlkidExport(out.stdout);
  if (found.TYPE !== undefined)
    return [found.TYPE, found.USAGE && `(${found.USAGE})`, found.LABEL && `label ${found.LABEL}`]
      .filter(Boolean)
      .join(" ");
  if (found.PTTYPE !== undefined) return `a ${found.PTTYPE} partition table byol cannot read`;
  const format = detectFormat(head);
  return format === "raw" ? "data" : `${format} image`;
}

// `blkid -o export` lines: KEY=value.
export function parseBlkidExport(text: string): Record<string, string | undefined> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

// The qcow2 header checks of the byolinux inspection, in a scratch directory of BYOI's own.
async function checkQcow2Header(
  ctx: RunContext,
  step: string,
  head: Buffer,
  opts: { qemuImg?: boolean },
): Promise<Qcow2Header> {
  await using scratch = await scratchDir();
  return await checkQcow2(ctx, step, head, scratch.path, refuser(step), opts);
}

async function scratchDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await mkdtemp(SCRATCH);
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}
