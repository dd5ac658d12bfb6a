// The download over several connections (agent/download/parts.ts through downloadImage), against
// the in-process server: parts out of order, a part cut and resumed, a server that ignores Range,
// an ETag that changes, a wrong Content-Range. Each ends in the image with the right hash, or in
// the download error.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { downloadImage } from "../../agent/download/image.ts";
import { linkBound } from "../../agent/download/link-bound.ts";
import { orderedParts } from "../../agent/download/parts.ts";
import { image, type Seen, send, serve } from "../support/image-server.ts";
import { type Setup, setup } from "./setup.ts";

const KiB = 1024;
const data = image(); // 3 MiB + 12345 bytes
const PART = 256 * KiB;
const ETAG = '"v1"';
const sha512 = (d: Buffer) => createHash("sha512").update(d).digest("hex");
const checksum = (d: Buffer = data) => ({ type: "sha512" as const, value: sha512(d) });
const rangeOf = (r: Seen) => r.headers.range;
const ranged = (seen: Seen[]) => seen.filter((r) => r.headers.range !== undefined);
const warnings = (events: { phase: string; message?: string }[]) =>
  events.filter((e) => e.phase === "log").map((e) => e.message ?? "");

test("over several connections: every part asks for its range with If-Range and the credentials", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => send(data, req, res, { etag: ETAG }));
  const headers = { authorization: "Bearer t0k" };
  const options = s.options(`${srv.url}/img`, { checksum: checksum(), connections: 4, partBytes: PART, headers });
  const result = await downloadImage(options);
  assert.deepEqual(result, { bytes: data.length, digest: sha512(data), resumed: 0 });
  assert.deepEqual(await readFile(s.destination), data);
  const parts = ranged(srv.seen);
  assert.equal(parts.length, Math.ceil(data.length / PART) - 1, "every part after the first, once");
  assert.deepEqual(parts.map(rangeOf).sort(), expectedRanges().sort());
  for (const r of srv.seen) assert.equal(r.headers.authorization, "Bearer t0k");
  for (const r of parts) assert.equal(r.headers["if-range"], ETAG);
});

test("parts that arrive out of order are hashed and written in order", async () => {
  await using s = await setup();
  // the lower the part, the later its bytes come
  await using srv = await serve((req, res) => {
    const start = Number(/bytes=(\d+)/.exec(req.headers.range ?? "bytes=0")?.[1]);
    setTimeout(() => send(data, req, res, { etag: ETAG }), Math.max(0, 120 - start / 20_000));
  });
  const options = s.options(srv.url, { checksum: checksum(), connections: 8, partBytes: PART });
  const result = await downloadImage(options);
  assert.equal(result.digest, sha512(data));
  assert.deepEqual(await readFile(s.destination), data);
  assert.ok(ranged(srv.seen).length >= 7);
});

test("a part whose connection is cut resumes from its own last byte", async () => {
  await using s = await setup();
  const victim = `bytes=${2 * PART}-${3 * PART - 1}`;
  let cut = false;
  await using srv = await serve((req, res) => {
    if (req.headers.range === victim && !cut) {
      cut = true;
      return send(data, req, res, { etag: ETAG, cutAt: 100 * KiB });
    }
    send(data, req, res, { etag: ETAG });
  });
  const result = await downloadImage(s.options(srv.url, { checksum: checksum(), connections: 4, partBytes: PART }));
  assert.equal(result.digest, sha512(data));
  assert.deepEqual(await readFile(s.destination), data);
  const resumed = ranged(srv.seen)
    .map(rangeOf)
    .filter((r) => r !== victim && new RegExp(`-${3 * PART - 1}$`).test(r ?? ""));
  assert.equal(resumed.length, 1, `one resume of the cut part: ${resumed}`);
  const from = Number(/bytes=(\d+)/.exec(resumed[0] ?? "")?.[1]);
  assert.ok(from > 2 * PART && from <= 2 * PART + 100 * KiB, `resumed at ${from}`);
  assert.equal(srv.seen.filter((r) => r.headers.range === undefined).length, 1, "never started again");
});

test("a server that answers a ranged GET with 200 is then read over one connection", async () => {
  await using s = await setup();
  // advertises ranges and an ETag on the first response, then ignores Range
  await using srv = await serve((req, res) => {
    if (req.headers.range === undefined) return send(data, req, res, { etag: ETAG });
    send(data, req, res, { etag: ETAG, ranges: false });
  });
  const result = await downloadImage(s.options(srv.url, { checksum: checksum(), connections: 4, partBytes: PART }));
  assert.equal(result.digest, sha512(data));
  assert.deepEqual(await readFile(s.destination), data);
  assert.ok(warnings(s.events).some((m) => /whole image for a range.*starting again with one connection/.test(m)));
  const plain = srv.seen.filter((r) => r.headers.range === undefined);
  assert.equal(plain.length, 2, "the first GET, and one GET over one connection after the restart");
});

