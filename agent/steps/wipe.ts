// Wipe the target disks: release whatever an earlier install left on them (mounts, swap,
// LVM volume groups, md arrays the rescue system auto-assembled), clear the signatures of
// every partition, then the plan's wipefs and `sgdisk -Z` of each disk, which also clears
// the backup GPT.

import { parseMdstat } from "../disk/holders.ts";
import { readMdstat, releaseHolders } from "../disk/release-holders.ts";
import { settle } from "../disk/settle.ts";
import type { RunContext } from "../exec/context.ts";
import { markDisksWritten } from "../exec/run-state.ts";
import type { WipeStep } from "../plan/types.ts";

export async function wipe(ctx: RunContext, step: WipeStep): Promise<void> {
  const run = (argv: readonly string[]) => ctx.runner.run(argv, { step: step.id });
  const holders = await releaseHolders(ctx, step.disks, { step: step.id }, () => markDisksWritten(ctx));
  markDisksWritten(ctx);
  for (const partition of holders.partitions) await run(["wipefs", "-a", "-f", partition]);

  // the plan stops the arrays probe saw; the ones released above are already stopped
  const stillActive = new Set(parseMdstat(await readMdstat()).map((md) => md.device));
  for (const argv of step.commands) {
    if (argv[0] === "mdadm" && argv[1] === "--stop" && !stillActive.has(argv[2] ?? "")) {
      ctx.log.info({ step: step.id, argv }, "skipped: the array is already stopped");
      continue;
    }
    await run(argv);
  }
  for (const disk of step.disks) await run(["partprobe", disk]);
  await settle(ctx, step.id);
}
