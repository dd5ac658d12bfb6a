import assert from "node:assert/strict";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import { LimitStage } from "../../agent/io/limit.ts";

// Pipes `chunks` through a LimitStage and returns how many bytes came out.
async function run(chunks: number[], maxBytes: number, seen = 0): Promise<number> {
  let out = 0;
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      out += chunk.length;
      cb();
    },
  });
  const source = Readable.from(chunks.map((n) => Buffer.alloc(n)));
  await pipeline(source, new LimitStage({ maxBytes, seen, error: () => new Error("too big") }), sink);
  return out;
}

test("passes a stream that stays within the limit", async () => {
  assert.equal(await run([10, 20, 30], 60), 60);
});

test("fails as soon as the limit is crossed", async () => {
  await assert.rejects(run([10, 20, 31], 60), /too big/);
});

test("counts bytes seen before a resume", async () => {
  assert.equal(await run([10], 60, 50), 10);
  await assert.rejects(run([11], 60, 50), /too big/);
});
