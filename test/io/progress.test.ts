import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import { ProgressStage } from "../../agent/io/progress.ts";

// Sends `chunks` through a ProgressStage whose clock advances `step` ms per chunk.
async function reports(chunks: number[], step: number, start = 0, total: number | null = null) {
  const seen: [number, number | null][] = [];
  let clock = 0;
  const stage = new ProgressStage({
    start,
    total,
    intervalMs: 250,
    now: () => clock,
    report: (bytes, t) => seen.push([bytes, t]),
  });
  const done = pipeline(stage, new Writable({ write: (_c, _e, cb) => cb() }));
  for (const n of chunks) {
    clock += step;
    await new Promise((resolve) => stage.write(Buffer.alloc(n), resolve));
  }
  stage.end();
  await done;
  return seen;
}

test("reports at most once per interval, and once at the end", async () => {
  const seen = await reports([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 100, 0, 10);
  // the clock passes 250 ms at the 3rd, 6th and 9th chunk; then the final report
  assert.deepEqual(seen, [
    [3, 10],
    [6, 10],
    [9, 10],
    [10, 10],
  ]);
});

test("counts from the resume offset, total unknown", async () => {
  const seen = await reports([5, 5], 1, 100);
  assert.deepEqual(seen, [[110, null]]);
});
