// The judge of agent/download/link-bound.ts over threads whose utilisation the test sets.

import assert from "node:assert/strict";
import type { EventLoopUtilization } from "node:perf_hooks";
import { test } from "node:test";
import { linkBound, machine, type Utilized } from "../../agent/download/link-bound.ts";

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

test("the link is the limit only when every thread was mostly idle over the last two windows", () => {
  const [main, hash] = [thread(), thread()];
  const judge = linkBound([main, hash], 0.5);
  const step = (m: number, h: number) => {
    main.run(m);
    hash.run(h);
    return judge();
  };
  assert.equal(judge(), false, "the first call starts the clock");
  assert.equal(step(0.1, 0.1), false, "one window is not enough");
  assert.equal(step(0.1, 0.1), true);
  assert.equal(step(0.1, 0.95), false, "the hash was busy: (0.1 + 0.95) / 2 ≥ 0.5");
  assert.equal(step(0.1, 0.2), false, "still busy over the last two windows: (0.95 + 0.2) / 2");
  assert.equal(step(0.1, 0.2), true);
  assert.equal(step(0.9, 0.1), false, "the main thread: (0.1 + 0.9) / 2 is not under 0.5");
});

test("a thread that slept through the windows (nothing measured) counts as idle", () => {
  const sleeper: Utilized = { eventLoopUtilization: () => ({ active: 0, idle: 0, utilization: 0 }) };
  const busy = thread();
  const judge = linkBound([sleeper]);
  judge();
  judge();
  assert.equal(judge(), true);
  const judgeBusy = linkBound([sleeper, busy]);
  for (let i = 0; i < 3; i++) busy.run(1);
  judgeBusy();
  busy.run(1);
  judgeBusy();
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
  const judge = linkBound([main, [box, 0.6]], 0.35);
  judge();
  main.run(0.2);
  box.run(0.5);
  judge();
  main.run(0.2);
  box.run(0.5);
  assert.equal(judge(), true, "the machine at 0.5 is under its 0.6");
  main.run(0.4);
  box.run(0.5);
  main.run(0.4);
  box.run(0.5);
  judge();
  assert.equal(judge(), false, "the main thread at 0.4 is not under 0.35");
});
