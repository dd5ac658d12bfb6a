// Whether the link, not this machine, limits a download: neither the thread that receives (the
// main thread) nor the hash worker nor the machine's processors together (`machine`: a server on
// the same machine, other work) were busy for as much as `busy` of the time in each of the last
// `windows` windows between calls (the first call only starts the clock, and the first window, the
// start-up, is left out). Only
// then do more connections pay; when a thread is busy they add work to it (measured on loopback:
// 8 connections took 2× the wall time and 1.7× the CPU of one, most of it garbage collection).

import { cpus } from "node:os";
import type { EventLoopUtilization } from "node:perf_hooks";

export interface Utilized {
  eventLoopUtilization(): EventLoopUtilization;
}

// Under a third of the time: a link at a third of the hash's speed could gain up to 3× from more
// connections; above that, too little to be worth the risk (the split is undone if it brings nothing)
export const BUSY = 0.35;

// The machine as a whole may be busier (the download's own threads are part of it): with 40% of
// its processors idle, a server on the same machine or other work does not starve the download.
export const MACHINE_BUSY = 0.6;

// How many of the last windows (the time between two calls) must each have been calm. One calm
// stretch is not enough: on a fast link the download also pauses now and then (a collection, the
// server's own pause), and a split it did not need made a loopback download 2× slower (measured).
export const WINDOWS = 4;

// One connection at this fraction of the hash's own speed or more is enough: more connections
// could gain at most 1 / ENOUGH, and on a fast link they cost more CPU than they bring (measured on
// loopback: the default split at 1.48x the hash bound against 1.25x on one connection, 3 Dec). A
// link that fast still looks idle to the judge when this machine stalls elsewhere (its writes into RAM).
export const ENOUGH = 0.5;
// Below this fraction of the hash's speed more connections can bring 4x or more: QUICK_WINDOWS calm
// windows are enough to split (each window waited costs the most on such a link: measured, capped at
// 40 MB/s per connection, the split after 4 windows came at 1.2 s of a 3 s download). Not one: a fast
// link starts slowly (loopback: 23 MB in its first 300 ms, then 350 MB/s, later 700). (The bench split
// at 650 ms once cited here was the capped server's, misread; by hand, one window split the capped
// download ~200 ms sooner, 2.83-3.04 s against 3.07-3.32 s, and no uncapped one in 4 runs: untried
// in the bench and the rig.)
export const CLEARLY_SLOW = 0.25;
export const QUICK_WINDOWS = 2;

// The judge of a download on one connection, called every window with the connection's rate:
// false while that rate is at least ENOUGH of the hash's speed (`hashSpeed`, bytes per ms; undefined
// while unknown); below CLEARLY_SLOW of it, QUICK_WINDOWS calm windows of `threads` in a row; in
// between, or while the hash's speed is unknown, WINDOWS calm windows in a row.
export function splitJudge(
  threads: (Utilized | [Utilized, number])[],
  hashSpeed: () => number | undefined,
): (bytesPerMs: number) => boolean {
  const streak = calmStreak(threads);
  return (bytesPerMs) => {
    const calm = streak(); // called every window: it keeps the clock
    const hash = hashSpeed();
    if (hash === undefined) return calm >= WINDOWS;
    if (bytesPerMs >= ENOUGH * hash) return false;
    return calm >= (bytesPerMs < CLEARLY_SLOW * hash ? QUICK_WINDOWS : WINDOWS);
  };
}

// `threads` each with its own bound (default BUSY): true when, in each of the last `windows`
// windows, every thread was busy less than its bound.
export function linkBound(threads: (Utilized | [Utilized, number])[], busy = BUSY, windows = WINDOWS): () => boolean {
  const streak = calmStreak(threads, busy);
  return () => streak() >= windows;
}

// How many windows in a row, up to this call, every thread was busy less than its bound (the
// first call only starts the clock, and the first window, the start-up, is left out).
function calmStreak(threads: (Utilized | [Utilized, number])[], busy = BUSY): () => number {
  const sources = threads.map((t) => (Array.isArray(t) ? t : ([t, busy] as const)));
  let last: EventLoopUtilization[] | undefined;
  let windows = 0; // windows measured so far
  let streak = 0;
  return () => {
    const now = sources.map(([t]) => t.eventLoopUtilization());
    const from = last;
    last = now;
    if (from === undefined || windows++ === 0) return 0;
    const calm = now.every((u, i) => {
      const active = u.active - from[i]!.active;
      const idle = u.idle - from[i]!.idle;
      // a thread asleep through the window may report nothing yet: idle
      return active + idle <= 0 || active / (active + idle) < sources[i]![1];
    });
    streak = calm ? streak + 1 : 0;
    return streak;
  };
}

// All the machine's processors as one: busy is anything but idle (from /proc/stat, in ms).
export const machine: Utilized = {
  eventLoopUtilization() {
    let active = 0;
    let idle = 0;
    for (const { times } of cpus()) {
      active += times.user + times.nice + times.sys + times.irq;
      idle += times.idle;
    }
    return { active, idle, utilization: active / (active + idle || 1) };
  },
};
