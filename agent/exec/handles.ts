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

// Holds `value` until `argv` released it, or `fallback` once every attempt failed; an error
// `gone` recognises means someone else already released it, which counts as released.
function tolerantHandle(
  ctx: HandleContext,
  kind: HeldKind,
  value: string,
  commands: { argv: string[]; fallback: string[]; gone: (error: unknown) => boolean },
  retry: Retry,
): Release {
  ctx.held?.hold(kind, value);
  const release = async (argv: string[]) => {
    try {
      await ctx.runner.run(argv, TEARDOWN);
    } catch (error) {
      if (!commands.gone(error)) throw error;
    }
    ctx.held?.drop(kind, value);
  };
  return deferRelease(ctx, `${kind === "mounts" ? "mount" : kind} ${value}`, () => release(commands.argv), {
    ...retry,
    fallback: () => release(commands.fallback),
  });
}

// A filesystem mounted on `target`; a busy umount is retried, then done lazily.
export function mountHandle(ctx: HandleContext, target: string, retry: Retry = {}): Release {
  const commands = { argv: ["umount", target], fallback: ["umount", "-l", target], gone: isNotMounted };
  return tolerantHandle(ctx, "mounts", target, commands, retry);
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

// A ZFS pool the run created: exported when the run ends (unmounting its datasets), which is also
// the state the installed system imports it from. One that is already gone counts as released.
export function zpoolHandle(ctx: HandleContext, pool: string, retry: Retry = {}): Release {
  const commands = { argv: ["zpool", "export", pool], fallback: ["zpool", "export", "-f", pool], gone: isNoSuchPool };
  return tolerantHandle(ctx, "zpool", pool, commands, retry);
}

// `cannot open 'tank': no such pool`: not imported (any more).
export function isNoSuchPool(error: unknown): boolean {
  return error instanceof CommandError && /no such pool/.test(error.stderrTail);
}
