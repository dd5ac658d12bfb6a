// A PV is created on a device byol made moments ago (a partition, an md array), at the same offsets
// as an earlier install's: the old PV label is there again, under the new device. udev probes it
// (blkid, LVM's pvscan) as soon as the device appears, and a rescue booted with systemd activates
// the old volume group from it. Either holds the device open, and pvcreate then fails with
// "Can't open /dev/md1 exclusively. Mounted filesystem?" (seen in the crash test's VM, the install
// after a killed one, where `byol cleanup` had stopped the arrays without wiping them). So before
// pvcreate: let udev finish, deactivate a volume group found on the device (it can only be an old
// one: the device is new), and wipe the device's signatures; pvcreate itself is retried while
// udev still holds the device from the wipe's own event.

import { CommandError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { retry } from "../exec/retry.ts";
import { settle } from "./settle.ts";

type Ctx = Pick<RunContext, "runner" | "log" | "events">;

export async function clearStalePv(ctx: Ctx, step: string, pv: string): Promise<void> {
  await settle(ctx, step);
  // exit 5: no PV on the device, the usual case
  const found = await ctx.runner.run(["pvs", "--noheadings", "-o", "vg_name", pv], { step, okExitCodes: [0, 5] });
  const vg = found.exitCode === 0 ? found.stdout.trim() : "";
  if (vg !== "") {
    const message = `${pv} still holds the PV of an earlier volume group ${vg}: deactivating it before the new PV is created`;
    ctx.events.emit({ step, phase: "log", level: "warn", message });
    await ctx.runner.run(["vgchange", "-an", vg], { step, okExitCodes: [0, 5] });
  }
  await ctx.runner.run(["wipefs", "-a", "-f", pv], { step });
  await settle(ctx, step);
}

// The device is only briefly held by udev's probe: three more tries, a second apart at first.
const PVCREATE_ATTEMPTS = 4;

export async function pvcreate(ctx: Ctx, step: string, argv: readonly string[]): Promise<void> {
  await retry(() => ctx.runner.run(argv, { step }), {
    attempts: PVCREATE_ATTEMPTS,
    delayMs: 1000,
    onError: (error, attempt) => {
      if (!isBusy(error)) throw error;
      if (attempt < PVCREATE_ATTEMPTS)
        ctx.log.warn({ step, attempt }, `${argv.join(" ")}: the device is busy; trying again`);
    },
  });
}

function isBusy(error: unknown): boolean {
  return error instanceof CommandError && /open .* exclusively|Device or resource busy/.test(error.stderrTail);
}
