// Step "inspect": decide from the downloaded image's content, before any disk is touched, whether
// it can be installed. In order, each refusal ending the run with exit 3:
//   1. its real format (magic numbers) must be the request's imageType;
//   2. qcow2: no backing file, no external data file, nothing encrypted or unknown, read from the
//      header by byol and cross-checked by `qemu-img info` on a copy of the header alone, so qemu
//      never opens the image itself before it is known to be self-contained;
//   3. exactly one partition in its table (read from the virtual disk's first MiB);
//   4. that partition holds ext4, xfs or btrfs (superblock magic);
//   5. /root/.ovh/make_image_bootable.sh is there and executable, looked up with the partition
//      mounted read-only (no journal replay) from a read-only view of the virtual disk, and
//      everything released again before the step ends.

import { mkdir, mkdtemp, rm, stat, statfs, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { CommandError, InstallError, PartitionTableError, Qcow2ParseError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { defaultVia, mountImagePartition, removeScratch, type Via } from "../image/expose.ts";
import { detectFileSystem, SUPERBLOCK_BYTES } from "../image/filesystem.ts";
import { detectFormat } from "../image/format.ts";
import { parsePartitionTable } from "../image/partitions.ts";
import { parseQcow2Header, type Qcow2Header } from "../image/qcow2.ts";
import { parseQemuInfo } from "../image/qemu-info.ts";
import { readHead, readVirtual } from "../image/read.ts";
import {
  fileSystemRefusal,
  formatMismatch,
  isImageFileSystem,
  partitionRefusal,
  qcow2Refusal,
  qemuInfoRefusal,
  SCRIPT_PATH,
  scriptRefusal,
} from "../image/refusals.ts";
import { lookupScript } from "../image/script.ts";
import type { ImageFileSystem, ImagePartition, ImageState, Inspection } from "../image/types.ts";
import type { InspectStep } from "../plan/types.ts";

const MAX_CLUSTER = 2 * 1024 * 1024; // qcow2 cluster_bits <= 21: the header and its extensions fit in this
const TABLE_BYTES = 1024 * 1024;

export interface InspectOptions {
  via?: Via; // how a qcow2's virtual disk is read for the script check; default FUSE if available
}

export async function inspect(
  ctx: RunContext,
  step: InspectStep,
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

export function refuser(step: string): (message: string | undefined) => void {
  return (message) => {
    if (message !== undefined) throw new InstallError("image", step, message);
  };
}

// The header by byol, then by qemu-img from a copy of the first cluster only (BYOI's inspection uses
// it too). `qemuImg: false` (byol fetch on a machine without qemu-img): byol's own parse only.
export async function checkQcow2(
  ctx: RunContext,
  step: string,
  head: Buffer,
  scratch: string,
  refuse: (m: string | undefined) => void,
  opts: { qemuImg?: boolean } = {},
): Promise<Qcow2Header> {
  let header: Qcow2Header;
  try {
    header = parseQcow2Header(head);
  } catch (error) {
    if (!(error instanceof Qcow2ParseError)) throw error;
    throw new InstallError("image", step, `image provided is not a valid qcow2 image: ${error.message}`);
  }
  refuse(qcow2Refusal(header));
  if (opts.qemuImg === false) return header;
  const copy = join(scratch, "header.qcow2");
  await writeFile(copy, head.subarray(0, header.clusterSize), { mode: 0o600 });
  try {
    const out = await ctx.runner.run(["qemu-img", "info", "--output=json", "-f", "qcow2", copy], { step });
    refuse(qemuInfoRefusal(parseQemuInfo(out.stdout), header));
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const why = error.stderrTail.trim().split("\n").at(-1) ?? "";
    throw new InstallError("image", step, `image provided is not a valid qcow2 image: qemu-img info: ${why}`, {
      cause: error,
    });
  } finally {
    await rm(copy, { force: true });
  }
  return header;
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

export function describeInspection(i: Inspection): string {
  const mib = (n: number) => `${Math.round(n / 1024 ** 2)} MiB`;
  return `${i.format} image: a ${mib(i.virtualSize)} disk, ${i.table.toUpperCase()} partition ${i.partition.number} at ${mib(i.partition.offset)} (${mib(i.partition.size)}), ${i.fileSystem} with ${mib(i.usedBytes)} used, ${SCRIPT_PATH} executable`;
}