test("an image that changes during the download (new ETag) restarts over one connection and ends verified", async () => {
  await using s = await setup();
  const changed = image(data.length + 1000);
  let version = 1;
  await using srv = await serve((req, res) => {
    const current = version === 1 ? data : changed;
    send(current, req, res, { etag: `"v${version}"` });
    version = 2; // every request after the first sees the new image
  });
  const options = s.options(srv.url, { checksum: checksum(changed), connections: 4, partBytes: PART });
  const result = await downloadImage(options);
  assert.deepEqual(result, { bytes: changed.length, digest: sha512(changed), resumed: 0 });
  assert.deepEqual(await readFile(s.destination), changed);
  assert.ok(warnings(s.events).some((m) => /starting again with one connection/.test(m)));
  for (const r of ranged(srv.seen)) assert.equal(r.headers["if-range"], '"v1"');
});

test("a changed ETag on a 206 (If-Range not honoured) is caught and the download starts again", async () => {
  await using s = await setup();
  await using srv = await serve((req, res, n) => {
    // 206 with a different ETag for every ranged request: If-Range is ignored by this server
    if (req.headers.range !== undefined) delete req.headers["if-range"];
    send(data, req, res, { etag: n === 0 ? ETAG : '"other"' });
  });
  const result = await downloadImage(s.options(srv.url, { checksum: checksum(), connections: 4, partBytes: PART }));
  assert.equal(result.digest, sha512(data));
  assert.ok(warnings(s.events).some((m) => /image changed during the download/.test(m)));
});

test("a part with a wrong Content-Range restarts over one connection", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => {
    const contentRange = (a: number, b: number, t: number) => `bytes ${a + 1}-${b + 1}/${t}`;
    send(data, req, res, { etag: ETAG, contentRange });
  });
  const result = await downloadImage(s.options(srv.url, { checksum: checksum(), connections: 4, partBytes: PART }));
  assert.equal(result.digest, sha512(data));
  assert.deepEqual(await readFile(s.destination), data);
  assert.ok(warnings(s.events).some((m) => /got Content-Range bytes \d+-\d+\/\d+; starting again/.test(m)));
});

test("a part refused with 403 fails the download with the status, and removes the file", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => {
    if (req.headers.range?.startsWith(`bytes=${PART}-`)) return res.writeHead(403).end();
    send(data, req, res, { etag: ETAG });
  });
  await assert.rejects(downloadImage(s.options(srv.url, { checksum: checksum(), connections: 4, partBytes: PART })), {
    name: "InstallError",
    code: "download",
    message: `Could not download image: HTTP 403 for bytes ${PART}-${2 * PART - 1}`,
  });
  await assert.rejects(readFile(s.destination), { code: "ENOENT" });
});

test("--connections 1: one GET, no ranges", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => send(data, req, res, { etag: ETAG }));
  const result = await downloadImage(s.options(srv.url, { checksum: checksum(), connections: 1, partBytes: PART }));
  assert.equal(result.digest, sha512(data));
  assert.equal(srv.seen.length, 1);
});

test("without a validator (no ETag, no Last-Modified) the download stays on one connection", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => send(data, req, res));
  await downloadImage(s.options(srv.url, { checksum: checksum(), connections: 4, partBytes: PART }));
  assert.equal(srv.seen.length, 1);
});

// Four connections after judging the first every 50 ms, with the product's judge over this
// process's main thread only: the machine running the tests may be busy with other work, which
// would (rightly) keep byol on one connection.
function judged(s: Setup, url: string) {
  const shouldSplit = linkBound([performance]);
  return s.options(url, { checksum: checksum(), connections: 4, partBytes: PART, splitAfterMs: 50, shouldSplit });
}

function expectedRanges(): string[] {
  const out: string[] = [];
  for (let at = PART; at < data.length; at += PART) out.push(`bytes=${at}-${Math.min(at + PART, data.length) - 1}`);
  return out;
}

