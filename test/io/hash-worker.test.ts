import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { test } from "node:test";
import { HashWorker } from "../../agent/io/hash-worker.ts";

for (const algorithm of ["md5", "sha1", "sha256", "sha512"] as const) {
  test(`${algorithm} of batches equals node:crypto's`, async () => {
    const data = randomBytes(200_000);
    await using hasher = new HashWorker(algorithm, { batchBytes: 16 * 1024, batches: 2 });
    for (let at = 0; at < data.length; at += 16 * 1024) {
      const batch = await hasher.acquire(); // waits for a batch back from the worker after the 2nd
      const part = data.subarray(at, at + batch.length);
      batch.set(part);
      hasher.submit(batch, part.length);
      assert.equal(batch.byteLength, 0, "the batch was transferred, not copied");
    }
    assert.equal(await hasher.digest(), createHash(algorithm).update(data).digest("hex"));
  });
}

test("a released batch is reused and not hashed", async () => {
  await using hasher = new HashWorker("sha256", { batchBytes: 1024, batches: 1 });
  const batch = await hasher.acquire();
  batch.fill(7);
  hasher.release(batch);
  const again = await hasher.acquire();
  assert.equal(again.buffer, batch.buffer);
  assert.equal(await hasher.digest(), createHash("sha256").digest("hex"));
});

test("acquire fails once the worker is closed", async () => {
  const hasher = new HashWorker("sha1");
  await hasher[Symbol.asyncDispose]();
  await assert.rejects(hasher.acquire(), /closed/);
});

test("bytesPerMs: unknown until four batches are hashed, then the hash thread's speed", async () => {
  await using hasher = new HashWorker("sha256", { batchBytes: 64 * 1024, batches: 2 });
  const feed = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const batch = await hasher.acquire();
      batch.fill(i);
      hasher.submit(batch, batch.length);
    }
    // both batches back: everything submitted so far is hashed
    const [a, b] = [await hasher.acquire(), await hasher.acquire()];
    hasher.release(a);
    hasher.release(b);
  };
  await feed(3);
  assert.equal(hasher.bytesPerMs(), undefined);
  await feed(13);
  const speed = hasher.bytesPerMs();
  assert.ok(speed !== undefined && Number.isFinite(speed) && speed > 0, `speed ${speed}`);
});
