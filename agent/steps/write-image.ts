// Step "write-image" (BYOI): the whole image onto the first disk of the group.
//   - raw, streamed (source "http"): the download's own loop (retry, resume, hash on a worker)
//     writes into the disk instead of a file. The image's size is checked against the disk from
//     Content-Length before anything is written, and its first MiB is held back: when it has
//     arrived, it must show a partition table (else exit 3, disk untouched); only then is the disk
//     wiped and the rest written. The first MiB goes last, after the checksum matched.
//   - raw from RAM (--image-staging ram): the same disk sink, fed from the file, first MiB last.
//   - qcow2 from RAM: the plan's `qemu-img convert`, its -p progress turned into events.
// If this fails after the disk was touched, the disk's first and last MiB and the end of what was
// written are zeroed here, and the interpreter then resets the partition tables (exit 4).

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { byoiTarget, type TargetDisk } from "../disk/byoi-table.ts";
import { type DownloadTuning, downloadImage } from "../download/image.ts";
import { FileSinkError, InstallError } from "../errors.ts";
import type { RunContext, StepInputs } from "../exec/context.ts";
import { markDisksWritten } from "../exec/run-state.ts";
import { checkTable } from "../image/checks.ts";
import { parseQcow2Header } from "../image/qcow2.ts";
import { qemuProgress } from "../image/qemu-progress.ts";
import { readHead } from "../image/read.ts";
import { tooBigMessage } from "../image/refusals.ts";
import { PlainPool } from "../io/batch-pool.ts";
import { HeldHeadDisk, scrubDisk } from "../io/disk-sink.ts";
import { FileSink } from "../io/file-sink.ts";
import { ProgressStage } from "../io/progress.ts";
import type { WriteImageFromHttp, WriteImageStep } from "../plan/types.ts";
import type { ImageSpec } from "../request/types.ts";
import { run as wipe } from "./wipe.ts";

const WRITE_BATCH_BYTES = 4 * 1024 * 1024;

export async function run(
  ctx: RunContext,
  step: WriteImageStep,
  inputs: Pick<StepInputs, "request" | "plan" | "image" | "settings">,
): Promise<void> {
  const disk = byoiTarget(inputs.plan);
  if (step.source === "http") return streamRaw(ctx, step, inputs.request.image, disk, inputs.settings.download);
  const file = inputs.image.file ?? step.path;
  markDisksWritten(ctx);
  if (step.imageType === "qcow2") return convertQcow2(ctx, step, file, disk);
  return copyRaw(ctx, step, file, disk);
}

// HTTP -> limit -> progress -> batches (hashed on a worker) -> disk, first MiB held back.
// `image` is the request's: url, httpHeaders, checksum (secrets: never logged); `download`: --connections
// and the download's timeouts.
async function streamRaw(
  ctx: RunContext,
  step: WriteImageFromHttp,
  image: ImageSpec,
  disk: TargetDisk,
  download: DownloadTuning | undefined,
): Promise<void> {
  const target = new HeldHeadDisk({
    path: disk.path,
    sizeBytes: disk.sizeBytes,
    beforeWrite: async (head) => {
      const table = await checkTable(ctx, step.id, head, disk);
      const message = `the image's first MiB holds a ${table.table.toUpperCase()} with ${table.partitions.length} partition(s); wiping ${disk.path}, then writing the rest of the image, its first MiB last`;
      ctx.events.emit({ step: step.id, phase: "log", level: "info", message });
      await wipeBeforeWriting(ctx, step);
    },
  });
  try {
    const result = await downloadImage({
      ...download,
      url: image.url,
      headers: image.httpHeaders,
      ...(image.checksum !== undefined && { checksum: image.checksum }),
      destination: disk.path,
      target,
      batchBytes: WRITE_BATCH_BYTES,
      limitBytes: disk.sizeBytes + 1,
      limitMessage: (bytes) => tooBigMessage(bytes, disk),
      imageType: "raw",
      events: ctx.events,
      signal: ctx.signal,
      step: step.id,
    });
    await target.commit(result.bytes);
    const verified = result.digest === undefined ? "no checksum given" : `${image.checksum?.type} verified`;
    const message = `wrote ${result.bytes} bytes to ${disk.path} (${verified}, resumed ${result.resumed} time(s)); its first MiB last`;
    ctx.events.emit({ step: step.id, phase: "log", level: "info", message });
  } catch (error) {
    if (ctx.state.disksWritten) await scrub(ctx, step, () => target.scrub());
    throw failure(ctx, step, error);
  }
}

