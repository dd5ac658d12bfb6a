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
import { type DownloadTuning, downloadImage } from "../download/image.ts";
import { FileSinkError, InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { markDisksWritten } from "../exec/run-state.ts";
import { parseQcow2Header } from "../image/qcow2.ts";
import { readHead } from "../image/read.ts";
import { PlainPool } from "../io/batch-pool.ts";
import { HeldHeadDisk, scrubDisk } from "../io/disk-sink.ts";
import { FileSink } from "../io/file-sink.ts";
import { ProgressStage } from "../io/progress.ts";
import type { WriteImageStep } from "../plan/types.ts";
import type { ImageSpec } from "../request/types.ts";
import { checkTable, type TargetDisk, tooBigMessage } from "./byoi-inspect.ts";
import { wipe } from "./wipe.ts";

export const WRITE_BATCH_BYTES = 4 * 1024 * 1024;

export interface WriteImageInputs {
  image: ImageSpec; // the request's image: url, httpHeaders, checksum, type (secrets: never logged)
  disk: TargetDisk; // the plan's disk: path, sizeBytes, logicalSectorSize
  file?: string; // source "file": the downloaded copy (StepInputs.image.file)
  download?: DownloadTuning; // --connections and the download's timeouts
}

export async function writeImage(ctx: RunContext, step: WriteImageStep, inputs: WriteImageInputs): Promise<void> {
  if (step.source === "http") return streamRaw(ctx, step, inputs);
  const file = inputs.file ?? step.path;
  if (file === undefined) throw new Error("write-image: no downloaded image (the download step did not run)");
  markDisksWritten(ctx);
  if (step.imageType === "qcow2") return convertQcow2(ctx, step, file, inputs.disk);
  return copyRaw(ctx, step, file, inputs.disk);
}

// HTTP -> limit -> progress -> batches (hashed on a worker) -> disk, first MiB held back.
async function streamRaw(ctx: RunContext, step: WriteImageStep, inputs: WriteImageInputs): Promise<void> {
  const { image, disk } = inputs;
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
      ...inputs.download,
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
async function wipeBeforeWriting(ctx: RunContext, step: WriteImageStep): Promise<void> {
  if (step.wipe === undefined) throw new Error("write-image: a streamed image needs the plan's wipe");
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

// `qemu-img convert -p` prints "    (12.34/100%)\r"; reported at most every 250 ms, and at 100%.
export function qemuProgress(report: (bytes: number) => void, total: number, now = () => performance.now()) {
  let last = Number.NEGATIVE_INFINITY;
  return (_stream: "stdout" | "stderr", chunk: string): void => {
    const percent = lastPercent(chunk);
    if (percent === undefined) return;
    const t = now();
    if (percent < 100 && t - last < 250) return;
    last = t;
    report(Math.round((percent / 100) * total));
  };
}

export function lastPercent(text: string): number | undefined {
  const all = [...text.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
  const m = all.at(-1);
  return m === undefined ? undefined : Number(m[1]);
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
