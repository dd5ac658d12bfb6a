// The image over several connections at once, yielded in order: the image is cut into parts
// of a few MiB; each connection fetches the next part nobody has taken (Range + If-Range) and
// queues its bytes. The consumer takes the parts in order, so what it yields is the image from
// byte 0, and the hash and the sink behind it see one ordered stream (the hash ends when the
// last byte lands). Parts ahead of the one being consumed are held in memory, at most
// `bufferBytes` in all: a connection that runs further ahead waits. A part whose connection
// fails resumes from its own last byte. Any sign that the server is not serving the same bytes
// for every range (a 200 to a ranged GET, a Content-Range that is not the one asked for, a
// changed ETag/Last-Modified or length) ends the run with PartsMismatch: the caller starts
// again with one connection.
//
// It starts on the first connection alone, reading the whole image. More connections only pay
// when the link is the limit: on a fast link they cost CPU (more reads, held chunks that the
// garbage collector must move) and slow the download down. So the first connection is watched
// (`shouldSplit`, every `splitAfterMs`); once it says the link is the limit, the rest of the image
// from the next part boundary is cut into parts and the other connections start. With
// `splitAfterMs` 0 that happens before the first byte. If the connections together then bring
// the bytes no faster than the one did, the split is undone (the others stop taking parts).

import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { InstallError, PartsMismatch, TransientError } from "../errors.ts";
import { header, type ImageResponse } from "./http.ts";
import { parseContentRange, validatorOf } from "./range.ts";
import { isRetryableStatus, type RetryPolicy, retryDelayMs } from "./retry.ts";

export const DEFAULT_CONNECTIONS = 8;
// Parts ahead of the consumer held in memory, all connections together. The issue allows 64 MiB;
// measured on loopback (8 connections, hash-bound), peak RSS grows with it: 64 MiB -> ~240 MB,
// 32 -> ~185, 16 -> ~165 (before one malloc arena). Measured again, 512 MiB capped at 40 MB/s per
// connection, 8 connections, one arena (three runs each): 32 MiB 155-157 MB, 24 MiB 141-147 MB, in
// the same wall time (2.92-3.07 s). The head part always has room of its own (HEAD_QUEUE_BYTES), so
// a bound below connections × part only makes the connections furthest ahead wait.
export const REORDER_BYTES = 24 * 1024 * 1024;
// Parts are PART_BUDGET_BYTES / connections, at most 8 MiB: 4 MiB at 8 connections. Smaller parts did
// better on loopback (2 MiB: 6% faster and ~20 MB less, capped at 40 MB/s per connection), but every
// part costs a round trip with nothing received: at 50 ms to a far server that caps each connection
// at 40 MB/s, a connection brings ~68% of its cap with 4 MiB parts and ~51% with 2 MiB, and far
// servers are what several connections are for.
const PART_BUDGET_BYTES = 32 * 1024 * 1024;
const MAX_PART_BYTES = 8 * 1024 * 1024;
const HEAD_QUEUE_BYTES = 4 * 1024 * 1024; // how far the part being consumed may run ahead of the consumer
// the same on one connection (before a split): socket reads held longer survive young-generation
// collections and cost full ones (measured, 2 GiB: 106 full collections with 4 MiB, as many as the
// plain one-connection path's 47 with 256 KiB)
const SINGLE_QUEUE_BYTES = 256 * 1024;
// The first connection is only a candidate for a split while the consumer (the hash and the writes
// behind it) waited for its bytes at least this share of the time: when the writes are the limit,
// the consumer is not waiting, and more connections would only add work. (This rule came from a
// misread bench: the split lines it printed under the uncapped table were the capped server's.
// The rule stands on its own; no uncapped split shows in the bench logs since it came.)
const STARVED = 0.5;
const GAIN = 1.3; // after a split, the connections together must bring this much more than the one did

