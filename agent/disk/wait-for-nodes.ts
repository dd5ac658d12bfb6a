// Block devices appear asynchronously after a partition table or an array changes:
// udev creates the node some time after the kernel knows the device.

import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { InstallError } from "../errors.ts";

export async function waitForNodes(
  nodes: readonly string[],
  options: { step: string; what: string; signal: AbortSignal; timeoutMs?: number },
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const missing = nodes.filter((n) => !existsSync(n));
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      const s = missing.length > 1 ? "s" : "";
      throw new InstallError(
        "partition",
        options.step,
        `device node${s} ${missing.join(", ")} did not appear after ${options.what}`,
      );
    }
    await sleep(100, undefined, { signal: options.signal });
  }
}
