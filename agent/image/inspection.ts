// The inspections of a downloaded image, before any disk is touched; each refusal ends the run with
// exit 3. Used by the inspect and byoi-inspect steps and by byol fetch.
//
// BYOLinux (inspectImage), in order:
//   1. its real format (magic numbers) must be the request's imageType;
//   2. qcow2: no backing file, no external data file, nothing encrypted or unknown, read from the
//      header by byol and cross-checked by `qemu-img info` on a copy of the header alone, so qemu
//      never opens the image itself before it is known to be self-contained;
//   3. exactly one partition in its table (read from the virtual disk's first MiB);
//   4. that partition holds ext4, xfs or btrfs (superblock magic);
//   5. /root/.ovh/make_image_bootable.sh is there and executable, looked up with the partition
//      mounted read-only (no journal replay) from a read-only view of the virtual disk, and
//      everything released again before the step ends.
// BYOI (inspectByoi): 1 and 2, then its (virtual) size fits the disk and its first MiB holds a
// partition table made for the disk's sector size. A streamed raw image is checked by the same
// functions (./checks.ts, ./refusals.ts) as it arrives (agent/steps/write-image.ts).

import { mkdir, mkdtemp, stat, statfs } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { TargetDisk } from "../disk/byoi-table.ts";
import { PartitionTableError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import type { ByoiInspectStep, InspectStep } from "../plan/types.ts";
import { checkQcow2, checkTable, describeInspection, refuser, scratchDir } from "./checks.ts";
import { defaultVia, mountImagePartition, removeScratch, type Via } from "./expose.ts";
import { detectFileSystem, SUPERBLOCK_BYTES } from "./filesystem.ts";
import { detectFormat } from "./format.ts";
import { type PartitionTable, parsePartitionTable } from "./partitions.ts";
import type { Qcow2Header } from "./qcow2.ts";
import { readHead, readVirtual } from "./read.ts";
import {
  diskSizeRefusal,
  fileSystemRefusal,
  formatMismatch,
  isImageFileSystem,
  partitionRefusal,
  SCRIPT_PATH,
  scriptRefusal,
} from "./refusals.ts";
import { lookupScript } from "./script.ts";
import type { ImageFileSystem, ImagePartition, ImageState, Inspection } from "./types.ts";

const MAX_CLUSTER = 2 * 1024 * 1024; // qcow2 cluster_bits <= 21: the header and its extensions fit in this
const TABLE_BYTES = 1024 * 1024;

export interface InspectOptions {
  via?: Via; // how a qcow2's virtual disk is read for the script check; default FUSE if available
}

// The BYOLinux inspection (checks 1 to 5) of the downloaded copy; fills image.inspection.
export async function inspectImage(
  ctx: RunContext,
  step: Pick<InspectStep, "id" | "imageType">,
  image: ImageState,
  opts: InspectOptions = {},
): Promise<Inspection> {
  const file = image.file;
  if (file === undefined) throw new Error("inspect: no downloaded image (the download step did not run)");
  const scratch = await mkdtemp(join(dirname(file), ".inspect-"));
  try {
    const { format, virtualSize, layout } = await examine(ctx, step.id, { file, imageType: step.imageType, scratch });
    if (layout === undefined) throw new Error("unreachable: qemu-img read the virtual disk");
    const { usedBytes, script } = await lookInside(
      ctx,
      step.id,
      { file, format },
      layout.partition,
      layout.fileSystem,
      {
        via: opts.via ?? defaultVia(),
        scratch,
      },
    );
    refuser(step.id)(scriptRefusal(script));
    const inspection: Inspection = { format, virtualSize, ...layout, usedBytes };
    ctx.events.emit({ step: step.id, phase: "log", level: "info", message: describeInspection(inspection) });
    image.inspection = inspection;
    return inspection;
  } finally {
    await removeScratch(scratch);
  }
}

export interface Examined {
  format: "qcow2" | "raw";
  virtualSize: number;
  // the table, its one partition and that partition's filesystem; absent when qemu-img was not
  // to be used (qemuImg false), so the virtual disk of a qcow2 could not be read
  layout?: { table: "gpt" | "mbr"; partition: ImagePartition; fileSystem: ImageFileSystem };
}

// Checks 1 to 4, which need no mount: format, qcow2 header, partition table, filesystem.
// byol fetch runs them alone where this machine cannot mount the image's partition.
export async function examine(
  ctx: RunContext,
  step: string,
  opts: { file: string; imageType: "qcow2" | "raw"; scratch: string; qemuImg?: boolean },
): Promise<Examined> {
  const { file, scratch } = opts;
  const refuse = refuser(step);
  const head = await readHead(file, MAX_CLUSTER);
  refuse(formatMismatch(detectFormat(head), opts.imageType));
  const format = opts.imageType;
  const qemuImg = opts.qemuImg ?? true;
  const virtualSize =
    format === "qcow2"
      ? (await checkQcow2(ctx, step, head, scratch, refuse, { qemuImg })).virtualSize
      : (await stat(file)).size;
  if (format === "qcow2" && !qemuImg) return { format, virtualSize };
  const source = { file, format };

  const table = await parse(() => readVirtual(ctx, step, source, 0, TABLE_BYTES, scratch), refuse);
  refuse(partitionRefusal(table, virtualSize));
  const { number, offset, size } = table.partitions[0]!;
  const partition: ImagePartition = { number, offset, size };
  const fs = detectFileSystem(await readVirtual(ctx, step, source, offset, SUPERBLOCK_BYTES, scratch));
  refuse(fileSystemRefusal(fs));
  if (!isImageFileSystem(fs)) throw new Error("unreachable");
  return { format, virtualSize, layout: { table: table.table === "mbr" ? "mbr" : "gpt", partition, fileSystem: fs } };
}

async function parse(
  read: () => Promise<Buffer>,
  refuse: (m: string | undefined) => void,
): Promise<ReturnType<typeof parsePartitionTable>> {
  try {
    return parsePartitionTable(await read());
  } catch (error) {
    if (!(error instanceof PartitionTableError)) throw error;
    refuse(`image provided has a damaged partition table: ${error.message}`);
    throw error;
  }
}

// Mounts the partition read-only in the scratch directory, measures it, finds the script, and
// releases everything before returning.
export async function lookInside(
  ctx: RunContext,
  step: string,
  source: { file: string; format: "qcow2" | "raw" },
  partition: ImagePartition,
  fileSystem: ImageFileSystem,
  opts: { via: Via; scratch: string },
) {
  const mountPoint = join(opts.scratch, "root");
  await mkdir(mountPoint, { mode: 0o700 });
  try {
    const opened = await mountImagePartition(ctx, step, source, { partition, fileSystem, mountPoint }, opts);
    try {
      const s = await statfs(mountPoint, { bigint: false });
      const usedBytes = (s.blocks - s.bfree) * s.bsize;
      return { usedBytes, script: await lookupScript(mountPoint, SCRIPT_PATH) };
    } finally {
      await opened.release();
    }
  } finally {
    await removeScratch(mountPoint);
  }
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
  step: Pick<InspectStep | ByoiInspectStep, "id" | "imageType">,
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
  if (disk !== undefined) refuse(diskSizeRefusal(virtualSize, disk));
  if (format === "qcow2" && opts.qemuImg === false) return { format, virtualSize };
  await using scratch = await scratchDir();
  const first = await readVirtual(ctx, step.id, { file, format }, 0, TABLE_BYTES, scratch.path);
  const table = await checkTable(ctx, step.id, first, disk, format);
  const where = disk === undefined ? "" : ` on ${disk.path} of ${disk.sizeBytes} bytes`;
  const message = `${format} image: ${virtualSize} bytes${where}, ${table.table.toUpperCase()} with ${table.partitions.length} partition(s)`;
  ctx.events.emit({ step: step.id, phase: "log", level: "info", message });
  return { format, virtualSize, table };
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
