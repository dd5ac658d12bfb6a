// The run's state as the steps change it, written through to the run state file at once:
// the next command may be the one during which the run is killed, and `byol cleanup`
// then needs to know which step it was in and whether disks were written.

import type { RunContext } from "./context.ts";
import { RunStateStore } from "./state.ts";

// Entering a plan step.
export function enterStep(ctx: RunContext, stepId: string): void {
  ctx.state.step = stepId;
  save(ctx);
}

// The one switch between exit 3 and exit 4, flipped just before the first command that
// writes a target disk. Every disk step calls it first; only the first call does anything.
export function markDisksWritten(ctx: RunContext): void {
  if (ctx.state.disksWritten) return;
  ctx.state.disksWritten = true;
  save(ctx);
}

function save(ctx: RunContext): void {
  if (ctx.held instanceof RunStateStore) ctx.held.save(ctx.state);
}
