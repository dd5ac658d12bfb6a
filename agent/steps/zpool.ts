// Create one ZFS pool over a partition of each disk of the group, then its datasets, with the
// plan's zpool create (altroot /tmp/a, nothing mounted) and zfs create. The pool is held from
// the moment it exists: its handle exports it when the run ends, fails or is interrupted, and a
// failed run then clears its members' labels before the tables are reset (see the wipe's holders).

import type { RunContext } from "../exec/context.ts";
import { markDisksWritten } from "../exec/run-state.ts";
import { zpoolHandle } from "../exec/teardown.ts";
import type { ZpoolStep } from "../plan/types.ts";

export async function run(ctx: RunContext, step: ZpoolStep): Promise<void> {
  markDisksWritten(ctx);
  let held = false;
  for (const argv of step.commands) {
    await ctx.runner.run(argv, { step: step.id });
    if (!held && argv[0] === "zpool" && argv[1] === "create") {
      zpoolHandle(ctx, step.pool);
      held = true;
    }
  }
}
