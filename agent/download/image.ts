// Step "download": fetch the image into RAM (/dev/shm) with the request's headers, compute its
// checksum in the same pass, refuse what would not fit, and resume with Range after a dropped
// connection rather than start again. When the server supports ranges, the image comes over
// several connections at once (agent/download/parts.ts), still hashed in order in the same pass.
//
// The body runs through small stages from agent/io/: limit -> progress -> file sink, and the
// sink hands every written batch to the hash worker. The checksum is compared after the last
// byte; on any failure the partial file is removed. With a `target` (a disk, for BYOI) the
// same loop writes there instead, and nothing is created or removed.

import { mkdir, rm } from "node:fs/promises";
import { STATUS_CODES } from "node:http";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { Agent } from "undici";
import { FileSinkError, InstallError, PartsMismatch, RedirectError, TransientError } from "../errors.ts";
import type { EventSink } from "../exec/types.ts";
import { detectFormat } from "../image/format.ts";
import { formatMismatch } from "../image/refusals.ts";
import { PlainPool } from "../io/batch-pool.ts";
import { type BatchDestination, FileSink } from "../io/file-sink.ts";
import { HashWorker } from "../io/hash-worker.ts";
import { HeadStage } from "../io/head.ts";
import { LimitStage } from "../io/limit.ts";
import { ProgressStage } from "../io/progress.ts";
import { Redactor } from "../redact.ts";
import type { ChecksumType, ImageType } from "../request/types.ts";
import { header, type ImageResponse, type OpenOptions, openImage } from "./http.ts";
import { MACHINE_BUSY, machine, splitJudge } from "./link-bound.ts";
import { DEFAULT_CONNECTIONS, orderedParts, partBytesFor } from "./parts.ts";
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
  imageType?: ImageType; // named in the too-big message; an image too big whose first bytes show another format is refused for its format
  // replaces the too-big message; `bytes` is the announced size, null when the body outgrew the limit
  limitMessage?: string | ((bytes: number | null) => string);
  events: EventSink;
  step?: string; // default "download"
  signal?: AbortSignal;
  retry?: RetryPolicy;
  connections?: number; // parallel ranged connections when the server allows; 1: one connection. Default 8
  partBytes?: number; // the size of a part over several connections; default 32 MiB / connections, ≤ 8 MiB
  reorderBytes?: number; // parts ahead of the one being hashed held in memory, at most; default 24 MiB
  // the one connection is judged this often, and more are opened once the link (not the CPU) is
  // seen to be the limit; 0: at once. Default 200 ms
  splitAfterMs?: number;
  // the judge, called every splitAfterMs with the connection's rate (bytes per ms): whether the link
  // is the limit. Default: splitJudge() over the main thread, the hash worker and the machine's
  // processors, against the hash's measured speed (agent/download/link-bound.ts)
  shouldSplit?: (bytesPerMs: number) => boolean;
  allowInsecureRedirect?: boolean; // follow a redirect from https to http
  idleTimeoutMs?: number; // a connection that receives nothing for this long is dropped (and resumed); default 60 s
  deadlineMs?: number; // the whole download, retries included, must end within this; default none
}

// The download's knobs that a user sets (--connections, --allow-insecure-redirect, the timeouts).
export type DownloadTuning = Pick<
  DownloadOptions,
  "connections" | "allowInsecureRedirect" | "idleTimeoutMs" | "deadlineMs" | "splitAfterMs"
>;

export interface DownloadResult {
  bytes: number;
  digest?: string; // lower-case hex, when a checksum was asked for
  resumed: number; // how many times the download resumed with Range
}

const GIB = 1024 ** 3;
const SPLIT_AFTER_MS = 200;

// OVH's rule: the image is held in RAM, and the rescue system keeps 3 GiB for itself.
export function memoryLimitBytes(memoryBytes: number): number {
  return memoryBytes - 3 * GIB;
}

type Settings = Required<Pick<DownloadOptions, "step" | "retry" | "connections" | "idleTimeoutMs">> &
  Omit<DownloadOptions, "step" | "retry" | "limitMessage" | "connections" | "idleTimeoutMs"> & {
    tooBig: (bytes: number | null) => string;
    redactor: Redactor;
    userSignal?: AbortSignal; // the caller's; `signal` also fires at the deadline
  };

