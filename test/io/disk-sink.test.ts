// The hold-back: no byte of the image's first MiB reaches the disk before commit(), whatever the
// image's size (odd boundaries, shorter than 1 MiB), and beforeWrite sees the whole head before
// any other byte is written.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { after, describe, it } from "node:test";
import { PlainPool } from "../../agent/io/batch-pool.ts";
import { HEAD_BYTES, HeldHeadDisk } from "../../agent/io/disk-sink.ts";
import { FileSink } from "../../agent/io/file-sink.ts";
import { allZero, MiB, readBytes, sparseDisk } from "../support/byoi-images.ts";

const dir = mkdtempSync(join(tmpdir(), "byol-disk-sink-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function chunks(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) out.push(data.subarray(at, at + size));
  return out;
}

// Streams `data` into a fresh 8 MiB "disk" through FileSink + HeldHeadDisk; returns what the disk
// held when beforeWrite ran and just before commit.
async function stream(name: string, data: Buffer, batch = 256 * 1024) {
  const path = join(dir, name);
  sparseDisk(path, 8 * MiB, 0xaa);
  const seen: { head?: Buffer; diskHeadAtCheck?: Buffer; writtenAtCheck?: Buffer } = {};
  const disk = new HeldHeadDisk({
    path,
    sizeBytes: 8 * MiB,
    beforeWrite: async (head) => {
      seen.head = Buffer.from(head);
      seen.diskHeadAtCheck = readBytes(path, 0, Math.min(data.length, HEAD_BYTES));
      seen.writtenAtCheck = readBytes(path, HEAD_BYTES, 8 * MiB - HEAD_BYTES);
    },
  });
  const sink = new FileSink({ path, position: 0, pool: new PlainPool(batch), destination: disk });
  await pipeline(Readable.from(chunks(data, 77_777)), sink);
  const beforeCommit = readBytes(path, 0, 8 * MiB);
  await disk.commit(data.length);
  return { path, seen, beforeCommit, after: readBytes(path, 0, 8 * MiB) };
}

describe("HeldHeadDisk", () => {
  it("an image ending on an odd boundary: its first MiB reaches the disk only at commit", async () => {
    const data = randomBytes(3 * MiB + 12_345);
    const r = await stream("odd.raw", data);
    // before commit: the disk's first MiB is what was there (0xaa), the rest is the image
    assert.ok(r.beforeCommit.subarray(0, HEAD_BYTES).every((b) => b === 0xaa));
    assert.deepEqual(r.beforeCommit.subarray(HEAD_BYTES, data.length), data.subarray(HEAD_BYTES));
    // beforeWrite saw the whole head while nothing at all had been written
    assert.deepEqual(r.seen.head, data.subarray(0, HEAD_BYTES));
    assert.ok(r.seen.writtenAtCheck?.every((b) => b === 0xaa));
    // after commit: the image, and the disk beyond it as it was
    assert.deepEqual(r.after.subarray(0, data.length), data);
    assert.ok(r.after.subarray(data.length).every((b) => b === 0xaa));
  });

  it("an image shorter than 1 MiB is written only at commit, and checked there", async () => {
    const data = randomBytes(700_001);
    const r = await stream("short.raw", data);
    assert.ok(r.beforeCommit.every((b) => b === 0xaa));
    assert.deepEqual(r.seen.head, data);
    assert.deepEqual(r.after.subarray(0, data.length), data);
    assert.ok(r.after.subarray(data.length).every((b) => b === 0xaa));
  });

  it("batches larger than the head: the head is split off the first batch", async () => {
    const data = randomBytes(5 * MiB + 3);
    const r = await stream("big-batch.raw", data, 4 * MiB);
    assert.ok(r.beforeCommit.subarray(0, HEAD_BYTES).every((b) => b === 0xaa));
    assert.deepEqual(r.after.subarray(0, data.length), data);
  });

  it("a refusal in beforeWrite leaves the disk untouched", async () => {
    const path = join(dir, "refused.raw");
    sparseDisk(path, 4 * MiB, 0x55);
    const disk = new HeldHeadDisk({
      path,
      sizeBytes: 4 * MiB,
      beforeWrite: () => Promise.reject(new Error("no table")),
    });
    const sink = new FileSink({ path, position: 0, pool: new PlainPool(MiB), destination: disk });
    await assert.rejects(pipeline(Readable.from([randomBytes(3 * MiB)]), sink), /no table/);
    assert.ok(readFileSync(path).every((b) => b === 0x55));
  });

  it("a restart from byte 0 collects the head again; scrub zeroes the first MiB, the written end and the disk's end", async () => {
    const path = join(dir, "restart.raw");
    sparseDisk(path, 8 * MiB, 0x11);
    let checks = 0;
    const disk = new HeldHeadDisk({ path, sizeBytes: 8 * MiB, beforeWrite: async () => void checks++ });
    const first = randomBytes(3 * MiB);
    await pipeline(
      Readable.from([first]),
      new FileSink({ path, position: 0, pool: new PlainPool(MiB), destination: disk }),
    );
    const second = randomBytes(2 * MiB);
    await pipeline(
      Readable.from([second]),
      new FileSink({ path, position: 0, pool: new PlainPool(MiB), destination: disk }),
    );
    assert.equal(checks, 1);
    assert.equal(disk.writtenEnd, 3 * MiB);
    await disk.scrub();
    const after = readFileSync(path);
    assert.ok(allZero(after.subarray(0, MiB)));
    assert.ok(allZero(after.subarray(2 * MiB, 3 * MiB)));
    assert.ok(allZero(after.subarray(7 * MiB)));
    assert.deepEqual(after.subarray(MiB, 2 * MiB), second.subarray(MiB));
  });
});
