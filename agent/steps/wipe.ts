// Wipe the target disks: release whatever an earlier install left on them (mounts, swap,
// LVM volume groups, md arrays the rescue system auto-assembled), clear the signatures of
// every partition, then the plan's wipefs and `sgdisk -Z` of each disk, which also clears
// the backup GPT. An array that also has members on a disk that is not a target makes the
// install refuse here, before anything is touched, unless the plan says to break it.

import { readMdstat, releaseHolders } from "../disk/release-holders.ts";
import { settle } from "../disk/settle.ts";
import type { RunContext } from "../exec/context.ts";
import { markDisksWritten } from "../exec/run-state.ts";
import type { WipeStep } from "../plan/types.ts";
import { parseMdstatArrays } from "../probe/mdstat.ts";

export async function run(ctx: RunContext, step: WipeStep): Promise<void> {
  const command = (argv: readonly string[]) => ctx.runner.run(argv, { step: step.id });
  const holders = await releaseHolders(
    ctx,
    step.disks,
    { step: step.id },
    {
      targets: ctx.state.targetDisks,
      spanning: step.breakArrays ? "break" : "refuse",
      beforeFirstWrite: () => markDisksWritten(ctx),
    },
  );
  markDisksWritten(ctx);
  for (const partition of holders.partitions) await command(["wipefs", "-a", "-f", partition]);

  // the plan stops the arrays probe saw; the ones released above are already stopped
  const mdstat = parseMdstatArrays(await readMdstat());
  const stillActive = new Set(mdstat.map((md) => md.device));
  const stillMember = (md: string, m: string) => mdstat.some((a) => a.device === md && a.members.includes(m));
  for (const argv of step.commands) {
    if (argv[0] === "mdadm" && argv[1] === "--stop" && !stillActive.has(argv[2] ?? "")) {
      ctx.log.info({ step: step.id, argv }, "skipped: the array is already stopped");
      continue;
    }
    if (argv[0] === "mdadm" && argv[2] === "--fail" && !stillMember(argv[1] ?? "", argv[3] ?? "")) {
      ctx.log.info({ step: step.id, argv }, "skipped: the member already left the array");
      continue;
    }
    await command(argv);
  }
  for (const disk of step.disks) await command(["partprobe", disk]);
  await settle(ctx, step.id);
}
