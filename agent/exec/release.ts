// Releases on the run's AsyncDisposableStack. A release retries, logs its own failures and
// never throws: a teardown problem must never hide the error that caused the teardown.

import type { RunContext } from "./context.ts";
import { type RetryOptions, retry } from "./retry.ts";

export type ReleaseContext = Pick<RunContext, "stack" | "log" | "events">;

export interface ReleaseOptions extends Omit<RetryOptions, "onError"> {
  fallback?: () => Promise<void>; // tried once when every attempt failed, e.g. `umount -l`
}

// Registers `release` to run when the stack is disposed. The returned function releases
// now instead (idempotent), for a handle a step is done with before the run ends.
export function deferRelease(
  ctx: ReleaseContext,
  what: string,
  release: () => Promise<void>,
  opts: ReleaseOptions = {},
): () => Promise<void> {
  let done: Promise<void> | undefined;
  const once = () => {
    done ??= releaseQuietly(ctx, what, release, opts);
    return done;
  };
  ctx.stack.defer(once);
  return once;
}

// Runs the release with retries, then the fallback; reports instead of throwing.
async function releaseQuietly(
  ctx: ReleaseContext,
  what: string,
  release: () => Promise<void>,
  opts: ReleaseOptions,
): Promise<void> {
  const onError = (error: unknown, attempt: number) =>
    ctx.log.warn({ what, attempt, err: error }, `releasing ${what} failed`);
  try {
    await retry(release, { ...opts, onError });
    ctx.log.info({ what }, `released ${what}`);
    return;
  } catch (error) {
    if (opts.fallback === undefined) return report(ctx, what, error);
  }
  try {
    await opts.fallback();
    ctx.log.info({ what }, `released ${what} (fallback)`);
  } catch (error) {
    report(ctx, what, error);
  }
}

// The final word on a release that did not happen: in the log and on the event stream.
function report(ctx: ReleaseContext, what: string, error: unknown): void {
  const message = `could not release ${what}: ${error instanceof Error ? error.message : String(error)}`;
  ctx.log.error({ what, err: error }, message);
  ctx.events.emit({ step: "teardown", phase: "log", level: "warn", message });
}
