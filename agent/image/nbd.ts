// qemu-nbd --read-only on a free /dev/nbdN. The kernel shows /sys/block/nbdN/pid only while a
// client is connected, so a device without it is free.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { InstallError } from "../errors.ts";
import type { RunContext } from "../exec/context.ts";
import { nbdHandle } from "../exec/teardown.ts";

export interface NbdConnection {
  device: string; // /dev/nbd0
  release: () => Promise<void>; // disconnect now (the run's stack does it otherwise)
}

export async function connectNbd(
  ctx: RunContext,
  step: string,
  image: { file: string; format: "qcow2" | "raw" },
  sysBlock = "/sys/block",
): Promise<NbdConnection> {
  if (!existsSync(`${sysBlock}/nbd0`)) await ctx.runner.run(["modprobe", "nbd", "max_part=8"], { step });
  const device = freeNbd(sysBlock);
  if (device === undefined) throw new InstallError("attach", step, "no free /dev/nbdN to attach the image to");
  // recorded before connecting: a run killed right after qemu-nbd returned still lets cleanup find it
  ctx.held?.hold("nbd", device);
  try {
    await ctx.runner.run(["qemu-nbd", "--read-only", `--format=${image.format}`, `--connect=${device}`, image.file], {
      step,
    });
  } catch (error) {
    ctx.held?.drop("nbd", device);
    throw error;
  }
  const release = nbdHandle(ctx, device);
  await sizeKnown(device, sysBlock, ctx.signal);
  return { device, release };
}

// qemu-nbd returns once connected; the kernel may learn the size a moment later.
async function sizeKnown(device: string, sysBlock: string, signal: AbortSignal): Promise<void> {
  const file = `${sysBlock}/${device.slice("/dev/".length)}/size`;
  for (let i = 0; i < 100; i++) {
    if (Number(readFileSync(file, "utf8").trim()) > 0) return;
    await sleep(100, undefined, { signal });
  }
}

export function freeNbd(sysBlock = "/sys/block"): string | undefined {
  const names = readdirSync(sysBlock)
    .filter((n) => /^nbd\d+$/.test(n))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  const free = names.find((n) => !existsSync(`${sysBlock}/${n}/pid`));
  return free === undefined ? undefined : `/dev/${free}`;
}