test("parts ahead of a stalled first part stop at the reorder bound, then all arrive in order", async () => {
  await using s = await setup();
  const part = 128 * KiB;
  const bound = 512 * KiB; // four parts
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let rangedBeforeRelease = 0;
  await using srv = await serve((req, res) => {
    if (req.headers.range !== undefined) return send(data, req, res, { etag: ETAG });
    // the first response: headers at once, its body only when released
    res.writeHead(200, { "content-length": data.length, "accept-ranges": "bytes", etag: ETAG }).flushHeaders();
    void released.then(() => res.end(data));
  });
  const options = s.options(srv.url, {
    checksum: checksum(),
    connections: 8,
    partBytes: part,
    reorderBytes: bound,
  });
  const download = downloadImage(options);
  // wait until the ranged requests stop coming, then release the first part
  for (let last = 0; ranged(srv.seen).length === 0 || last !== ranged(srv.seen).length; ) {
    last = ranged(srv.seen).length;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  rangedBeforeRelease = ranged(srv.seen).length;
  release();
  const result = await download;
  assert.equal(result.digest, sha512(data));
  assert.deepEqual(await readFile(s.destination), data);
  const parts = Math.ceil(data.length / part);
  // the bound's four parts held, plus at most one part started on each connection
  assert.ok(rangedBeforeRelease <= bound / part + 8, `${rangedBeforeRelease} ranged requests while stalled`);
  assert.ok(rangedBeforeRelease < parts - 1, "the download did not run ahead to the end");
  assert.equal(ranged(srv.seen).length, parts - 1);
});

// Ranges at once; the plain GET 32 KiB every 20 ms, as a far server would (the link is the limit).
function slowFirst(req: IncomingMessage, res: ServerResponse): void {
  if (req.headers.range !== undefined) {
    send(data, req, res, { etag: ETAG });
    return;
  }
  res.writeHead(200, { "content-length": data.length, "accept-ranges": "bytes", etag: ETAG });
  let at = 0;
  const tick = setInterval(() => {
    if (res.destroyed || at >= data.length) return clearInterval(tick);
    res.write(data.subarray(at, at + 32 * KiB));
    at += 32 * KiB;
    if (at >= data.length) res.end();
  }, 20);
}

test("a slow first connection (the link is the limit): more connections open after judging it, at a part boundary", async () => {
  await using s = await setup();
  await using srv = await serve(slowFirst);
  const result = await downloadImage(judged(s, srv.url));
  assert.deepEqual(result, { bytes: data.length, digest: sha512(data), resumed: 0 });
  assert.deepEqual(await readFile(s.destination), data);
  const starts = ranged(srv.seen).map((r) => Number(/bytes=(\d+)-/.exec(rangeOf(r) ?? "")?.[1]));
  assert.ok(starts.length > 0, "more connections were opened");
  const first = Math.min(...starts);
  assert.ok(first > 0 && first % PART === 0, `the parts start at a part boundary after the first bytes: ${first}`);
  assert.ok(first < data.length - PART, "well before the end");
  assert.deepEqual(
    starts.sort((a, b) => a - b),
    Array.from({ length: starts.length }, (_, i) => first + i * PART),
    "every part from there, once",
  );
  // the split says what the judge saw: the one connection's rate, its bytes so far, the wait for them
  const said = warnings(s.events).find((m) => m.startsWith("the link is the limit"));
  assert.match(
    said ?? "",
    /^the link is the limit \(one connection: \d+ MB\/s, \d+ MB in its first \d+ ms, waiting for bytes \d+% of the time\): 4 connections from byte \d+/,
  );
});

test("the judge is asked with the first connection's rate, and while it says no the download stays on one connection", async () => {
  await using s = await setup();
  await using srv = await serve(slowFirst);
  const rates: number[] = [];
  const shouldSplit = (bytesPerMs: number) => {
    rates.push(bytesPerMs);
    return false;
  };
  const options = { ...judged(s, srv.url), shouldSplit };
  const result = await downloadImage(options);
  assert.equal(result.digest, sha512(data));
  assert.equal(srv.seen.length, 1, "one GET");
  assert.ok(rates.length > 0, "the judge was asked");
  // 32 KiB per 20 ms is about 1640 bytes per ms (the first window may have seen none yet)
  const near = rates.filter((r) => r > 800 && r < 3300);
  assert.ok(near.length >= rates.length - 2, `rates in bytes per ms: ${rates.map(Math.round).join(" ")}`);
});

test("a first connection that brings the whole image before the judge says so stays alone", async () => {
  await using s = await setup();
  await using srv = await serve((req, res) => send(data, req, res, { etag: ETAG }));
  const options = s.options(srv.url, { checksum: checksum(), connections: 4, partBytes: PART, splitAfterMs: 60_000 });
  const result = await downloadImage(options);
  assert.equal(result.digest, sha512(data));
  assert.equal(srv.seen.length, 1, "one GET");
});

test("a split that brings no more (a server that shares one rate among its connections) is undone: the rest in one request", async () => {
  await using s = await setup();
  // one rate for the whole server: every 20 ms, 32 KiB to one of the open responses in turn
  const open: { res: import("node:http").ServerResponse; body: Buffer; at: number }[] = [];
  const alone: boolean[] = []; // for each ranged request: was it the only response open?
  const asked: [number, number][] = []; // for each ranged request: its first and last byte
  const pace = setInterval(() => {
    const r = open.shift();
    if (r === undefined) return;
    if (r.res.destroyed) return;
    r.res.write(r.body.subarray(r.at, r.at + 32 * KiB));
    r.at += 32 * KiB;
    if (r.at >= r.body.length) r.res.end();
    else open.push(r);
  }, 20);
  await using srv = await serve((req, res) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
    const [start, end] = m === null ? [0, data.length - 1] : [Number(m[1]), Number(m[2])];
    const headers: Record<string, string | number> = {
      "content-length": end - start + 1,
      "accept-ranges": "bytes",
      etag: ETAG,
    };
    if (m !== null) {
      alone.push(open.length === 0);
      asked.push([start, end]);
      headers["content-range"] = `bytes ${start}-${end}/${data.length}`;
    }
    res.writeHead(m === null ? 200 : 206, headers);
    open.push({ res, body: data.subarray(start, end + 1), at: 0 });
  });
  try {
    const result = await downloadImage(judged(s, srv.url));
    assert.equal(result.digest, sha512(data));
    assert.deepEqual(await readFile(s.destination), data);
  } finally {
    clearInterval(pace);
  }
  assert.ok(!alone.slice(0, 3).every((a) => a), `several connections at first: ${JSON.stringify(asked)}`);
  const [start, end] = asked.at(-1)!;
  assert.equal(end, data.length - 1, `the last request runs to the end of the image: ${JSON.stringify(asked)}`);
  assert.ok(end - start + 1 > 2 * PART, `and is more than a part: ${start}-${end}`);
  assert.equal(start % PART, 0, "it starts at a part boundary");
  assert.ok(asked.length < Math.ceil(data.length / PART) - 2, `fewer requests than parts: ${asked.length}`);
});

