// Whether the link, not this machine, limits a download: neither the thread that receives (the
// main thread) nor the hash worker nor the machine's processors together (`machine`: a server on
// the same machine, other work) were busy for as much as `busy` of the time over the last two
// calls' worth of time (the first call only starts the clock: it leaves the start-up out). Only
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

// `threads` each with its own bound (default BUSY).
export function linkBound(threads: (Utilized | [Utilized, number])[], busy = BUSY): () => boolean {
  const sources = threads.map((t) => (Array.isArray(t) ? t : ([t, busy] as const)));
  const marks: EventLoopUtilization[][] = [];
  return () => {
    marks.push(sources.map(([t]) => t.eventLoopUtilization()));
    if (marks.length < 3) return false;
    const from = marks.shift()!;
    const now = marks.at(-1)!;
    return now.every((u, i) => {
      const active = u.active - from[i]!.active;
      const idle = u.idle - from[i]!.idle;
      // a thread asleep through the windows may report nothing yet: idle
      return active + idle <= 0 || active / (active + idle) < sources[i]![1];
    });
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
