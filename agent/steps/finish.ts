// The last step: sync, release everything the run holds (unmount in reverse order, stop arrays,
// disconnect nbd), say what was installed where, and reboot unless --no-reboot.

import { readFileSync } from "node:fs";
import { parseBootMgr } from "../efi/bootmgr.ts";
import type { RunContext } from "../exec/context.ts";
import type { FinishStep } from "../plan/types.ts";

export interface FinishOptions {
  noReboot: boolean;
  firmware?: "uefi" | "bios"; // with "uefi", the summary lists byol's boot entries as the firmware has them
  // called right before the reboot, e.g. to write the result line and close the run state:
  // `reboot -f` leaves no time after it
  beforeReboot?: () => void | Promise<void>;
}

export async function finish(ctx: RunContext, step: FinishStep, opts: FinishOptions): Promise<void> {
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
  await opts.beforeReboot?.();
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

// systemctl when a service manager runs; otherwise (byol's rescue system has none) reboot -f.
// Never throws: the install is complete, and a failed step would reset the disks' tables.
// Kept apart so tests never reach it with a real runner.
export async function reboot(ctx: Pick<RunContext, "runner" | "log" | "events">, step: string): Promise<void> {
  try {
    await ctx.runner.run(["systemctl", "reboot"], { step, timeoutMs: 60_000 });
    return;
  } catch (error) {
    ctx.log.warn({ err: error }, "systemctl reboot failed; trying reboot -f");
  }
  try {
    await ctx.runner.run(["reboot", "-f"], { step, timeoutMs: 60_000 });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const message = `the install is complete but the server could not be rebooted (${why}); reboot it by hand`;
    ctx.log.error({ err: error }, message);
    ctx.events.emit({ step, phase: "log", level: "warn", message });
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