// What survives from one attempt to the next.
interface Progress {
  written: number; // bytes in the file, and hashed
  total: number | null; // the full image size, when the server said
  resumable: boolean; // the server advertised Accept-Ranges: bytes and has not ignored a Range
  validator?: string; // ETag or Last-Modified, sent as If-Range
  resumed: number;
  hasher?: HashWorker;
  head?: Buffer; // the image's first HEAD_BYTES (or fewer), once seen
  single: boolean; // one connection from now on (the server's ranges did not hold)
}

export async function downloadImage(options: DownloadOptions): Promise<DownloadResult> {
  const s = settle(options);
  const idle = s.idleTimeoutMs;
  const dispatcher = new Agent({ connectTimeout: 30_000, headersTimeout: idle, bodyTimeout: idle });
  const p: Progress = { written: 0, total: null, resumable: false, resumed: 0, single: s.connections <= 1 };
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
  const signals = [o.signal, o.deadlineMs === undefined ? undefined : AbortSignal.timeout(o.deadlineMs)];
  const signal = AbortSignal.any(signals.filter((x) => x !== undefined));
  return {
    ...o,
    step: o.step ?? "download",
    retry: o.retry ?? DEFAULT_RETRY,
    connections: o.connections ?? DEFAULT_CONNECTIONS,
    idleTimeoutMs: o.idleTimeoutMs ?? 60_000,
    signal,
    ...(o.signal !== undefined && { userSignal: o.signal }),
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
      if (e instanceof PartsMismatch && !s.signal?.aborted) {
        warn(s, `${e.message}; starting again with one connection`);
        restart(s, p);
        p.single = true;
        continue;
      }
      if (!(e instanceof TransientError) || s.signal?.aborted) throw e;
      failures = p.resumable && p.written > before ? 1 : failures + 1;
      if (failures >= s.retry.attempts) throw e;
      const delay = retryDelayMs(failures, s.retry, e.retryAfter);
      const from = p.resumable ? `resuming at byte ${p.written}` : "starting again";
      warn(s, `${e.reason}; ${from} in ${delay} ms`);
      await sleep(delay, undefined, s.signal === undefined ? {} : { signal: s.signal });
    }
  }
}

