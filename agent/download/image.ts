// Step "download": fetch the image into RAM (/dev/shm) with the request's headers, compute its
// checksum in the same pass, refuse what would not fit, and resume with Range after a dropped
// connection rather than start again.
//
// The body runs through small stages from agent/io/: limit -> progress -> file sink, and the
// sink hands every written batch to the hash worker. The checksum is compared after the last
// byte; on any failure the partial file is removed. With a `target` (a disk, for BYOI) the
// same loop writes there instead, and nothing is created or removed.

import { mkdir, rm } from "node:fs/promises";
import { STATUS_CODES } from "node:http";
import { dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent } from "undici";
import { FileSinkError, InstallError, RedirectError, TransientError } from "../errors.ts";
import type { EventSink } from "../exec/types.ts";
import { PlainPool } from "../io/batch-pool.ts";
import { type BatchDestination, FileSink } from "../io/file-sink.ts";
import { HashWorker } from "../io/hash-worker.ts";
import { LimitStage } from "../io/limit.ts";
import { ProgressStage } from "../io/progress.ts";
import { Redactor } from "../redact.ts";
import type { ChecksumType, ImageType } from "../request/types.ts";
import { header, type ImageResponse, openImage } from "./http.ts";
import { parseContentRange, resumeHeaders, validatorOf } from "./range.ts";
import { DEFAULT_RETRY, isRetryableStatus, networkReason, type RetryPolicy, retryDelayMs } from "./retry.ts";

export interface DownloadOptions {
  url: string; // may carry user:pass@ (a secret)
  headers: Record<string, string>; // the request's httpHeaders (secrets); sent to the URL's origin only
  checksum?: { type: ChecksumType; value: string };
  destination: string; // a file path, e.g. /dev/shm/byol/image; with `target`, its name in errors
  target?: BatchDestination; // written instead of the file (a disk); never created, truncated or removed here
  batchBytes?: number; // the size of the batches written and hashed; default 1 MiB
  limitBytes: number; // the image must be smaller than this: see memoryLimitBytes()
  imageType?: ImageType; // named in the too-big message
  // replaces the too-big message; `bytes` is the announced size, null when the body outgrew the limit
  limitMessage?: string | ((bytes: number | null) => string);
  events: EventSink;
  step?: string; // default "download"
  signal?: AbortSignal;
  retry?: RetryPolicy;
}

export interface DownloadResult {
  bytes: number;
  digest?: string; // lower-case hex, when a checksum was asked for
  resumed: number; // how many times the download resumed with Range
}

const GIB = 1024 ** 3;

// OVH's rule: the image is held in RAM, and the rescue system keeps 3 GiB for itself.
export function memoryLimitBytes(memoryBytes: number): number {
  return memoryBytes - 3 * GIB;
}

type Settings = Required<Pick<DownloadOptions, "step" | "retry">> &
  Omit<DownloadOptions, "step" | "retry" | "imageType" | "limitMessage"> & {
    tooBig: (bytes: number | null) => string;
    redactor: Redactor;
  };

// What survives from one attempt to the next.
interface Progress {
  written: number; // bytes in the file, and hashed
  total: number | null; // the full image size, when the server said
  resumable: boolean; // the server advertised Accept-Ranges: bytes and has not ignored a Range
  validator?: string; // ETag or Last-Modified, sent as If-Range
  resumed: number;
  hasher?: HashWorker;
}

export async function downloadImage(options: DownloadOptions): Promise<DownloadResult> {
  const s = settle(options);
  const dispatcher = new Agent({ connectTimeout: 30_000, headersTimeout: 60_000, bodyTimeout: 60_000 });
  const p: Progress = { written: 0, total: null, resumable: false, resumed: 0 };
  try {
    if (s.checksum !== undefined) p.hasher = hasherFor(s);
    if (s.target === undefined) await mkdir(dirname(s.destination), { recursive: true });
    await fetchWithRetries(s, p, dispatcher);
    const digest = await verify(s, p);
    return { bytes: p.written, resumed: p.resumed, ...(digest === undefined ? {} : { digest }) };
  } catch (e) {
    if (s.target === undefined) await rm(s.destination, { force: true });
    throw failure(s, e);
  } finally {
    await p.hasher?.[Symbol.asyncDispose]();
    await dispatcher.destroy();
  }
}

// Options normalised once: defaults filled, the too-big wording fixed, secrets known.
function settle(o: DownloadOptions): Settings {
  const kind = o.imageType === undefined ? "" : `${o.imageType} `;
  const redactor = new Redactor().add(...Object.values(o.headers));
  try {
    const u = new URL(o.url);
    redactor.add(u.password, decodeURIComponent(u.password));
  } catch {}
  return {
    ...o,
    step: o.step ?? "download",
    retry: o.retry ?? DEFAULT_RETRY,
    tooBig: (bytes) => {
      if (typeof o.limitMessage === "function") return o.limitMessage(bytes);
      return o.limitMessage ?? `Could not download, ${kind}image is too big to download in memory.`;
    },
    redactor,
  };
}

function hasherFor(s: Settings): HashWorker {
  return new HashWorker(s.checksum!.type, s.batchBytes === undefined ? {} : { batchBytes: s.batchBytes });
}