export interface PartsOptions {
  first: ImageResponse; // the 200 to the plain GET: its body is the first part
  total: number; // its Content-Length
  validator: string; // its strong ETag or Last-Modified, sent as If-Range
  connections: number;
  partBytes?: number; // default: bufferBytes (or 32 MiB when not given) / connections, at most 8 MiB
  bufferBytes?: number; // default REORDER_BYTES
  retry: RetryPolicy;
  step: string;
  // opens one ranged GET (redirects and credentials as for the first); aborted through `signal`
  open(headers: Record<string, string>, signal: AbortSignal): Promise<ImageResponse>;
  transient(e: unknown): unknown; // a network error -> TransientError, anything else as it is
  warn(message: string): void;
  info?(message: string): void; // the split, and its undoing
  signal?: AbortSignal;
  splitAfterMs?: number; // how often the one connection is judged; 0: split at once (default)
  // called every splitAfterMs while on one connection, with its rate over the last two windows
  // (bytes per ms): whether to split now; default: yes
  shouldSplit?: (bytesPerMs: number) => boolean;
}

interface Part {
  start: number;
  end: number; // exclusive
  received: number; // bytes queued (or already consumed) from `start`
  queue: Buffer[];
  queued: number;
}

// Whether a download of `total` bytes is worth cutting into parts.
export function partBytesFor(total: number, connections: number, partBytes?: number, bufferBytes?: number) {
  const size =
    partBytes ?? Math.min(MAX_PART_BYTES, Math.floor((bufferBytes ?? PART_BUDGET_BYTES) / Math.max(1, connections)));
  return connections > 1 && total >= 2 * size ? size : undefined;
}

