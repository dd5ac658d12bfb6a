// Waiting for something with a deadline, without leaving the deadline's timer behind: a bare sleep() in a
// Promise.race keeps Node alive until it fires, which held the rig up to a minute after its verdict.
import { setTimeout as sleep } from "node:timers/promises";

/** `p`'s value, or "timeout" if it has not settled within `ms`. The timer is cleared either way. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  const deadline = new AbortController();
  try {
    return await Promise.race([p, sleep(ms, "timeout" as const, { signal: deadline.signal })]);
  } finally {
    deadline.abort(); // race() already handles the sleep's AbortError
  }
}