// The plan's wipe, nested here so that it runs only once the image has been accepted.
async function wipeBeforeWriting(ctx: RunContext, step: WriteImageFromHttp): Promise<void> {
  try {
    await wipe(ctx, step.wipe);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new InstallError("wipe", step.id, `wiping ${step.disk} before writing the image: ${detail}`, {
      cause: error,
    });
  }
}

// The RAM copy through the same disk sink, so its first MiB is written last as well.
async function copyRaw(ctx: RunContext, step: WriteImageStep, file: string, disk: TargetDisk): Promise<void> {
  const size = (await stat(file)).size;
  const target = new HeldHeadDisk({ path: disk.path, sizeBytes: disk.sizeBytes });
  const sink = new FileSink({
    path: disk.path,
    position: 0,
    pool: new PlainPool(WRITE_BATCH_BYTES),
    destination: target,
  });
  const report = (bytes: number, total: number | null) =>
    ctx.events.emit({ step: step.id, phase: "progress", bytes, total });
  try {
    await pipeline(
      createReadStream(file, { highWaterMark: WRITE_BATCH_BYTES }),
      new ProgressStage({ total: size, report }),
      sink,
      { signal: ctx.signal },
    );
    await target.commit(size);
  } catch (error) {
    await scrub(ctx, step, () => target.scrub());
    throw failure(ctx, step, error);
  }
}

// qemu-img writes the disk in order, first MiB included: it cannot hold it back, so on failure
// the first MiB (and the end of the virtual disk, where its backup GPT went) are zeroed here.
async function convertQcow2(ctx: RunContext, step: WriteImageStep, file: string, disk: TargetDisk): Promise<void> {
  const virtualSize = parseQcow2Header(await readHead(file, 2 * 1024 * 1024)).virtualSize;
  const progress = qemuProgress(
    (bytes) => ctx.events.emit({ step: step.id, phase: "progress", bytes, total: virtualSize }),
    virtualSize,
  );
  try {
    for (const argv of step.commands) await ctx.runner.run(argv, { step: step.id, onOutput: progress });
  } catch (error) {
    await scrub(ctx, step, () => scrubDisk(disk.path, disk.sizeBytes, virtualSize));
    throw failure(ctx, step, error);
  }
}

// Best effort: a scrub that fails is logged; the partition tables are reset after it anyway.
async function scrub(ctx: RunContext, step: WriteImageStep, op: () => Promise<void>): Promise<void> {
  try {
    await op();
    ctx.log.warn({ step: step.id, disk: step.disk }, "zeroed the disk's first and last MiB after a failed write");
  } catch (error) {
    ctx.log.error({ step: step.id, err: error }, "zeroing the disk's first and last MiB failed");
  }
}

// The step's error: the download's and the checks' own messages stand; a disk that cannot be
// written gets OVH's "Can't write <type> on disk".
function failure(ctx: RunContext, step: WriteImageStep, error: unknown): unknown {
  if (ctx.signal.aborted) return ctx.signal.reason ?? error;
  const cause = error instanceof InstallError && error.cause instanceof FileSinkError ? error.cause : error;
  if (cause instanceof InstallError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new InstallError("write", step.id, `Can't write ${step.imageType} on disk (${detail})`, { cause });
}
