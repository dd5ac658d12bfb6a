// The reboot at the end of an install.

import type { RunContext } from "./context.ts";

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
