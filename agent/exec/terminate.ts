// Stops a command on timeout or abort. Commands run in their own process group, so the
// whole tree is signalled: a script's grandchildren would otherwise keep its pipes open.

export const GRACE_MS = 5000;

export type StopReason = "timeout" | "abort";

export interface Terminator {
  readonly reason: StopReason | undefined;
  [Symbol.dispose](): void;
}

// SIGTERM to the group, then SIGKILL after the grace period if it is still there.
function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // the group is gone already
  }
}

// Arms the timeout and the abort listener for one subprocess; dispose when it has exited.
export function terminateOn(
  pid: number | undefined,
  opts: { timeoutMs?: number; signal?: AbortSignal; graceMs?: number; onStop?: (why: StopReason) => void },
): Terminator {
  let reason: StopReason | undefined;
  const timers: NodeJS.Timeout[] = [];
  const stop = (why: StopReason) => {
    if (reason !== undefined || pid === undefined) return;
    reason = why;
    opts.onStop?.(why);
    signalGroup(pid, "SIGTERM");
    timers.push(setTimeout(() => signalGroup(pid, "SIGKILL"), opts.graceMs ?? GRACE_MS).unref());
  };
  const onAbort = () => stop("abort");
  if (opts.timeoutMs !== undefined) timers.push(setTimeout(() => stop("timeout"), opts.timeoutMs));
  if (opts.signal?.aborted) stop("abort");
  else opts.signal?.addEventListener("abort", onAbort, { once: true });
  return {
    get reason() {
      return reason;
    },
    [Symbol.dispose]() {
      for (const t of timers) clearTimeout(t);
      opts.signal?.removeEventListener("abort", onAbort);
    },
  };
}
