// One LVM volume group with its logical volumes, with the plan's pvcreate, vgcreate and
// lvcreate, on PVs cleared of an earlier install's label first (agent/disk/stale-pv.ts). Its handle deactivates the group when the run ends, fails or is interrupted.

import { clearStalePv, pvcreate } from "../disk/stale-pv.ts";
import { waitForNodes } from "../disk/wait-for-nodes.ts";
import type { RunContext } from "../exec/context.ts";
import { markDisksWritten } from "../exec/run-state.ts";
import { lvmHandle } from "../exec/teardown.ts";
import type { LvmStep } from "../plan/types.ts";

export async function run(ctx: RunContext, step: LvmStep): Promise<void> {
  markDisksWritten(ctx);
  for (const pv of step.pvs) await clearStalePv(ctx, step.id, pv);
  let held = false;
  for (const argv of step.commands) {
    if (argv[0] === "pvcreate") await pvcreate(ctx, step.id, argv);
    else await ctx.runner.run(argv, { step: step.id });
    if (!held && argv[0] === "vgcreate") {
      lvmHandle(ctx, step.vg);
      held = true;
    }
  }
  const lvs = step.lvs.map((lv) => lv.device);
  await waitForNodes(lvs, { step: step.id, what: `creating the volumes of ${step.vg}`, signal: ctx.signal });
}
