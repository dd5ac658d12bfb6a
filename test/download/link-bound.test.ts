// The judge of agent/download/link-bound.ts over threads whose utilisation the test sets.

import assert from "node:assert/strict";
import type { EventLoopUtilization } from "node:perf_hooks";
import { test } from "node:test";
import { linkBound, machine, splitJudge, type Utilized } from "../../agent/download/link-bound.ts";

// A thread whose cumulative active/idle time grows by the given share of each 100 ms window.
function thread(): Utilized & { run(share: number): void } {
  let active = 0;
  let idle = 0;
  return {
    run(share) {
      active += 100 * share;
      idle += 100 * (1 - share);
    },
    eventLoopUtilization: (): EventLoopUtilization => ({ active, idle, utilization: active / (active + idle || 1) }),
  };
}

test("the link is the limit only when every thread was mostly idle in each of the last windows", () => {
  const [main, hash] = [thread(), thread()];
  const judge = linkBound([main, hash], 0.5, 2);
  const step = (m: number, h: number) => {
    main.run(m);
    hash.run(h);
    return judge();
  };
  assert.equal(judge(), false, "the first call starts the clock");
  assert.equal(step(0.1, 0.1), false, "the first window (the start-up) is left out");
  assert.equal(step(0.1, 0.1), false, "one window is not enough");
  assert.equal(step(0.1, 0.1), true);
  assert.equal(step(0.1, 0.95), false, "the hash was busy in the last window");
  assert.equal(step(0.1, 0.2), false, "and in the one before: an average of 0.575 would not show a pause apart");
  assert.equal(step(0.1, 0.2), true);
  assert.equal(step(0.9, 0.1), false, "the main thread was busy");
});

test("by default four calm windows in a row: one pause of a busy download is not a slow link", () => {
  const [main, hash] = [thread(), thread()];
  const judge = linkBound([main, hash]);
  const step = (m: number, h: number) => {
    main.run(m);
    hash.run(h);
    return judge();
  };
  judge();
  step(0.9, 0.9); // the start-up, left out
  const seen = [0.9, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1, 0.1].map((share) => step(share, share));
  assert.deepEqual(seen, [false, false, false, false, false, false, false, true]);
});

test("a thread that slept through the windows (nothing measured) counts as idle", () => {
  const sleeper: Utilized = { eventLoopUtilization: () => ({ active: 0, idle: 0, utilization: 0 }) };
  const busy = thread();
  const judge = linkBound([sleeper], undefined, 2);
  judge();
  judge();
  judge();
  assert.equal(judge(), true);
  const judgeBusy = linkBound([sleeper, busy], undefined, 2);
  for (let i = 0; i < 4; i++) {
    busy.run(1);
    judgeBusy();
  }
  busy.run(1);
  assert.equal(judgeBusy(), false);
});

test("the machine's processors read as one busy/idle account that grows", () => {
  const a = machine.eventLoopUtilization();
  for (let i = 0; i < 2e6; i++) Math.sqrt(i);
  const b = machine.eventLoopUtilization();
  assert.ok(b.active + b.idle >= a.active + a.idle);
  assert.ok(a.utilization >= 0 && a.utilization <= 1);
});

test("each source may have its own bound", () => {
  const [main, box] = [thread(), thread()];
  const judge = linkBound([main, [box, 0.6]], 0.35, 2);
  const step = (m: number, b: number) => {
    main.run(m);
    box.run(b);
    return judge();
  };
  judge();
  step(0.2, 0.5);
  step(0.2, 0.5);
  assert.equal(step(0.2, 0.5), true, "the machine at 0.5 is under its 0.6");
  assert.equal(step(0.4, 0.5), false, "the main thread at 0.4 is not under 0.35");
});

test("splitJudge: never while one connection brings half the hash's speed; two calm windows when below a quarter", () => {
  const idle = thread();
  let hash: number | undefined = 1000; // bytes per ms
  const calls = (judge: (rate: number) => boolean, rate: number, n: number) =>
    Array.from({ length: n }, () => {
      idle.run(0.05);
      return judge(rate);
    });
  const fresh = (rate: number, n: number) =>
    calls(
      splitJudge([idle], () => hash),
      rate,
      n,
    );
  // every window calm: only the rate decides
  assert.deepEqual(fresh(500, 8), Array(8).fill(false), "half the hash's speed: enough");
  assert.deepEqual(
    fresh(100, 5),
    [false, false, false, true, true],
    "a tenth: the clock, the start-up, then two calm windows",
  );
  assert.deepEqual(
    fresh(400, 7),
    [false, false, false, false, false, true, true],
    "two fifths: four calm windows in a row",
  );
  hash = undefined;
  assert.deepEqual(
    fresh(100, 7),
    [false, false, false, false, false, true, true],
    "the hash's speed unknown: four calm windows",
  );
});

test("splitJudge: a busy thread keeps one connection whatever the rate", () => {
  const busy = thread();
  const judge = splitJudge([busy], () => 1000);
  const seen = Array.from({ length: 8 }, () => {
    busy.run(0.9);
    return judge(10);
  });
  assert.deepEqual(seen, Array(8).fill(false));
});