test("no split while the consumer is the one behind (it never waits for bytes), whatever the judge says", async () => {
  const total = 64 * 64 * KiB; // 4 MiB in 64 KiB chunks
  const body = Readable.from(
    (function* () {
      for (let at = 0; at < total; at += 64 * KiB) yield Buffer.alloc(64 * KiB, at / (64 * KiB));
    })(),
  );
  const first = {
    status: 200,
    headers: {},
    body,
    error: () => undefined,
    discard: () => {},
    url: new URL("http://x/"),
  };
  let asked = 0;
  let opened = 0;
  const parts = orderedParts({
    first,
    total,
    validator: ETAG,
    connections: 4,
    partBytes: 256 * KiB,
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    step: "download",
    open: async () => {
      opened++;
      throw new Error("no second connection expected");
    },
    transient: (e) => e,
    warn: () => {},
    splitAfterMs: 20,
    shouldSplit: () => {
      asked++;
      return true;
    },
  });
  let bytes = 0;
  for await (const chunk of parts) {
    bytes += chunk.length;
    await sleep(5); // the hash and the writes are slower than the link: the queue is always full
  }
  assert.equal(bytes, total);
  assert.ok(asked >= 5, `the judge was asked ${asked} times`);
  assert.equal(opened, 0, "no ranged request");
});

test("the chunks of a part are yielded as they arrived, never joined into a new buffer", async () => {
  // sixteen 4 KiB chunks already buffered in the body before anything reads it: the stream's own
  // async iterator would hand them over as one joined 64 KiB copy
  const chunks = Array.from({ length: 16 }, (_, i) => Buffer.alloc(4 * KiB, i));
  const body = new Readable({ read() {}, highWaterMark: 1 << 20 });
  for (const c of chunks) body.push(c);
  body.push(null);
  let discarded = 0;
  const first = {
    status: 200,
    headers: {},
    body,
    error: () => undefined,
    discard: () => {
      discarded++;
    },
    url: new URL("http://x/"),
  };
  const total = chunks.length * 4 * KiB;
  const parts = orderedParts({
    first,
    total,
    validator: ETAG,
    connections: 1,
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    step: "download",
    open: async () => {
      throw new Error("no second connection expected");
    },
    transient: (e) => e,
    warn: () => {},
    splitAfterMs: 1000,
  });
  const got: Buffer[] = [];
  for await (const chunk of parts) got.push(chunk);
  assert.deepEqual(
    got.map((c) => c.length),
    chunks.map((c) => c.length),
  );
  assert.ok(
    got.every((c, i) => c.buffer === chunks[i]!.buffer && c.byteOffset === chunks[i]!.byteOffset),
    "the same memory, not a copy",
  );
  assert.equal(discarded, 0);
});
