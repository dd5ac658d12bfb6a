// The things a run holds (mounts, nbd, md, loop, active VGs), each released in reverse
// order by the run's stack and recorded in the state file while held. Call a handle right
// after the command that acquired it succeeded.

import { CommandError } from "../errors.ts";
import type { RunContext } from "./context.ts";
import { deferRelease, type ReleaseOptions } from "./release.ts";
import type { HeldKind } from "./types.ts";

export type HandleContext = Pick<RunContext, "stack" | "log" | "events" | "runner" | "held">;

// Teardown commands still run after SIGINT, and never hang the exit.
export const TEARDOWN = { step: "teardown", ignoreAbort: true, timeoutMs: 60_000 } as const;

// Every handle returns "release now" (idempotent); the stack releases it otherwise.
type Release = () => Promise<void>;
type Retry = Omit<ReleaseOptions, "fallback">; // attempts (default 5), delayMs (default 250, doubled)

// Holds `value` in the state file until `argv` released it.
function handle(ctx: HandleContext, kind: HeldKind, value: string, argv: string[], retry: Retry) {
  ctx.held?.hold(kind, value);
  const release = async () => {
    await ctx.runner.run(argv, TEARDOWN);
    ctx.held?.drop(kind, value);
  };
  return deferRelease(ctx, `${kind} ${value}`, release, retry);
}

// A filesystem mounted on `target`; a busy umount is retried, then done lazily.
export function mountHandle(ctx: HandleContext, target: string, retry: Retry = {}): Release {
  ctx.held?.hold("mounts", target);
  const umount = async (argv: string[]) => {
    try {
      await ctx.runner.run(argv, TEARDOWN);
    } catch (error) {
      if (!isNotMounted(error)) throw error;
    }
    ctx.held?.drop("mounts", target);
  };
  return deferRelease(ctx, `mount ${target}`, () => umount(["umount", target]), {
    ...retry,
    fallback: () => umount(["umount", "-l", target]),
  });
}

// Someone (a script, a lazy umount) already unmounted it: that is released too.
export function isNotMounted(error: unknown): boolean {
  return error instanceof CommandError && /not mounted|no mount point specified/.test(error.stderrTail);
}

export function mdHandle(ctx: HandleContext, dev: string, retry: Retry = {}): Release {
  return handle(ctx, "md", dev, ["mdadm", "--stop", dev], retry);
}

export function nbdHandle(ctx: HandleContext, dev: string, retry: Retry = {}): Release {
  return handle(ctx, "nbd", dev, ["qemu-nbd", "-d", dev], retry);
}

export function loopHandle(ctx: HandleContext, dev: string, retry: Retry = {}): Release {
  return handle(ctx, "loop", dev, ["losetup", "-d", dev], retry);
}

export function lvmHandle(ctx: HandleContext, vg: string, retry: Retry = {}): Release {
  return handle(ctx, "lvm", vg, ["vgchange", "-an", vg], retry);
}
