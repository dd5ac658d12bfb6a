// Step "move-backup-gpt" (BYOI): the image's backup GPT sits at the end of the image, not of the
// disk. `sgdisk -e` moves it to the disk's end (and with it the last usable sector), which is also
// what makes room for the config drive. An MBR image has no backup table: nothing to do.

import { readDiskTable } from "../disk/byoi-table.ts";
import { InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { markDisksWritten } from "../exec/run-state.ts";
import type { MoveBackupGptStep } from "../plan/types.ts";

const MOVE_FAILED = "Can not move backup GPT data structures to the end of disk.";

export async function run(ctx: RunContext, step: MoveBackupGptStep): Promise<void> {
  markDisksWritten(ctx);
  try {
    const { table } = await readDiskTable(step.disk);
    if (table.table === "mbr") {
      const message = `${step.disk} holds an MBR image: no backup GPT to move`;
      ctx.events.emit({ step: step.id, phase: "log", level: "info", message });
      return;
    }
    if (table.table === "none") throw new Error(`no partition table on ${step.disk}`);
    for (const argv of step.commands) await ctx.runner.run(argv, { step: step.id });
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new InstallError("gpt", step.id, `${MOVE_FAILED} (${detail})`, { cause: error });
  }
}