// One request and, if the response is usable, its body through the stages into the file.
async function attempt(s: Settings, p: Progress, dispatcher: Agent): Promise<void> {
  if (p.written > 0 && !p.resumable) restart(s, p);
  const resuming = p.written > 0;
  const extra = resuming ? resumeHeaders(p.written, p.validator) : {};
  const res = await open(s, dispatcher, extra);
  await accept(s, p, res, resuming);
  if (p.total !== null && p.total >= s.limitBytes) {
    // a bigger server would not help an image of the wrong format: its first bytes decide first
    if (p.head === undefined && !resuming) p.head = await headOf(res);
    res.discard();
    throw tooBig(s, p, p.total);
  }
  if (!resuming && !p.single && p.resumable && p.total !== null && p.validator !== undefined) {
    const parts = partBytesFor(p.total, s.connections, s.partBytes, s.reorderBytes);
    if (parts !== undefined) return inParts(s, p, res, dispatcher);
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
  const head = new HeadStage(resuming ? 0 : HEAD_BYTES);
  const keepHead = () => {
    if (!resuming) p.head ??= head.head();
  };
  try {
    await pipeline(
      res.body,
      head,
      new LimitStage({
        maxBytes: s.limitBytes - 1,
        seen: p.written,
        error: () => tooBig(s, { head: p.head ?? head.head() }, null),
      }),
      new ProgressStage({ start: p.written, total: p.total, report }),
      sink,
      s.signal === undefined ? {} : { signal: s.signal },
    );
  } catch (e) {
    keepHead();
    p.written = await sink.settled();
    throw transient(s, e);
  }
  keepHead();
  p.written = sink.written;
  const dropped = res.error();
  if (dropped !== undefined) throw transient(s, dropped);
  if (p.total !== null && p.written < p.total) {
    throw new TransientError(`body truncated at ${p.written} of ${p.total} bytes`);
  }
}

// One GET of the image (redirects followed, credentials to its origin only); failures are transient.
function open(s: Settings, dispatcher: Agent, extra: Record<string, string>, signal = s.signal) {
  const options: OpenOptions = { dispatcher, allowInsecureRedirect: s.allowInsecureRedirect === true };
  if (signal !== undefined) options.signal = signal;
  return openImage({ url: s.url, headers: s.headers }, extra, options).catch((e: unknown) => {
    throw transient(s, e);
  });
}

// The rest of a fresh 200 over several connections: the parts arrive in order, through the
// progress stage into the same sink and hash as one connection. A failure leaves the ordered prefix
// in the file (hashed), from where the one-connection loop resumes; a PartsMismatch restarts.
async function inParts(s: Settings, p: Progress, first: ImageResponse, dispatcher: Agent): Promise<void> {
  const total = p.total!;
  const sink = new FileSink({
    path: s.destination,
    position: 0,
    pool: p.hasher ?? new PlainPool(s.batchBytes),
    ...(s.target !== undefined && { destination: s.target }),
  });
  const parts = orderedParts({
    first,
    total,
    validator: p.validator!,
    connections: s.connections,
    ...(s.partBytes !== undefined && { partBytes: s.partBytes }),
    ...(s.reorderBytes !== undefined && { bufferBytes: s.reorderBytes }),
    splitAfterMs: s.splitAfterMs ?? SPLIT_AFTER_MS,
    shouldSplit:
      s.shouldSplit ??
      splitJudge([performance, ...(p.hasher === undefined ? [] : [p.hasher]), [machine, MACHINE_BUSY]], () =>
        p.hasher?.bytesPerMs(),
      ),
    retry: s.retry,
    step: s.step,
    open: (headers, signal) => open(s, dispatcher, headers, signal),
    transient: (e) => transient(s, e),
    warn: (message) => warn(s, message),
    info: (message) => s.events.emit({ step: s.step, phase: "log", level: "info", message }),
    ...(s.signal !== undefined && { signal: s.signal }),
  });
  const report = (bytes: number, t: number | null) =>
    s.events.emit({ step: s.step, phase: "progress", bytes, total: t });
  try {
    await pipeline(
      parts,
      new ProgressStage({ total, report }),
      sink,
      s.signal === undefined ? {} : { signal: s.signal },
    );
  } catch (e) {
    p.written = await sink.settled();
    throw e instanceof PartsMismatch ? e : transient(s, e);
  }
  p.written = sink.written;
}

function warn(s: Settings, message: string): void {
  s.events.emit({ step: s.step, phase: "log", level: "warn", message });
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

// Enough of the image's start for every magic number detectFormat() knows.
const HEAD_BYTES = 4096;

// The first bytes of a response's body; the body is abandoned after them.
async function headOf(res: ImageResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of res.body) {
      chunks.push(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      if (bytes >= HEAD_BYTES) break;
    }
  } catch {
    // whatever arrived is all there is to judge
  }
  return Buffer.concat(chunks).subarray(0, HEAD_BYTES);
}

// Too big for the limit, unless the first bytes show the image is not of the requested format:
// that is the more fundamental refusal (OVH's inspect wording), and no bigger server fixes it.
function tooBig(s: Settings, p: Pick<Progress, "head">, bytes: number | null): InstallError {
  const mismatch =
    s.imageType !== undefined && p.head !== undefined && p.head.length > 0
      ? formatMismatch(detectFormat(p.head), s.imageType)
      : undefined;
  if (mismatch !== undefined) return new InstallError("image", s.step, mismatch);
  return new InstallError("too-big", s.step, s.tooBig(bytes));
}

// Errors from the network become retryable; ours, the file's and an abort pass through.
function transient(s: Settings, e: unknown): unknown {
  if (e instanceof InstallError || e instanceof FileSinkError || e instanceof RedirectError) return e;
  if (s.signal?.aborted) return e;
  const reason = networkReason(e, s.idleTimeoutMs);
  return reason === undefined ? e : new TransientError(reason, { cause: e });
}

// The one place a download failure becomes the step's error, in OVH's wording, redacted.
function failure(s: Settings, e: unknown): unknown {
  if (s.userSignal?.aborted) return s.userSignal.reason ?? e;
  if (e instanceof InstallError) return e;
  if (s.signal?.aborted) {
    const message = `Could not download image: not complete within the deadline of ${s.deadlineMs! / 1000} s`;
    return new InstallError("download", s.step, message, { cause: e });
  }
  const reason =
    e instanceof TransientError
      ? e.reason
      : e instanceof FileSinkError || e instanceof RedirectError
        ? e.message
        : ((e as { code?: string }).code ?? String((e as Error).message ?? e));
  return new InstallError("download", s.step, s.redactor.redact(`Could not download image: ${reason}`), { cause: e });
}