// Attempts until one completes; a failure that made resumable progress resets the count.
async function fetchWithRetries(s: Settings, p: Progress, dispatcher: Agent): Promise<void> {
  for (let failures = 0; ; ) {
    const before = p.written;
    try {
      return await attempt(s, p, dispatcher);
    } catch (e) {
      if (!(e instanceof TransientError) || s.signal?.aborted) throw e;
      failures = p.resumable && p.written > before ? 1 : failures + 1;
      if (failures >= s.retry.attempts) throw e;
      const delay = retryDelayMs(failures, s.retry, e.retryAfter);
      const from = p.resumable ? `resuming at byte ${p.written}` : "starting again";
      s.events.emit({ step: s.step, phase: "log", level: "warn", message: `${e.reason}; ${from} in ${delay} ms` });
      await sleep(delay, undefined, s.signal === undefined ? {} : { signal: s.signal });
    }
  }
}

// One request and, if the response is usable, its body through the stages into the file.
async function attempt(s: Settings, p: Progress, dispatcher: Agent): Promise<void> {
  if (p.written > 0 && !p.resumable) restart(s, p);
  const resuming = p.written > 0;
  const extra = resuming ? resumeHeaders(p.written, p.validator) : {};
  const target = { url: s.url, headers: s.headers };
  const res = await openImage(target, extra, { dispatcher, ...(s.signal ? { signal: s.signal } : {}) }).catch(
    (e: unknown) => {
      throw transient(s, e);
    },
  );
  await accept(s, p, res, resuming);
  if (p.total !== null && p.total >= s.limitBytes) {
    res.discard();
    throw new InstallError("too-big", s.step, s.tooBig(p.total));
  }
  const pool = p.hasher ?? new PlainPool(s.batchBytes);
  const sink = new FileSink({
    path: s.destination,
    position: p.written,
    pool,
    ...(s.target !== undefined && { destination: s.target }),
  });
  const report = (bytes: number, total: number | null) =>
    s.events.emit({ step: s.step, phase: "progress", bytes, total });
  try {
    await pipeline(
      res.body,
      new LimitStage({ maxBytes: s.limitBytes - 1, seen: p.written, error: () => tooBig(s) }),
      new ProgressStage({ start: p.written, total: p.total, report }),
      sink,
      s.signal === undefined ? {} : { signal: s.signal },
    );
  } catch (e) {
    p.written = await sink.settled();
    throw transient(s, e);
  }
  p.written = sink.written;
  const dropped = res.error();
  if (dropped !== undefined) throw transient(s, dropped);
  if (p.total !== null && p.written < p.total) {
    throw new TransientError(`body truncated at ${p.written} of ${p.total} bytes`);
  }
}

// Decides what the response's body is: the whole image, the rest of it, or an error.
async function accept(s: Settings, p: Progress, res: ImageResponse, resuming: boolean): Promise<void> {
  if (res.status === 206 && resuming) {
    const range = parseContentRange(header(res.headers, "content-range"));
    if (range?.start === p.written) {
      p.resumed++;
      if (range.total !== null) p.total = range.total;
      return;
    }
  } else if (res.status === 200) {
    // a 200 to a Range request: the server cannot (or will not, If-Range) resume
    if (resuming) restart(s, p);
    const length = header(res.headers, "content-length");
    p.total = length === undefined ? null : Number(length);
    p.resumable = header(res.headers, "accept-ranges")?.toLowerCase() === "bytes";
    const validator = validatorOf(res.headers);
    if (validator !== undefined) p.validator = validator;
    return;
  }
  res.discard();
  const reason = `HTTP ${res.status} ${STATUS_CODES[res.status] ?? ""}`.trim();
  if (resuming && (res.status === 206 || res.status === 416)) {
    p.resumable = false;
    throw new TransientError(`${reason} did not resume at byte ${p.written}`);
  }
  if (isRetryableStatus(res.status)) {
    const retryAfter = header(res.headers, "retry-after");
    throw new TransientError(reason, retryAfter === undefined ? {} : { retryAfter });
  }
  throw new InstallError("download", s.step, `Could not download image: ${reason}`);
}

// Back to byte 0: a fresh hash, and the file is truncated when the next sink opens it.
function restart(s: Settings, p: Progress): void {
  p.written = 0;
  p.resumable = false;
  if (p.hasher !== undefined && s.checksum !== undefined) {
    void p.hasher[Symbol.asyncDispose]();
    p.hasher = hasherFor(s);
  }
}

// The checksum, compared once the last byte is in the file.
async function verify(s: Settings, p: Progress): Promise<string | undefined> {
  if (s.checksum === undefined || p.hasher === undefined) return undefined;
  const digest = await p.hasher.digest();
  const expected = s.checksum.value.trim();
  if (digest !== expected.toLowerCase()) {
    const message = `Bad ${s.checksum.type} for downloaded file, got: ${digest} while expecting ${expected}.`;
    throw new InstallError("checksum", s.step, message);
  }
  return digest;
}

function tooBig(s: Settings): InstallError {
  return new InstallError("too-big", s.step, s.tooBig(null));
}

// Errors from the network become retryable; ours, the file's and an abort pass through.
function transient(s: Settings, e: unknown): unknown {
  if (e instanceof InstallError || e instanceof FileSinkError || e instanceof RedirectError) return e;
  if (s.signal?.aborted) return e;
  const reason = networkReason(e);
  return reason === undefined ? e : new TransientError(reason, { cause: e });
}

// The one place a download failure becomes the step's error, in OVH's wording, redacted.
function failure(s: Settings, e: unknown): unknown {
  if (s.signal?.aborted) return s.signal.reason ?? e;
  if (e instanceof InstallError) return e;
  const reason =
    e instanceof TransientError
      ? e.reason
      : e instanceof FileSinkError || e instanceof RedirectError
        ? e.message
        : ((e as { code?: string }).code ?? String((e as Error).message ?? e));
  return new InstallError("download", s.step, s.redactor.redact(`Could not download image: ${reason}`), { cause: e });
}
