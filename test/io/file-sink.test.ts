import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import { FileSinkError } from "../../agent/errors.ts";
import { PlainPool } from "../../agent/io/batch-pool.ts";
import { FileSink } from "../../agent/io/file-sink.ts";
import { HashWorker } from "../../agent/io/hash-worker.ts";

async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await mkdtemp(join(tmpdir(), "byol-sink-"));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

// Odd-sized chunks, so that batches fill across chunk boundaries.
function chunks(data: Buffer, size = 7777): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) out.push(data.subarray(at, at + size));
  return out;
}

test("writes every byte, hashing exactly what was written", async () => {
  await using dir = await tempDir();
  const data = randomBytes(100_000);
  await using hasher = new HashWorker("sha256", { batchBytes: 4096, batches: 3 });
  const sink = new FileSink({ path: join(dir.path, "img"), position: 0, pool: hasher });
  await pipeline(Readable.from(chunks(data)), sink);
  assert.equal(sink.written, data.length);
  assert.deepEqual(await readFile(join(dir.path, "img")), data);
  assert.equal(await hasher.digest(), createHash("sha256").update(data).digest("hex"));
});

test("resumes after the first N bytes and drops anything past them", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "img");
  const data = randomBytes(50_000);
  await writeFile(path, Buffer.concat([data.subarray(0, 20_000), Buffer.alloc(999, 1)]));
  const sink = new FileSink({ path, position: 20_000, pool: new PlainPool(4096) });
  await pipeline(Readable.from(chunks(data.subarray(20_000))), sink);
  assert.equal(sink.written, 50_000);
  assert.deepEqual(await readFile(path), data);
});

test("a file that cannot be opened fails with FileSinkError", async () => {
  await using dir = await tempDir();
  const sink = new FileSink({ path: join(dir.path, "missing", "img"), position: 0, pool: new PlainPool() });
  await assert.rejects(pipeline(Readable.from([Buffer.alloc(10)]), sink), (e: unknown) => {
    assert.ok(e instanceof FileSinkError);
    assert.equal(e.code, "ENOENT");
    return true;
  });
});
