// The last step: sync, release everything the run holds (unmount in reverse order, stop arrays,
// disconnect nbd), say what was installed where, and reboot unless --no-reboot.

import { readFileSync } from "node:fs";
import { parseBootMgr } from "../efi/bootmgr.ts";
import type { RunContext, StepInputs } from "../exec/context.ts";
import { reboot } from "../exec/reboot.ts";
import type { FinishStep } from "../plan/types.ts";

interface FinishOptions {
  noReboot: boolean;
  firmware: "uefi" | "bios"; // with "uefi", the summary lists byol's boot entries as the firmware has them
}

// settings.beforeReboot is called right before the reboot, e.g. to write the result line and
// close the run state: `reboot -f` leaves no time after it. The run record collects its files first,
// while the target is still mounted.
export async function run(
  ctx: RunContext,
  step: FinishStep,
  inputs: {
    settings: Pick<StepInputs["settings"], "noReboot" | "beforeReboot">;
    plan: Pick<StepInputs["plan"], "firmware">;
    recorder?: StepInputs["recorder"];
  },
): Promise<void> {
  await inputs.recorder?.collect(ctx);
  const opts: FinishOptions = { noReboot: inputs.settings.noReboot, firmware: inputs.plan.firmware };
  await ctx.runner.run(["sync"], { step: step.id });
  // Idempotent: disposing a disposed stack does nothing, so install.ts may dispose it again.
  await ctx.stack.disposeAsync();
  const mounted = new Set(mountTargets(readFileSync("/proc/self/mounts", "utf8")));
  for (const target of step.unmount.filter((t) => mounted.has(t))) {
    const message = `${target} is still mounted after the teardown`;
    ctx.events.emit({ step: step.id, phase: "log", level: "warn", message });
  }
  const message = await summary(ctx, step, opts);
  ctx.events.emit({ step: step.id, phase: "log", level: "info", message });
  if (opts.noReboot) return;
  await inputs.settings.beforeReboot?.();
  await reboot(ctx, step.id);
}

// One line: the disks, and under UEFI the entries byol made and the order the firmware will use.
async function summary(ctx: RunContext, step: FinishStep, opts: FinishOptions): Promise<string> {
  const where = `installed on ${ctx.state.targetDisks.join(" ") || "no disk"}`;
  const then = opts.noReboot ? "not rebooting (--no-reboot)" : "rebooting";
  if (opts.firmware !== "uefi") return `${where} (${opts.firmware === "bios" ? "legacy BIOS" : "firmware"}); ${then}`;
  try {
    const state = parseBootMgr((await ctx.runner.run(["efibootmgr", "-v"], { step: step.id })).stdout);
    const ours = state.entries.filter((e) => e.label.startsWith("byol "));
    const entries = ours.map((e) => `Boot${e.num} "${e.label}"${e.loader ? ` ${e.loader}` : ""}`).join(", ");
    return `${where} (UEFI); boot entries ${entries || "none"}; BootOrder ${state.bootOrder.join(",")}; ${then}`;
  } catch {
    return `${where} (UEFI; efibootmgr could not be read); ${then}`;
  }
}

// Mount points in /proc/self/mounts, with its octal escapes (\040 for a space) decoded.
function mountTargets(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.split(" ")[1])
    .filter((t): t is string => t !== undefined)
    .map((t) => t.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))));
}
