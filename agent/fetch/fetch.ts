// byol fetch: the image of a request downloaded to a file with its headers, its checksum verified
// in the same pass, then inspected as install inspects it before any disk is touched (the same
// step functions, the same messages and exit codes), as far as this machine can: see
// agent/image/reach.ts. Nothing here probes or touches a disk.
//
// The RAM rule (image smaller than RAM minus 3 GiB) is not applied: the file goes where the
// operator asked, on a machine that is not the server, whose RAM says nothing about the server's.
// The limit is the free space where the file goes, and the report says how much RAM a server
// needs to install the image.

import { mkdir, mkdtemp, stat, statfs } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pino } from "pino";
import { type DownloadTuning, downloadImage } from "../download/image.ts";
import { EXIT, Interrupted } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { createEventSink, type ResultEventSink } from "../exec/events.ts";
import { Journal } from "../exec/journal.ts";
import { createRunner } from "../exec/runner.ts";
import { removeScratch } from "../image/expose.ts";
import { examine, inspectByoi, inspectImage } from "../image/inspection.ts";
import { inspectReach, type Machine, THIS_MACHINE } from "../image/reach.ts";
import { describe, framed, onInterrupt } from "../install.ts";
import type { InspectStep } from "../plan/types.ts";
import { redactorFor } from "../redact.ts";
import type { InstallRequest } from "../request/types.ts";
import { type FetchReport, formatReport, ramNeeded } from "./report.ts";

export interface FetchOptions {
  request: InstallRequest;
  output: string;
  json: boolean;
  download?: DownloadTuning; // --connections, --allow-insecure-redirect, the download's timeouts
  out?: NodeJS.WritableStream; // default process.stdout
  machine?: Machine; // what this machine can do; default the real one
}

// Returns the exit code; with --json the last line is the result, carrying the report as `image`.
export async function fetchImage(opts: FetchOptions): Promise<number> {
  const out = opts.out ?? process.stdout;
  const output = resolve(opts.output);
  const redactor = redactorFor(opts.request);
  const events = createEventSink({ json: opts.json, out, redactor });
  const abort = new AbortController();
  const log = pino({ level: "silent" });
  const runner = createRunner({ journal: new Journal(), redactor, log, signal: abort.signal, events });
  await using stack = new AsyncDisposableStack();
  const state = { runId: "fetch", targetDisks: [], disksWritten: false };
  const ctx: RunContext = {
    runner,
    events,
    log,
    redactor,
    stack,
    state,
    signal: abort.signal,
    runDir: dirname(output),
  };
  using _signals = onInterrupt((signal) => abort.abort(new Interrupted(signal)));
  try {
    const report = await run(ctx, opts.request, output, opts.machine ?? THIS_MACHINE, opts.download ?? {});
    await stack.disposeAsync();
    if (!opts.json) out.write(redactor.redact(formatReport(report)));
    return finish(events, EXIT.ok, undefined, report);
  } catch (error) {
    await stack.disposeAsync();
    const interrupted = abort.signal.aborted;
    return finish(
      events,
      interrupted ? EXIT.interrupted : EXIT.failedBeforeDisks,
      interrupted ? abort.signal.reason : error,
    );
  }
}

async function run(
  ctx: RunContext,
  request: InstallRequest,
  output: string,
  machine: Machine,
  download: DownloadTuning,
): Promise<FetchReport> {
  const { image } = request;
  await mkdir(dirname(output), { recursive: true });
  const free = await freeBytes(output);
  const title = `downloading the ${image.type} image to ${output}`;
  const downloaded = await framed(ctx, "download", title, () =>
    downloadImage({
      ...download,
      url: image.url,
      headers: image.httpHeaders,
      ...(image.checksum !== undefined && { checksum: image.checksum }),
      destination: output,
      limitBytes: free + 1,
      limitMessage: `Could not download, ${image.type} image is too big for ${dirname(output)} (${free} bytes free)`,
      imageType: image.type,
      events: ctx.events,
      signal: ctx.signal,
    }),
  );
  const byoi = request.operatingSystem === "byoi_64";
  const report: FetchReport = {
    output,
    operatingSystem: request.operatingSystem,
    bytes: downloaded.bytes,
    ...(image.checksum !== undefined && { checksum: image.checksum.type }),
    format: image.type,
    ram: ramNeeded(request, downloaded.bytes),
    notChecked: [],
  };
  const step: InspectStep = {
    kind: "inspect",
    id: "inspect",
    title: `inspecting the ${image.type} image`,
    commands: [],
    imageType: image.type,
  };
  const reach = inspectReach(image.type, machine);
  await framed(ctx, step.id, step.title, async () => {
    if (byoi) return inspectByoiImage(ctx, step, output, reach.qemuImg, report);
    if (reach.qemuImg && reach.lookInside !== undefined) {
      const found = await inspectImage(ctx, step, { file: output }, { via: reach.lookInside });
      Object.assign(report, { virtualSize: found.virtualSize, table: found.table, partitions: [found.partition] });
      Object.assign(report, { fileSystem: found.fileSystem, usedBytes: found.usedBytes, script: true });
      return;
    }
    const scratch = await mkdtemp(join(dirname(output), ".inspect-"));
    try {
      const found = await examine(ctx, step.id, {
        file: output,
        imageType: image.type,
        scratch,
        qemuImg: reach.qemuImg,
      });
      report.virtualSize = found.virtualSize;
      if (found.layout !== undefined) {
        Object.assign(report, { table: found.layout.table, partitions: [found.layout.partition] });
        report.fileSystem = found.layout.fileSystem;
      }
    } finally {
      await removeScratch(scratch);
    }
  });
  report.notChecked.push(...reach.notChecked);
  if (byoi) report.notChecked.push("the image's size and sector size against the target disk: no target disk here");
  return report;
}

async function inspectByoiImage(
  ctx: RunContext,
  step: InspectStep,
  file: string,
  qemuImg: boolean,
  report: FetchReport,
) {
  const found = await inspectByoi(ctx, step, { file }, undefined, { qemuImg });
  report.virtualSize = found.virtualSize;
  if (found.table === undefined) return;
  report.table = found.table.table;
  report.sectorSize = found.table.sectorSize;
  report.partitions = found.table.partitions.map(({ number, offset, size }) => ({ number, offset, size }));
}

// Bytes free where the file goes, plus what an older file of that name holds (it is replaced).
async function freeBytes(file: string): Promise<number> {
  const s = await statfs(dirname(file));
  const old = await stat(file).then(
    (f) => (f.isFile() ? f.size : 0),
    () => 0,
  );
  return s.bavail * s.bsize + old;
}

function finish(events: ResultEventSink, exitCode: number, error: unknown, report?: FetchReport): number {
  if (error === undefined) events.result({ ok: true, exitCode, ...(report !== undefined && { image: report }) });
  else events.result({ ok: false, exitCode, error: describe(error) });
  return exitCode;
}
