// `udevadm settle` between disk steps. Its timeout (udev's queue still busy after 120 s) is a
// warning, not a failure: under load a udev worker can sit on an event for minutes (seen in the
// emulated rescue VM), while the partitions and arrays the next commands need are kernel device
// nodes, which the steps wait for themselves (waitForNodes). ironic-python-agent does the same.

import type { RunContext } from "../exec/context.ts";

export const SETTLE = ["udevadm", "settle"] as const;

export function isSettle(argv: readonly string[]): boolean {
  return argv[0] === SETTLE[0] && argv[1] === SETTLE[1];
}

type SettleContext = Pick<RunContext, "runner" | "log"> & Partial<Pick<RunContext, "events">>;

export async function settle(ctx: SettleContext, step: string, argv: readonly string[] = SETTLE): Promise<void> {
  const r = await ctx.runner.run(argv, { step, okExitCodes: [0, 1] });
  if (r.exitCode === 0) return;
  const why = r.stderr.trim() || `exit ${r.exitCode}`;
  const message = `${argv.join(" ")}: ${why}; going on (udev is still busy; the next commands wait for their device nodes)`;
  ctx.events?.emit({ step, phase: "log", level: "warn", message });
  ctx.log.warn({ step, argv }, message);
}
