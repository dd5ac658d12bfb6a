// Prepare the installed system to import its pools at boot, once the image's files are copied:
// the plan's `zfs set canmount=on` (zfs-mount mounts those datasets; "/" stays noauto for the
// initramfs) and `zpool set bootfs`; an /etc/hostid (the image's own, else the rescue's, else a new
// one), and no zpool.cache: the pools are exported at the end, so zfs-import-scan finds them by
// their labels whatever the disks are called on the installed system.

import { randomBytes } from "node:crypto";
import { copyFile, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { RunContext } from "../exec/context.ts";
import type { ZfsTargetStep } from "../plan/types.ts";

export async function run(ctx: RunContext, step: ZfsTargetStep, rescueHostid = "/etc/hostid"): Promise<void> {
  for (const argv of step.commands) await ctx.runner.run(argv, { step: step.id });
  const hostid = await writeHostid(step.hostidFile, rescueHostid);
  const message = `${step.hostidFile}: ${hostid}`;
  ctx.events.emit({ step: step.id, phase: "log", level: "info", message });
  if (await exists(step.cacheFile)) {
    await rm(step.cacheFile);
    const removed = `removed the image's ${step.cacheFile}: the pools are found by zfs-import-scan`;
    ctx.events.emit({ step: step.id, phase: "log", level: "info", message: removed });
  }
}

// Where the target's hostid came from. A hostid is 4 bytes; 0 means "none" to ZFS.
async function writeHostid(file: string, rescue: string): Promise<string> {
  if (await exists(file)) return "kept the image's";
  await mkdir(dirname(file), { recursive: true });
  if (await exists(rescue)) {
    await copyFile(rescue, file);
    return `copied from the rescue's ${rescue}`;
  }
  let id = randomBytes(4);
  while (id.readUInt32LE(0) === 0) id = randomBytes(4);
  await writeFile(file, id, { mode: 0o644 });
  return "generated";
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