export async function* orderedParts(o: PartsOptions): AsyncGenerator<Buffer> {
  const partBytes = partBytesFor(o.total, o.connections, o.partBytes, o.bufferBytes) ?? o.total;
  const budget = o.bufferBytes ?? REORDER_BYTES;
  // one part, the whole image, until the split
  const parts: Part[] = [{ start: 0, end: o.total, received: 0, queue: [], queued: 0 }];
  const controller = new AbortController();
  const signal = o.signal === undefined ? controller.signal : AbortSignal.any([o.signal, controller.signal]);
  let head = 0; // the part being consumed
  let next = 0; // the next part nobody has taken
  let held = 0; // bytes queued, all parts
  let got = 0; // bytes received, all parts
  let failure: unknown;
  let wakeConsumer: (() => void) | undefined;
  let waiting: (() => void)[] = [];
  const wakeProducers = () => {
    for (const w of waiting.splice(0)) w();
  };
  const poke = () => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };

  const headQueue = () => (parts.length === 1 ? SINGLE_QUEUE_BYTES : HEAD_QUEUE_BYTES);
  // Waits until the part may queue more: the part being consumed up to HEAD_QUEUE_BYTES, the others
  // while everything queued stays under the budget.
  const room = async (i: number) => {
    while (!signal.aborted && (i === head ? parts[i]!.queued >= headQueue() : held >= budget)) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };

  const fetchPart = async (i: number, first?: ImageResponse) => {
    const part = parts[i]!;
    for (let failures = 0; part.start + part.received < part.end; ) {
      const from = part.start + part.received;
      const before = part.received;
      let res = first;
      // where the response ends: the first goes on to the end of the image, and a part may be
      // cut shorter (the split) while its response runs; what goes past the part is dropped
      let asked = o.total;
      first = undefined;
      try {
        if (res === undefined) {
          asked = part.end;
          const range = { range: `bytes=${from}-${asked - 1}`, "if-range": o.validator };
          const ranged = await o.open(range, signal);
          res = ranged;
          check(o, ranged, from, asked);
        }
        for await (const chunk of chunksOf(res.body)) {
          const at = part.start + part.received;
          if (at + chunk.length > asked) {
            throw new PartsMismatch(`the server sent more than bytes ${from}-${asked - 1}`);
          }
          const left = part.end - at;
          const take = chunk.length > left ? chunk.subarray(0, left) : chunk;
          part.queue.push(take);
          part.queued += take.length;
          part.received += take.length;
          held += take.length;
          got += take.length;
          poke();
          if (part.start + part.received === part.end) break; // the rest of a longer response is dropped
          await room(i);
          if (signal.aborted) break;
        }
        if (signal.aborted) return;
        if (part.start + part.received < part.end) {
          const dropped = res.error();
          throw dropped === undefined
            ? new TransientError(`part ${from}-${part.end - 1} truncated at byte ${part.start + part.received}`)
            : o.transient(dropped);
        }
      } catch (e) {
        res?.discard();
        if (signal.aborted) return;
        const error = o.transient(e);
        if (!(error instanceof TransientError)) throw error;
        failures = part.received > before ? 1 : failures + 1;
        if (failures >= o.retry.attempts) throw error;
        const delay = retryDelayMs(failures, o.retry, error.retryAfter);
        o.warn(`${error.reason}; resuming bytes ${part.start + part.received}-${part.end - 1} in ${delay} ms`);
        await sleep(delay, undefined, { signal }).catch(() => {});
      }
    }
  };

  // One connection: parts in the order they are taken, until none is left (or, for all but the
  // first, until the split is undone).
  const connection = async (id: number, first?: ImageResponse) => {
    try {
      if (first !== undefined) await fetchPart(next++, first);
      while (!signal.aborted && next < parts.length && id < allowed) {
        if (allowed === 1) coalesce();
        await fetchPart(next++);
      }
    } catch (e) {
      failure ??= e;
      controller.abort();
    } finally {
      poke();
      wakeProducers();
    }
  };

  let allowed = o.connections;
  // Once the split is undone, the parts nobody has taken yet become one, fetched with one request:
  // part by part, one connection pays a request and TCP's slow start every part (measured: 2×
  // the wall time of one connection on loopback).
  const coalesce = () => {
    if (next >= parts.length - 1) return;
    parts[next]!.end = o.total;
    parts.length = next + 1;
  };
  const connections = [connection(0, o.first)];
  // The rest of the image from the part boundary after what the first connection has, in parts
  // for the other connections. Too late when the first connection is already in its last part.
  const split = (why = "") => {
    const first = parts[0]!;
    const end = (Math.floor(first.received / partBytes) + 1) * partBytes;
    if (end >= o.total || parts.length > 1) return;
    first.end = end;
    for (let start = end; start < o.total; start += partBytes) {
      parts.push({ start, end: Math.min(o.total, start + partBytes), received: 0, queue: [], queued: 0 });
    }
    const opened = Math.min(o.connections, parts.length);
    for (let c = 1; c < opened; c++) connections.push(connection(c));
    o.info?.(`the link is the limit${why}: ${opened} connections from byte ${end}, in parts of ${partBytes} bytes`);
  };
  // The judge: every splitAfterMs, while on one connection, asks shouldSplit. After a split it
  // checks that the connections together bring the bytes clearly faster than the one did (over
  // two windows, after one to start them); if not (a server that gives all its connections
  // together no more, or a machine too busy to gain anything), the others finish their parts and
  // the first takes the rest alone.
  const ticks: { at: number; got: number; starved: number }[] = [];
  let starved = 0; // ms the consumer has waited for bytes, in all (up to the current wait)
  let waitingSince: number | undefined; // the start of the consumer's current wait
  const starvedNow = (at: number) => starved + (waitingSince === undefined ? 0 : at - waitingSince);
  let splitAt = -1; // the tick of the split
  let before = 0; // bytes per ms on one connection, up to the split
  let judge: NodeJS.Timeout | undefined;
  const started = performance.now();
  if ((o.splitAfterMs ?? 0) <= 0) split();
  else {
    judge = setInterval(() => {
      const at = performance.now();
      const now = { at, got, starved: starvedNow(at) };
      ticks.push(now);
      if (signal.aborted) return clearInterval(judge);
      if (parts.length === 1) {
        if (parts[0]!.received >= o.total - partBytes) return clearInterval(judge);
        const from = ticks.at(-3) ?? ticks[0]!;
        const span = Math.max(1, now.at - from.at);
        const rate = (now.got - from.got) / span;
        const waited = (now.starved - from.starved) / span;
        // the judge is asked every window (it keeps its own clock), the consumer's wait decides too
        if (!(o.shouldSplit?.(rate) ?? true) || waited < STARVED) return;
        before = rate;
        splitAt = ticks.length - 1;
        // what the judge saw, in the message: a split that was not needed can be told from its log
        const seen = `${Math.round(got / 1e6)} MB in its first ${Math.round(at - started)} ms`;
        return split(
          ` (one connection: ${Math.round(rate / 1e3)} MB/s, ${seen}, waiting for bytes ${Math.round(waited * 100)}% of the time)`,
        );
      }
      if (ticks.length - 1 < splitAt + 3) return;
      clearInterval(judge);
      const from = ticks[splitAt + 1]!;
      const after = (now.got - from.got) / Math.max(1, now.at - from.at);
      if (after < GAIN * before) {
        allowed = 1;
        const rate = (v: number) => `${Math.round(v / 1e3)} MB/s`;
        o.info?.(`back to one connection: together ${rate(after)}, one alone ${rate(before)}`);
      }
    }, o.splitAfterMs);
    judge.unref();
  }
  try {
    for (head = 0; head < parts.length; head++) {
      const part = parts[head]!;
      wakeProducers();
      for (;;) {
        const chunk = part.queue.shift();
        if (chunk !== undefined) {
          part.queued -= chunk.length;
          held -= chunk.length;
          // with hysteresis: waking every waiting connection for each 64 KiB consumed costs more
          // CPU than the hash (measured: 19 s of CPU for 2 GiB over 8 loopback connections)
          if (waiting.length > 0 && (held < (budget * 3) / 4 || part.queued < headQueue() / 2)) wakeProducers();
          yield chunk;
          continue;
        }
        if (failure !== undefined) throw failure;
        if (part.start + part.received === part.end) break;
        if (signal.aborted) throw o.signal?.reason ?? new Error("aborted");
        waitingSince = performance.now();
        await new Promise<void>((resolve) => {
          wakeConsumer = resolve;
        });
        starved = starvedNow(performance.now());
        waitingSince = undefined;
      }
    }
  } finally {
    clearInterval(judge);
    controller.abort();
    wakeProducers();
    waiting = [];
    await Promise.allSettled(connections);
  }
}

// A body's chunks one by one, as they arrived. Not the stream's own async iterator: that reads in
// paused mode, where read() joins everything buffered (up to the body's 1 MiB) into one new
// Buffer, a copy of most of the image (measured on loopback, 2 GiB on one connection: the default
// path then cost ~0.5 s more CPU than --connections 1, and was ~10% slower). Leaving early (a
// break, a throw) discards the body, as that iterator did.
async function* chunksOf(body: Readable): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let ended = false;
  let error: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    wake?.();
    wake = undefined;
  };
  const onData = (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length >= 4) body.pause(); // the rest waits in the body's own buffer
    poke();
  };
  const onEnd = () => {
    ended = true;
    poke();
  };
  const onError = (e: Error) => {
    error = e;
    onEnd();
  };
  body.on("data", onData).on("end", onEnd).on("close", onEnd).on("error", onError);
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        if (queue.length === 0 && body.isPaused()) body.resume();
        yield chunk;
        continue;
      }
      if (error !== undefined) throw error;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    body.off("data", onData).off("end", onEnd).off("close", onEnd).off("error", onError);
    if (!body.readableEnded) body.destroy();
  }
}

// A ranged response must be exactly the range asked for, of the same representation.
function check(o: PartsOptions, res: ImageResponse, from: number, end: number): void {
  if (res.status === 206) {
    const range = parseContentRange(header(res.headers, "content-range"));
    const validator = validatorOf(res.headers);
    if (range === undefined || range.start !== from || range.end !== end - 1 || range.total !== o.total) {
      res.discard();
      const got = header(res.headers, "content-range") ?? "none";
      throw new PartsMismatch(`asked for bytes ${from}-${end - 1}/${o.total}, got Content-Range ${got}`);
    }
    if (validator !== undefined && validator !== o.validator) {
      res.discard();
      throw new PartsMismatch("the image changed during the download (its ETag or Last-Modified)");
    }
    return;
  }
  res.discard();
  if (res.status === 200) {
    throw new PartsMismatch("the server sent the whole image for a range (it changed, or ignores Range)");
  }
  if (res.status === 416) throw new PartsMismatch(`HTTP 416 for bytes ${from}-${end - 1}`);
  const reason = `HTTP ${res.status}`;
  if (isRetryableStatus(res.status)) {
    const retryAfter = header(res.headers, "retry-after");
    throw new TransientError(reason, retryAfter === undefined ? {} : { retryAfter });
  }
  throw new InstallError("download", o.step, `Could not download image: ${reason} for bytes ${from}-${end - 1}`);
}
